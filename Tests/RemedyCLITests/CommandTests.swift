import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

/// The `remedy` binary, run as a responder would run it.
@Suite struct CommandTests {
    @Test func validateAcceptsTheShippedPlaybooks() throws {
        let result = try RemedyBinary.run(["validate", "Playbooks"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("playbooks valid, 0 errors"))
    }

    @Test func validateReportsEveryErrorWithPositionAndFails() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remedy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("broken.yaml")
        try """
        apiVersion: remedy/v1
        name: broken
        match: {types: ["Backdoor:EC2/*"]}
        steps:
          - id: a
            action: ec2.stopp
          - id: a
            action: ec2.stop
            with: {instance: "{{ inputs.nothing }}"}
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try RemedyBinary.run(["validate", directory.path])
        #expect(result.status == 1)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(file.path):5:5: error: unknown action 'ec2.stopp'; did you mean 'ec2.stop'?"))
        #expect(lines.contains("\(file.path):7:5: error: duplicate step id 'a'"))
    }

    @Test func planPrintsStableJSON() throws {
        let result = try RemedyBinary.run([
            "plan", "Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json", "--output", "json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let document = try JSONParser().parse(result.standardOutput)
        #expect(document["version"] == 1)
        let matched = try #require(document["findings"]?[0]?["matched"]?.arrayValue)
        #expect(matched.map { $0["playbook"] } == ["s3-public-bucket"])
        // The finding carries no tags, so the bucket's are read before anything else (it may be public by design)
        let check = try #require(matched[0]["steps"]?[0])
        #expect(check["action"] == "remedy.check_exemption_tags")
        #expect(check["parameters"]?["tags"] == ["value": ["remedy:public-by-design": "true"]])
        let block = try #require(matched[0]["steps"]?[1])
        #expect(block["action"] == "s3.block_public_access")
        #expect(block["parameters"]?["bucket"] == ["value": "acme-web-assets-prod"])
        #expect(block["status"] == "will-run")
        let resolve = try #require(matched[0]["steps"]?[3])
        #expect(resolve["parameters"]?["note"]?["deferred"] == "run.id")
    }

    @Test func planReadsStandardInputAndRefusesThePlaybooksAHostileIdentifierReaches() throws {
        // The finding is read (its id is text), and every playbook that would send the id is refused
        let hostile = try Repository.read("Fixtures/findings/hostile-ids/guardduty-instance-id-injection.json")
        let result = try RemedyBinary.run(["plan", "-"], standardInput: hostile)
        #expect(result.status == 1)
        #expect(
            result.standardOutput.contains(
                "playbook ec2-compromise-contain: REFUSED for this finding, no step will run"
            )
        )
        #expect(result.standardOutput.contains("is not a valid EC2 instance id"))
        // Control characters, which no AWS identifier holds, still refuse the whole finding
        let newline = try Repository.read("Fixtures/findings/malformed/guardduty-instance-id-trailing-newline.json")
        let refused = try RemedyBinary.run(["plan", "-"], standardInput: newline)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("holds control characters"))
        #expect(refused.standardOutput.isEmpty)
    }

    @Test func everyCommandThatReadsPlaybooksFailsWhenNoneLoad() async throws {
        try await withTemporaryDirectory { directory in
            // Given a directory without Playbooks/, as a responder's home directory is
            let finding = Repository.path("Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json")
            try FileManager.default.createDirectory(atPath: directory.file("empty"), withIntermediateDirectories: true)
            for arguments in [
                ["plan", finding], ["run", "--offline", finding], ["coverage"], ["iam-policy"], ["doctor"],
                ["plan", finding, "--playbooks", directory.file("empty")],
            ] {
                // When a command that needs playbooks runs there
                let result = try RemedyBinary.run(arguments, currentDirectory: directory.path)
                // Then it fails, says why, and prints no "nothing matches" or "0 covered" as if it had looked
                #expect(result.status == 1, "\(arguments)")
                #expect(result.standardError.contains("error: no valid playbook loaded from"), "\(arguments)")
                #expect(result.standardOutput.isEmpty, "\(arguments): \(result.standardOutput)")
            }
        }
    }

    @Test func runReadsItsPlaybooksFromTheConfiguration() async throws {
        try await withTemporaryDirectory { directory in
            // Given a configuration naming the shipped playbooks, in a directory without Playbooks/
            let config = try directory.write("remedy.yaml", "playbooks: \(Repository.path("Playbooks"))\n")
            let finding = Repository.path("Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json")
            // When remedy run plans a finding there
            let result = try RemedyBinary.run(
                ["run", "--offline", finding, "--config", config],
                currentDirectory: directory.path
            )
            // Then the configuration's playbooks are the ones used
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("s3-public-bucket"))
        }
    }

    @Test func validateChecksEverySlackChannelAPlaybookNamesAgainstTheConfiguration() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write(
                "remedy.yaml",
                "notifications:\n  slack:\n    channels:\n      security-oncall: {env: SLACK_URL}\n"
            )
            let playbook = try directory.write(
                "playbooks/notify.yaml",
                """
                apiVersion: remedy/v1
                name: notify
                match: {types: ["Backdoor:EC2/*"]}
                steps:
                  - id: known
                    action: notify.slack
                    with: {channel: security-oncall, message: "hi"}
                  - id: typo
                    action: notify.slack
                    with: {channel: security-on-call, message: "hi"}
                  - id: unnamed
                    action: notify.slack
                    with: {message: "hi"}
                  - id: computed
                    action: notify.slack
                    with: {channel: "{{ finding.account }}", message: "hi"}
                """
            )
            let result = try RemedyBinary.run(["validate", directory.file("playbooks"), "--config", config])
            #expect(result.status == 1)
            let lines = result.standardOutput.split(separator: "\n").map(String.init)
            #expect(
                lines.contains(
                    "\(playbook):8:5: error: step 'typo' posts to Slack channel 'security-on-call', which is not under "
                        + "notifications.slack.channels in \(config) (configured: security-oncall)"
                )
            )
            #expect(
                lines.contains {
                    $0.hasPrefix("\(playbook):11:5: error: step 'unnamed' posts to Slack channel 'default'")
                }
            )
            #expect(
                lines.contains { $0.hasPrefix("\(playbook):14:5: warning: step 'computed' computes its Slack channel") }
            )
            #expect(!lines.contains { $0.contains("step 'known'") })
        }
    }

    @Test func serveRefusesToStartWithASlackWebhookItWouldRefuseToPostTo() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write(
                "remedy.yaml",
                "notifications:\n  slack:\n    channels:\n      security-oncall: {env: SLACK_URL}\n"
            )
            var environment = ProcessInfo.processInfo.environment
            environment["SLACK_URL"] = "https://hooks.slack.com.attacker.example/services/T0/B0/secret"
            let result = try RemedyBinary.run(
                ["serve", "--config", config, "--journal", directory.file("journal.sqlite")],
                environment: environment
            )
            #expect(result.status == 1)
            #expect(
                result.standardError.contains(
                    "notifications.slack.channels: the webhook of security-oncall is not an https://hooks.slack.com/ URL"
                )
            )
            #expect(!result.standardError.contains("secret"))
        }
    }
}

@Suite struct DebugSigV4CommandTests {
    @Test func signsEveryBotocoreVectorAsBotocoreDid() throws {
        let vectors = try Repository.read("Fixtures/sigv4/botocore_vectors.jsonl")
        let result = try RemedyBinary.run(["debug", "sigv4"], standardInput: vectors)
        #expect(result.status == 0, "\(result.standardError)")
        let outputs = result.standardOutput.split(separator: "\n").map(String.init)
        let inputs = vectors.split(separator: "\n").map(String.init)
        #expect(outputs.count == 50)
        for (input, output) in zip(inputs, outputs) {
            let expected = try JSONParser().parse(input)
            let actual = try JSONParser().parse(output)
            #expect(actual["id"] == expected["id"])
            #expect(actual["canonical_request"] == expected["expected"]?["canonical_request"])
            #expect(actual["string_to_sign"] == expected["expected"]?["string_to_sign"])
            #expect(actual["authorization"] == expected["expected"]?["authorization"])
        }
    }

    @Test func badLineIsReportedWithItsNumberAndTheSecretIsNotEchoed() throws {
        let line = #"{"id": "x", "credentials": {"secret_access_key": "VERYSECRETVALUE"}}"#
        let result = try RemedyBinary.run(["debug", "sigv4"], standardInput: line + "\n")
        #expect(result.status == 1)
        #expect(result.standardError.contains("line 1"))
        #expect(!result.standardError.contains("VERYSECRETVALUE"))
    }
}
