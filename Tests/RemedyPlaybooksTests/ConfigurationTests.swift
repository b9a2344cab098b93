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
        let server = parsed.server
        #expect(server.host == "127.0.0.1" && server.port == 8080)
        #expect(server.auth.bearerTokens == ["eventbridge-prod": .environment("REMEDY_FEED_TOKEN")])
        #expect(server.auth.hmacSecrets == ["siem": .file("/run/secrets/siem-hmac")])
        #expect(server.auth.snsTopics == ["arn:aws:sns:us-east-1:111122223333:guardduty-findings"])
        #expect(server.approverTokenHashes["arn:aws:iam::111122223333:user/alice"]?.count == 64)
        #expect(server.limits == .init())
        #expect(parsed.notifications.gateChannel == "security-oncall")
        #expect(parsed.notifications.slackChannels.count == 3)
    }

    @Test func serverMistakesAreReportedWithPositions() {
        let text = """
            apiVersion: remedy/v1
            server:
              listen: localhost
              auth:
                bearer_tokens:
                  feed: plain-text-token
                sns_topics: [arn:aws:s3:::bucket]
              approver_tokens:
                "arn:aws:iam::111122223333:user/alice": the-token-itself
              limits: {max_body_bytes: 10}
            notifications:
              slack:
                channels: {oncall: {env: HOOK, file: /x}}
                gates: nowhere
            """
        let (configuration, diagnostics) = ConfigurationParser().parse(text, file: "remedy.yaml")
        #expect(configuration == nil)
        let lines = diagnostics.map(\.description)
        for expected in [
            "remedy.yaml:3:11: error: server.listen must be HOST:PORT",
            "remedy.yaml:6:13: error: server.auth.bearer_tokens.feed must be {env: NAME} or {file: PATH}",
            "remedy.yaml:7:17: error: server.auth.sns_topics: 'arn:aws:s3:::bucket' is not an SNS topic ARN",
            "remedy.yaml:9:45: error: server.approver_tokens.arn:aws:iam::111122223333:user/alice must be sha256:",
            "remedy.yaml:10:28: error: server.limits.max_body_bytes",
            "remedy.yaml:13:24: error: notifications.slack.channels.oncall needs exactly one of env or file",
            "remedy.yaml:14:12: error: notifications.slack.gates names channel 'nowhere'",
        ] {
            #expect(lines.contains { $0.hasPrefix(expected) }, "missing \(expected) in \(lines)")
        }
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

    @Test func theCaseWindowIsReadAndBounded() {
        let (configuration, _) = ConfigurationParser().parse(
            "apiVersion: remedy/v1\ncases: {window: 2h}\n",
            file: "r.yaml"
        )
        #expect(configuration?.cases.window == .seconds(7_200))
        #expect(RemedyConfiguration().cases.window == .seconds(86_400))
        let (off, _) = ConfigurationParser().parse("apiVersion: remedy/v1\ncases: {window: 0s}\n", file: "r.yaml")
        #expect(off?.cases.window == .zero)
        // A bare 0 is a duration wherever one is read (it was only in scenarios)
        let (bare, bareProblems) = ConfigurationParser().parse(
            "apiVersion: remedy/v1\ncases: {window: 0}\n",
            file: "r.yaml"
        )
        #expect(bareProblems.isEmpty, "\(bareProblems)")
        #expect(bare?.cases.window == .zero)
        let (refused, diagnostics) = ConfigurationParser().parse(
            "apiVersion: remedy/v1\ncases: {window: 31d}\n",
            file: "r.yaml"
        )
        #expect(refused == nil)
        #expect(diagnostics.map(\.message) == ["cases.window must be at most 30d (0 starts a case for every finding)"])
    }

    @Test func aProxyHeaderIsReadOnlyWithTheProxiesItIsBelievedFrom() {
        let good = """
            server:
              limits: {client_address_header: X-Forwarded-For, trusted_proxies: [10.0.0.0/8, "2001:db8::/32"]}
            approvers:
              trusted_session_roles: [arn:aws:iam::111122223333:role/SSOIncidentLead]
            """
        let (configuration, diagnostics) = ConfigurationParser().parse(good, file: "remedy.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(configuration?.server.limits.clientAddressHeader == "X-Forwarded-For")
        #expect(configuration?.server.limits.trustedProxies == ["10.0.0.0/8", "2001:db8::/32"])
        #expect(configuration?.approvers.trustedSessionRoles == ["arn:aws:iam::111122223333:role/SSOIncidentLead"])
        for (text, message) in [
            ("server:\n  limits: {client_address_header: X-Forwarded-For}", "go together"),
            ("server:\n  limits: {trusted_proxies: [10.0.0.0/8]}", "go together"),
            (
                "server:\n  limits: {client_address_header: X-Forwarded-For, trusted_proxies: [ten]}",
                "'ten' is not an IP address or CIDR block"
            ),
            ("approvers:\n  trusted_session_roles: [arn:aws:iam::111122223333:user/alice]", "is not an IAM role ARN"),
        ] {
            let (parsed, problems) = ConfigurationParser().parse(text, file: "remedy.yaml")
            #expect(parsed == nil)
            #expect(problems.contains { $0.message.contains(message) }, "\(problems)")
        }
    }

    @Test func validateChecksThePlaybooksGroupsAgainstTheConfiguration() throws {
        let result = try RemedyBinary.run(["validate", "Playbooks", "--config", "Fixtures/config/remedy.yaml"])
        #expect(result.status == 0, "\(result.standardOutput)")
        let stripped = try RemedyBinary.run(["validate", "Playbooks", "--config", "Fixtures/findings/README.md"])
        #expect(stripped.status == 1)
    }
}
