import Foundation

/// A `remedy serve` process, started on a free port, for end-to-end tests.
public struct ServingRemedy: Sendable {
    let process: Process
    let outputFile: URL
    let errorFile: URL
    /// The port it listens on, read from its "listening on" line.
    public let port: Int

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `remedy serve` with `arguments` (which should include `--listen 127.0.0.1:0`) and returns once it
    /// listens; fails, killing it, when it exits first or does not listen within `timeout`.
    public static func start(
        _ arguments: [String],
        environment: [String: String],
        timeout: Duration = .seconds(60)
    ) async throws -> ServingRemedy {
        let directory = FileManager.default.temporaryDirectory
        let outputFile = directory.appendingPathComponent("remedy-serve-\(UUID()).out")
        let errorFile = directory.appendingPathComponent("remedy-serve-\(UUID()).err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let process = Process()
        process.executableURL = RemedyBinary.url
        process.arguments = ["serve"] + arguments
        process.environment = environment
        process.currentDirectoryURL = Repository.root
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            if let range = output.range(of: "listening on http://127.0.0.1:") {
                let digits = output[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) {
                    return ServingRemedy(process: process, outputFile: outputFile, errorFile: errorFile, port: port)
                }
            }
            if !process.isRunning {
                let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
                throw PauseError(message: "remedy serve exited (\(process.terminationStatus)): \(errors)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw PauseError(message: "remedy serve did not listen within \(timeout)")
    }

    /// What it wrote to standard error so far (its JSON log lines).
    public var standardError: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits for the exit (SIGKILL after `timeout`); returns the exit status.
    public func terminate(timeout: Duration = .seconds(30)) async throws -> Int32 {
        Glibc.kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw PauseError(message: "remedy serve did not stop within \(timeout) of SIGTERM")
        }
        try? FileManager.default.removeItem(at: outputFile)
        return process.terminationStatus
    }
}
