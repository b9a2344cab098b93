import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyEngine
import RemedyJournal
import RemedyPlaybooks
import RemedyTestSupport
import Testing

/// The engine every command and the server are built from: the configuration's Slack channels reach `notify.slack`
/// under `remedy run` as under `remedy serve`.
@Suite struct EngineTests {
    static let playbook = """
        apiVersion: remedy/v1
        name: tell-oncall
        match: {types: ["Backdoor:EC2/*"]}
        steps:
          - id: tell
            action: notify.slack
            with: {channel: security-oncall, message: "backdoor on {{ finding.resources[0].id }}"}
        """

    static let configuration: RemedyConfiguration = {
        var configuration = RemedyConfiguration()
        configuration.notifications.slackChannels = ["security-oncall": .environment("SLACK_ONCALL_WEBHOOK")]
        return configuration
    }()

    @Test func aNotifySlackStepPostsToTheConfiguredChannelThroughTheEngine() async throws {
        let answer: LocalHTTPServer.Handler = { _ in LocalHTTPResponse(text: "ok") }
        try await withLocalHTTPServer(answer) { slackStub in
            // Given the engine a command builds from a configuration naming the channel's webhook by its secret
            let slack = try Engine.slackWebhooks(
                of: Self.configuration,
                secrets: SecretResolver(environment: ["SLACK_ONCALL_WEBHOOK": slackStub.url("/services/T0/B0/x")]),
                webhooks: { SlackWebhooks.allowingLoopbackForTesting($0) }
            )
            let engine = Engine(
                configuration: Self.configuration,
                journal: try JournalDatabase(inMemory: nil),
                aws: AWSContext(
                    region: "us-east-1",
                    resolver: EndpointResolver(environment: [:]),
                    // notify.slack makes no AWS call.
                    credentials: ResolvedCredentialProvider(
                        source: .environment,
                        provider: StaticCredentialProvider(
                            AWSCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "x")
                        )
                    )
                ),
                slack: slack,
                mode: .live
            )
            let playbook = try #require(PlaybookParser().parse(Self.playbook, file: "tell.yaml").playbook)
            let finding = try #require(
                try FindingDecoder().decode(
                    Repository.bytes("Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json")
                ).first
            )
            guard case .planned(let plan)? = engine.planner.outcomes(for: finding, playbooks: [playbook]).first else {
                Issue.record("the playbook did not plan for the finding")
                return
            }
            let executor = engine.executor()

            // When a rehearsal, then the run itself, reach the step
            let rehearsal = try await executor.start(plan: plan, finding: finding, initiator: "cli", mode: .dryRun)
            guard case .started(let rehearsed) = rehearsal else {
                Issue.record("no rehearsal started: \(rehearsal)")
                return
            }
            #expect(
                rehearsed.step("tell")?.verdict == "would post to Slack channel 'security-oncall' (not sent in dry-run)"
            )
            #expect(slackStub.requests.isEmpty)
            let start = try await executor.start(plan: plan, finding: finding, initiator: "cli", mode: .live)

            // Then the message is posted to the configured webhook once
            guard case .started(let report) = start else {
                Issue.record("no run started: \(start)")
                return
            }
            #expect(report.status == .succeeded, "\(report)")
            #expect(slackStub.requests.map(\.uri) == ["/services/T0/B0/x"])
            #expect(slackStub.requests.first?.bodyText.contains("backdoor on i-") == true)
        }
    }

    @Test func remedyRunRefusesToStartWhenAChannelsSecretIsMissing() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write(
                "remedy.yaml",
                """
                playbooks: \(Repository.path("Playbooks"))
                journal: {path: \(directory.file("journal.sqlite"))}
                notifications:
                  slack:
                    channels:
                      security-oncall: {env: REMEDY_TEST_UNSET_WEBHOOK}
                """
            )
            var environment = ProcessInfo.processInfo.environment
            environment["REMEDY_TEST_UNSET_WEBHOOK"] = nil
            let result = try RemedyBinary.run(
                [
                    "run", "--dry-run", "--config", config,
                    Repository.path("Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json"),
                ],
                environment: environment
            )
            // Before any AWS call, naming the key and not acting on a configuration it cannot honour
            #expect(result.status == 1)
            #expect(
                result.standardError.contains(
                    "error: notifications.slack.channels.security-oncall: the secret from "
                )
            )
            #expect(result.standardOutput.isEmpty)
        }
    }
}
