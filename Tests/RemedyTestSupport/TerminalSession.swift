import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `remedy` process on a pseudo-terminal, so it behaves as it does in front of a person: tests read what it shows
/// and type answers.
///
/// util-linux `script` (Debian's essential `bsdutils`) provides the terminal; the test talks to `script` over pipes.
public final class TerminalSession: @unchecked Sendable {
    // Used from one test task at a time; the class only owns the pipes and the child.
    private let process: Process
    private let input: FileHandle
    private let outputDescriptor: Int32
    private let outputPipe: Pipe
    private var received = Data()

    init(process: Process, input: FileHandle, output: Pipe) {
        self.process = process
        self.input = input
        outputPipe = output
        outputDescriptor = output.fileHandleForReading.fileDescriptor
        _ = fcntl(outputDescriptor, F_SETFL, fcntl(outputDescriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Everything the process has shown so far, with the terminal's carriage returns removed.
    public var output: String {
        drain()
        return String(decoding: received, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    }

    /// Waits until the output contains `text`; fails after `timeout`.
    public func waitFor(_ text: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.contains(text) { return }
            if !process.isRunning, !output.contains(text) {
                throw PauseError(message: "remedy exited before showing '\(text)':\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PauseError(message: "remedy did not show '\(text)' within \(timeout):\n\(output)")
    }

    /// Types `line` and Return.
    public func type(_ line: String) {
        input.write(Data((line + "\n").utf8))
    }

    /// Waits for the process to exit and returns its status.
    public func exitStatus(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw PauseError(message: "remedy did not exit within \(timeout):\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        drain()
        return process.terminationStatus
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(outputDescriptor, &buffer, buffer.count)
            guard count > 0 else { return }
            received.append(contentsOf: buffer[0..<count])
        }
    }
}

extension RemedyBinary {
    /// Starts `remedy` on a pseudo-terminal (standard input, output and error all on it).
    public static func runInTerminal(_ arguments: [String], environment: [String: String]) throws -> TerminalSession {
        let command = ([url.path] + arguments).map(shellQuoted).joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // -q no banner, -f flush at once, -e exit with the child's status, -c the command; no typescript file.
        process.arguments = ["-qfec", command, "/dev/null"]
        process.environment = environment.merging(["SHELL": "/bin/sh"]) { _, new in new }
        process.currentDirectoryURL = Repository.root
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return TerminalSession(process: process, input: input.fileHandleForWriting, output: output)
    }

    private static func shellQuoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
