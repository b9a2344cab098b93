import ArgumentParser
import RemedyAWS

extension RemedyCommand {
    /// `remedy debug`: tools for diagnosing remedy's conversations with AWS.
    struct DebugCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "debug",
            abstract: "Diagnose remedy's requests to AWS.",
            subcommands: [SigV4Command.self]
        )
    }

    /// `remedy debug sigv4`: shows how remedy signs requests, to compare with what an endpoint expected.
    struct SigV4Command: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sigv4",
            abstract: "Sign requests read as JSON Lines on standard input and print each canonical request, string to "
                + "sign and Authorization header.",
            discussion: """
                Input lines use the format of Fixtures/sigv4/botocore_vectors.jsonl (id, signer, service, region, \
                timestamp, credentials, request). Output: one JSON object per line with id, canonical_request, \
                string_to_sign and authorization. Compare them with the canonical request and string to sign an AWS \
                SignatureDoesNotMatch error returns. See docs/sigv4-debugging.md. Exit status 1 when any line fails.
                """
        )

        func run() throws {
            var lineNumber = 0
            var failures = 0
            while let line = readLine(strippingNewline: true) {
                lineNumber += 1
                guard !line.allSatisfy(\.isWhitespace) else { continue }
                do {
                    Terminal.standardOutput.write(try SigV4DebugVector.run(line: line))
                } catch {
                    failures += 1
                    Terminal.standardError.write("error: line \(lineNumber): \(error)")
                }
            }
            if failures > 0 { throw ExitCode.failure }
        }
    }
}
