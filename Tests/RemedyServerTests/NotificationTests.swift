import Foundation
import RemedyActions
import RemedyCore
import RemedyExecutor
import RemedyTestSupport
import Testing

@testable import RemedyServer

/// Slack hears about a gate with the run's summary and where to decide, and about the outcome.
@Suite struct NotificationTests {
    @Test func aParkedRunIsAnnouncedWithItsSummaryAndTheApprovalLinks() async throws {
        let configuration = ServerHarness.configuration {
            $0.notifications = .init(
                slackChannels: ["oncall": .environment("unused")],
                gateChannel: "oncall",
                outcomeChannel: "oncall"
            )
        }
        let answer: LocalHTTPServer.Handler = { _ in LocalHTTPResponse(text: "ok") }
        try await withLocalHTTPServer(answer) { slackStub in
            let slack = SlackWebhooks.allowingLoopbackForTesting(["oncall": slackStub.url("/hook")])
            try await ServerHarness.with(configuration: configuration, slack: slack) { harness in
                let posted = try await harness.postEvent(try ServerHarness.fixture(IntakeTests.backdoor))
                let runID = try #require(posted.json["runs"]?[0]?["runId"]?.stringValue)
                _ = try await harness.waitForRun(runID) { $0.status == .parked }
                var messages: [String] = []
                for _ in 0..<200 where messages.isEmpty {
                    messages = slackStub.requests.compactMap { try? JSONParser().parse($0.body)["text"]?.stringValue }
                    try await Task.sleep(for: .milliseconds(20))
                }
                let gate = try #require(messages.first)
                #expect(gate.contains("run \(runID) (playbook contain) waits for approval at gate approve-isolation"))
                #expect(gate.contains("finding 50f067b74c68bd1ee27518e4bd6e1e46 on 111122223333:us-east-1:i-"))
                #expect(gate.contains("approvers: \(ServerHarness.lead); 1 needed"))
                #expect(gate.contains("POST https://remedy.example.com/v1/runs/\(runID)/approvals"))

                let decided = try await harness.send(
                    "POST",
                    "/v1/runs/\(runID)/approvals",
                    headers: [("Authorization", "Bearer \(ServerHarness.leadToken)")],
                    body: Array(#"{"decision":"deny","comment":"false positive"}"#.utf8)
                )
                #expect(decided.status == 200)
                for _ in 0..<200 where messages.count < 2 {
                    messages = slackStub.requests.compactMap { try? JSONParser().parse($0.body)["text"]?.stringValue }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(messages.count == 2)
                #expect(messages.last?.contains("run \(runID) (playbook contain) failed") == true, "\(messages)")
            }
        }
    }
}
