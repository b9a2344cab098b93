import Dispatch
import Foundation
import Synchronization

/// Credentials printed as JSON by a profile's `credential_process` command.
///
/// The command line is split into words like `shlex.split` and executed directly, without a shell; a bare
/// program name is looked up on the environment's `PATH`. The command must exit 0 within the timeout and print
/// `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …, "Expiration": …}`. Errors quote
/// the exit status and the start of standard error, never standard output, which holds the secrets.
public struct ProcessCredentialProvider: AWSCredentialProvider {
    /// The profile whose `credential_process` this is (for messages).
    public let profile: String
    private let arguments: [String]
    private let environment: [String: String]
    private let timeout: Duration

    /// - Parameters:
    ///   - commandLine: the `credential_process` value.
    ///   - environment: the child's environment; its `PATH` is searched for a bare program name.
    ///   - timeout: how long the command may run before it is terminated.
    /// - Throws: ``CredentialError/invalidConfiguration`` when the command line is empty or badly quoted.
    public init(
        commandLine: String,
        profile: String,
        environment: [String: String],
        timeout: Duration = .seconds(60)
    )
        throws
    {
        do {
            arguments = try CommandLineWords.split(commandLine)
        } catch {
            throw CredentialError.invalidConfiguration(
                "credential_process of profile '\(profile)' cannot be split into words: \(error.reason)"
            )
        }
        guard !arguments.isEmpty else {
            throw CredentialError.invalidConfiguration("credential_process of profile '\(profile)' is empty")
        }
        self.profile = profile
        self.environment = environment
        self.timeout = timeout
    }

    public func credentials() async throws -> AWSCredentials {
        let what = "credential_process of profile '\(profile)'"
        let program = try executablePath(for: arguments[0])
        let result = try await ChildProcess.run(
            program,
            arguments: Array(arguments.dropFirst()),
            environment: environment,
            timeout: timeout,
            what: what
        )
        try Task.checkCancellation()
        guard result.status == 0 else {
            let excerpt = String(decoding: result.standardError.prefix(300), as: UTF8.self).trimmingWhitespace()
            throw CredentialError.processFailed(
                "\(what) (\(program)) exited with status \(result.status)"
                    + (excerpt.isEmpty ? "" : ": \(excerpt)")
            )
        }
        let document = try CredentialDocument.decode(result.standardOutput, from: what)
        guard document.version == 1 else {
            throw CredentialError.processFailed(
                "\(what) printed Version \(document.version.map(String.init) ?? "(missing)"); only Version 1 is "
                    + "supported"
            )
        }
        return try document.credentials(from: what)
    }

    private func executablePath(for program: String) throws -> String {
        if program.contains("/") { return program }
        let path = environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CredentialError.processFailed(
            "credential_process of profile '\(profile)': program '\(program)' not found on PATH; give its full path"
        )
    }
}

/// Runs a program to completion with captured output and a timeout.
private enum ChildProcess {
    struct Result: Sendable {
        var status: Int32
        var standardOutput: Data
        var standardError: Data
    }

    /// Collects the three things a run waits for and resumes the caller once, whichever finishes it.
    private final class Completion: Sendable {
        struct State {
            var continuation: CheckedContinuation<Result, any Error>?
            var status: Int32?
            var standardOutput: Data?
            var standardError: Data?
        }
        private let state: Mutex<State>

        init(_ continuation: CheckedContinuation<Result, any Error>) {
            state = Mutex(State(continuation: continuation))
        }

        func update(_ change: @Sendable (inout State) -> Void) {
            let ready: (CheckedContinuation<Result, any Error>, Result)? = state.withLock { state in
                change(&state)
                guard let continuation = state.continuation, let status = state.status,
                    let output = state.standardOutput, let error = state.standardError
                else { return nil }
                state.continuation = nil
                return (continuation, Result(status: status, standardOutput: output, standardError: error))
            }
            if let (continuation, result) = ready { continuation.resume(returning: result) }
        }

        func exited(_ status: Int32) { update { $0.status = status } }
        func output(_ data: Data) { update { $0.standardOutput = data } }
        func errorOutput(_ data: Data) { update { $0.standardError = data } }

        /// Resumes with `error` unless the run already finished; returns whether it did.
        func fail(_ error: any Error) -> Bool {
            let continuation = state.withLock { state in
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(throwing: error)
            return continuation != nil
        }
    }

    /// `Process` is documented as usable from any thread for `run` and `terminate`; this box only carries it into
    /// the termination and timeout callbacks.
    private final class ProcessBox: @unchecked Sendable {
        let process = Process()
    }

    static func run(
        _ program: String,
        arguments: [String],
        environment: [String: String],
        timeout: Duration,
        what: String
    ) async throws -> Result {
        let box = ProcessBox()
        let process = box.process
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice

        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let completion = Completion(continuation)
                process.terminationHandler = { finished in completion.exited(finished.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    _ = completion.fail(
                        CredentialError.processFailed(
                            "\(what) could not start \(program): \(error.localizedDescription)"
                        )
                    )
                    return
                }
                // Blocking reads belong on Dispatch threads, not the cooperative pool; both pipes are drained
                // together so a chatty stderr cannot stall the child.
                let readOutput = output.fileHandleForReading
                let readErrors = errors.fileHandleForReading
                DispatchQueue.global().async { completion.output(readOutput.readDataToEndOfFile()) }
                DispatchQueue.global().async { completion.errorOutput(readErrors.readDataToEndOfFile()) }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout.timeInterval) {
                    let message = "\(what) did not finish within \(timeout.secondsText); it was terminated"
                    if completion.fail(CredentialError.processFailed(message)) { box.process.terminate() }
                }
            }
        } onCancel: {
            if box.process.isRunning { box.process.terminate() }
        }
    }
}

extension Duration {
    /// `1 s`, `0.25 s`: for messages.
    var secondsText: String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    var timeInterval: Double { seconds }
}
