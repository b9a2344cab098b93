import Foundation
import RemedyTestSupport
import Testing

@testable import RemedyAWS

@Suite struct ProcessCredentialProviderTests {
    static let goodOutput = """
        {"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "\(TestSecrets.secretKey)",
         "SessionToken": "\(TestSecrets.sessionToken)", "Expiration": "2030-01-01T00:00:00Z"}
        """

    /// Writes an executable shell script printing `stdout` and `stderr` and exiting with `status`.
    static func script(
        in directory: TemporaryDirectory,
        named name: String = "creds.sh",
        stdout: String = goodOutput,
        stderr: String = "",
        status: Int = 0,
        before: String = ""
    ) throws -> String {
        try directory.write(
            name,
            """
            #!/bin/sh
            \(before)
            cat <<'JSON'
            \(stdout)
            JSON
            printf '%s' '\(stderr)' >&2
            exit \(status)
            """,
            executable: true
        )
    }

    @Test func aScriptsJSONOutputBecomesCredentials() async throws {
        try await withTemporaryDirectory { directory in
            let path = try Self.script(in: directory)
            let provider = try ProcessCredentialProvider(commandLine: path, profile: "p", environment: [:])
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyID == "AKIAPROC")
            #expect(credentials.secretAccessKey == TestSecrets.secretKey)
            #expect(credentials.sessionToken == TestSecrets.sessionToken)
            #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        }
    }

    @Test func argumentsAreSplitLikeShlexAndPassedWithoutAShell() async throws {
        try await withTemporaryDirectory { directory in
            // The script records its arguments one per line, then prints credentials.
            let path = try Self.script(
                in: directory,
                named: "dir with space/creds.sh",
                before: "for a in \"$@\"; do echo \"$a\" >> \"\(directory.file("args"))\"; done"
            )
            let line = "'\(path)' --profile \"prod account\" it\\'s '$HOME' a\"b\"c"
            let provider = try ProcessCredentialProvider(commandLine: line, profile: "p", environment: [:])
            _ = try await provider.credentials()
            let recorded = try String(contentsOfFile: directory.file("args"), encoding: .utf8)
            #expect(recorded == "--profile\nprod account\nit's\n$HOME\nabc\n")
        }
    }

    @Test func aBareProgramNameIsFoundOnTheEnvironmentsPath() async throws {
        try await withTemporaryDirectory { directory in
            _ = try Self.script(in: directory, named: "bin/remedy-creds")
            let provider = try ProcessCredentialProvider(
                commandLine: "remedy-creds",
                profile: "p",
                environment: ["PATH": directory.file("bin") + ":/usr/bin:/bin"]
            )
            #expect(try await provider.credentials().accessKeyID == "AKIAPROC")
        }
    }

    @Test func aFailingCommandReportsStatusAndStderrButNotStdout() async throws {
        try await withTemporaryDirectory { directory in
            let path = try Self.script(in: directory, stderr: "token expired, run login", status: 3)
            let provider = try ProcessCredentialProvider(commandLine: path, profile: "p", environment: [:])
            let error = await #expect(throws: CredentialError.processFailed) { try await provider.credentials() }
            let message = try #require(error?.message)
            #expect(message.contains("exited with status 3"))
            #expect(message.contains("token expired, run login"))
            for secret in TestSecrets.all { #expect(!message.contains(secret)) }
            #expect(!message.contains("AKIAPROC"))
        }
    }

    @Test func aCommandThatRunsTooLongIsTerminated() async throws {
        try await withTemporaryDirectory { directory in
            let path = try directory.write("slow.sh", "#!/bin/sh\nexec sleep 30\n", executable: true)
            let provider = try ProcessCredentialProvider(
                commandLine: path,
                profile: "p",
                environment: [:],
                timeout: .milliseconds(300)
            )
            let started = Date()
            let error = await #expect(throws: CredentialError.processFailed) { try await provider.credentials() }
            // Far below the command's 30 s, with room for a loaded machine: the point is that it was cut short.
            #expect(Date().timeIntervalSince(started) < 15)
            // Once seen failing under a loaded full run (2026-12-07) with another message: say which.
            #expect(error?.message.contains("did not finish within 0.3 s") == true, "\(error?.message ?? "no error")")
        }
    }

    @Test func outputThatIsNotVersionOneJSONIsRejectedWithoutEchoingIt() async throws {
        try await withTemporaryDirectory { directory in
            let notJSON = try Self.script(in: directory, named: "a.sh", stdout: "secret=\(TestSecrets.secretKey)")
            let wrongVersion = try Self.script(
                in: directory,
                named: "b.sh",
                stdout: #"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "\#(TestSecrets.secretKey)"}"#
            )
            let noSecret = try Self.script(in: directory, named: "c.sh", stdout: #"{"Version": 1, "AccessKeyId": "A"}"#)
            for path in [notJSON, wrongVersion, noSecret] {
                let provider = try ProcessCredentialProvider(commandLine: path, profile: "p", environment: [:])
                do {
                    _ = try await provider.credentials()
                    Issue.record("\(path) should fail")
                } catch let error as CredentialError {
                    for secret in TestSecrets.all { #expect(!error.message.contains(secret)) }
                }
            }
        }
    }

    @Test func aMissingProgramIsReported() async throws {
        let provider = try ProcessCredentialProvider(
            commandLine: "no-such-remedy-helper --x",
            profile: "p",
            environment: ["PATH": "/nonexistent"]
        )
        let error = await #expect(throws: CredentialError.processFailed) { try await provider.credentials() }
        #expect(error?.message.contains("not found on PATH") == true)
    }

    @Test func unbalancedQuotesAreAConfigurationError() {
        #expect(throws: CredentialError.invalidConfiguration) {
            try ProcessCredentialProvider(commandLine: "tool 'unclosed", profile: "p", environment: [:])
        }
        #expect(throws: CredentialError.invalidConfiguration) {
            try ProcessCredentialProvider(commandLine: "   ", profile: "p", environment: [:])
        }
    }

    @Test(arguments: [
        ("a b  c", ["a", "b", "c"]),
        (#"'a b' "c d""#, ["a b", "c d"]),
        (#"a\ b"#, ["a b"]),
        (#""a\"b\\c\d""#, [#"a"b\c\d"#]),
        (#"x''y"#, ["xy"]),
        (#""""#, [""]),
        ("  ", []),
    ])
    func commandLinesSplitLikePythonShlex(_ line: String, _ words: [String]) throws {
        #expect(try CommandLineWords.split(line) == words)
    }
}
