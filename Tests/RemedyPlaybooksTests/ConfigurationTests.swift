import RemedyCore
import RemedyPlaybooks
import RemedyTestSupport
import Testing

@Suite struct ConfigurationTests {
    @Test func theExampleConfigurationReadsAsWritten() throws {
        let (configuration, diagnostics) = ConfigurationParser().parse(
            try Repository.read("Fixtures/config/remedy.yaml"),
            file: "remedy.yaml"
        )
        #expect(diagnostics.isEmpty)
        let parsed = try #require(configuration)
        #expect(parsed.journal.signingKey == "~/.remedy/journal.key")
        #expect(parsed.approvers.principals(for: "group:incident-leads").count == 2)
        #expect(
            parsed.approvers.principals(for: "arn:aws:iam::111122223333:user/bob") == [
                "arn:aws:iam::111122223333:user/bob"
            ]
        )
        #expect(parsed.pacing.services["ec2"] == .init(perSecond: 10, burst: 50))
        #expect(parsed.concurrency.maximumRuns == 16)
    }

    @Test func mistakesAreReportedWithPositionsInOnePass() {
        let text = """
            apiVersion: remedy/v1
            jornal: {path: x}
            approvers:
              groups:
                leads: [alice]
            concurrency: {max_runs: 0}
            pacing: {default: {per_second: -1}}
            """
        let (configuration, diagnostics) = ConfigurationParser().parse(text, file: "remedy.yaml")
        #expect(configuration == nil)
        let messages = diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0): \($0.message)" }
        #expect(messages.contains("2:1: unknown key 'jornal' in the configuration; did you mean 'journal'?"))
        #expect(messages.contains { $0.hasPrefix("5:12: approvers.groups.leads: 'alice' is not an IAM user") })
        #expect(messages.contains { $0.hasPrefix("6:25: concurrency.max_runs must be between 1 and 10000") })
        #expect(messages.contains { $0.hasPrefix("7:32: pacing.default.per_second must be above 0") })
    }

    @Test func validateChecksThePlaybooksGroupsAgainstTheConfiguration() throws {
        let result = try RemedyBinary.run(["validate", "Playbooks", "--config", "Fixtures/config/remedy.yaml"])
        #expect(result.status == 0, "\(result.standardOutput)")
        let stripped = try RemedyBinary.run(["validate", "Playbooks", "--config", "Fixtures/findings/README.md"])
        #expect(stripped.status == 1)
    }
}
