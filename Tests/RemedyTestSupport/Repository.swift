import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Paths inside the repository, for tests that read fixtures and playbooks or run the built `remedy` binary.
public enum Repository {
    /// The package root, found from this file's location.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // RemedyTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    public static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    public static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }
}

/// What a finished `remedy` process printed and returned.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// Runs the `remedy` executable built beside the test bundle.
public enum RemedyBinary {
    /// The build products directory: the test runner's own directory, or the one holding the `.xctest` bundle.
    public static var url: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.pathComponents.count > 1,
            directory.lastPathComponent.hasSuffix(".xctest")
                || directory.lastPathComponent == "MacOS" || directory.lastPathComponent == "Contents"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("remedy")
    }

    /// Runs `remedy` with `arguments`; `environment`, when given, replaces the inherited one entirely; it runs in
    /// the repository unless `currentDirectory` says otherwise.
    public static func run(
        _ arguments: [String],
        standardInput: String? = nil,
        environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.currentDirectoryURL = currentDirectory.map { URL(fileURLWithPath: $0) } ?? Repository.root
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let standardInput { input.fileHandleForWriting.write(Data(standardInput.utf8)) }
        try input.fileHandleForWriting.close()
        // Read before waiting so a large output cannot fill the pipe and stall the child.
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self)
        )
    }
}

/// A `remedy` process stopped at a pause point (`REMEDY_TEST_PAUSE_AT`), waiting to be killed.
public struct PausedRemedy: Sendable {
    let process: Process
    /// What it wrote to standard error up to the pause.
    public var standardError: String

    /// `kill -9`: no handler runs, nothing is flushed, the open journal transaction is left as it is.
    public func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

extension RemedyBinary {
    /// Starts `remedy` with `REMEDY_TEST_PAUSE_AT=point` and returns once it reports standing at that point.
    ///
    /// Fails (killing the process) when it exits first or does not get there within `timeout`.
    public static func runUntilPaused(
        _ arguments: [String],
        at point: String,
        environment: [String: String],
        timeout: Duration = .seconds(60)
    ) async throws -> PausedRemedy {
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("remedy-pause-\(UUID()).log")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = environment.merging(["REMEDY_TEST_PAUSE_AT": point]) { _, new in new }
        process.currentDirectoryURL = Repository.root
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let written = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            if written.contains("remedy: paused at \(point)") {
                return PausedRemedy(process: process, standardError: written)
            }
            if !process.isRunning {
                throw PauseError(message: "remedy exited (\(process.terminationStatus)) before \(point): \(written)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw PauseError(message: "remedy did not reach \(point) within \(timeout)")
    }
}

public struct PauseError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
