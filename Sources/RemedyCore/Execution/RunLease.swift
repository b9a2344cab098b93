import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who drives a run: one executor at a time among the processes sharing a journal.
///
/// A holder names its host, process and executor instance, and the process table its process id belongs to (the
/// kernel's boot id and the pid namespace), so a lease left by a process killed on this host can be taken over at
/// once rather than after it expires. Two containers on one host (host networking, their own pid namespaces) share a
/// host name but not a process table: each sees the other's pid as gone, so without a matching scope the lease is
/// waited out.
public struct LeaseHolder: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var processID: Int32
    /// Tells apart executors in one process.
    public var instance: String
    /// The process table `processID` is read in (`BOOTID:PIDNS`); nil when it cannot be read (not Linux, no
    /// `/proc`), or for a lease written before remedy recorded it: such a holder is never taken for gone.
    public var scope: String?

    public init(host: String, processID: Int32, instance: String, scope: String? = nil) {
        self.host = host
        self.processID = processID
        self.instance = instance
        self.scope = scope
    }

    /// A new holder for an executor in this process.
    public static func thisProcess() -> LeaseHolder {
        LeaseHolder(
            host: thisHost,
            processID: getpid(),
            instance: String(RandomUUID.make().prefix(8)),
            scope: thisScope
        )
    }

    /// `host/pid/instance[/scope]`, as stored in the journal.
    public var description: String {
        "\(host)/\(processID)/\(instance)" + (scope.map { "/\($0)" } ?? "")
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3 || parts.count == 4, let processID = Int32(parts[1]) else { return nil }
        self.init(
            host: String(parts[0]),
            processID: processID,
            instance: String(parts[2]),
            scope: parts.count == 4 ? String(parts[3]) : nil
        )
    }

    /// Whether the holder was a process of this host's process table that no longer exists (killed or crashed).
    ///
    /// Only a holder whose host and scope are this process's own can be judged: a pid from another pid namespace,
    /// another boot, or of unknown scope says nothing here, and the lease is waited out. A process id reused since
    /// counts as alive: the lease is then waited out too, the safe direction.
    public var isGoneFromThisHost: Bool {
        guard host == Self.thisHost, let scope, scope == Self.thisScope, processID > 0 else { return false }
        return kill(processID, 0) != 0 && errno == ESRCH
    }

    /// The kernel's host name: `ProcessInfo.hostName` may resolve it through DNS, which can stall.
    static let thisHost: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// This process's process table: the boot id and the pid namespace's inode, or nil where they cannot be read.
    public static let thisScope: String? = {
        guard let bootID = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
            let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
        else { return nil }
        // "pid:[4026531836]" -> "4026531836"; the boot id is a UUID. Neither holds a '/'.
        let inode = namespace.filter(\.isNumber)
        let boot = bootID.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !inode.isEmpty, !boot.isEmpty, !boot.contains("/") else { return nil }
        return "\(boot):\(inode)"
    }()
}

/// What came of claiming a run's lease.
public enum LeaseClaim: Sendable, Hashable {
    case acquired
    /// Another live holder has it until the given time.
    case held(by: String, until: Date)
}
