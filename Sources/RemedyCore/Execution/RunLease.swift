import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who drives a run: one executor at a time among the processes sharing a journal.
///
/// A holder names its host, process and executor instance, so a lease left by a process killed on this host can be
/// taken over at once rather than after it expires.
public struct LeaseHolder: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var processID: Int32
    /// Tells apart executors in one process.
    public var instance: String

    public init(host: String, processID: Int32, instance: String) {
        self.host = host
        self.processID = processID
        self.instance = instance
    }

    /// A new holder for an executor in this process.
    public static func thisProcess() -> LeaseHolder {
        LeaseHolder(
            host: thisHost,
            processID: getpid(),
            instance: String(RandomUUID.make().prefix(8))
        )
    }

    /// `host/pid/instance`, as stored in the journal.
    public var description: String { "\(host)/\(processID)/\(instance)" }

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let processID = Int32(parts[1]) else { return nil }
        self.init(host: String(parts[0]), processID: processID, instance: String(parts[2]))
    }

    /// Whether the holder was a process on this host that no longer exists (killed or crashed).
    ///
    /// A process id reused since counts as alive: the lease is then waited out, the safe direction.
    public var isGoneFromThisHost: Bool {
        guard host == Self.thisHost, processID > 0 else { return false }
        return kill(processID, 0) != 0 && errno == ESRCH
    }

    /// The kernel's host name: `ProcessInfo.hostName` may resolve it through DNS, which can stall.
    static let thisHost: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}

/// What came of claiming a run's lease.
public enum LeaseClaim: Sendable, Hashable {
    case acquired
    /// Another live holder has it until the given time.
    case held(by: String, until: Date)
}
