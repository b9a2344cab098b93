import Foundation
import RemedyCore
import RemedyExecutor
import RemedyTestSupport
import Testing

@testable import RemedyServer

/// Approvals over HTTP follow the CLI's rules: per-approver tokens, non-approvers refused (and journaled), expired
/// gates closed, and an approved run continues on a worker.
@Suite struct ApprovalsAPITests {
    func parkedRun(_ harness: ServerHarness) async throws -> String {
        let answer = try await harness.postEvent(try ServerHarness.fixture(IntakeTests.backdoor))
        let runID = try #require(answer.json["runs"]?[0]?["runId"]?.stringValue)
        _ = try await harness.waitForRun(runID) { $0.status == .parked }
        return runID
    }

    func decide(
        _ harness: ServerHarness,
        _ runID: String,
        token: String?,
        _ body: String
    ) async throws
        -> ServerHarness.Answer
    {
        try await harness.send(
            "POST",
            "/v1/runs/\(runID)/approvals",
            headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [],
            body: Array(body.utf8)
        )
    }

    @Test func anApproverApprovesOverHTTPAndTheRunContinues() async throws {
        try await ServerHarness.with { harness in
            let runID = try await parkedRun(harness)
            let listed = try await harness.send(
                "GET",
                "/v1/runs?status=parked",
                headers: [("Authorization", "Bearer \(ServerHarness.leadToken)")]
            )
            #expect(listed.status == 200)
            #expect(listed.json["runs"]?[0]?["runId"] == .string(runID))
            let shown = try await harness.send(
                "GET",
                "/v1/runs/\(runID)",
                headers: [("Authorization", "Bearer \(ServerHarness.leadToken)")]
            )
            #expect(shown.json["gate"]?["approvers"]?[0] == .string(ServerHarness.lead))

            let approved = try await decide(
                harness,
                runID,
                token: ServerHarness.leadToken,
                #"{"decision": "approve", "comment": "isolate it"}"#
            )
            #expect(approved.status == 200, "\(approved.text)")
            let report = try await harness.waitForRun(runID) { $0.status == .succeeded }
            #expect(report.step("isolate")?.status == .succeeded)
            let granted = try #require(
                try await harness.journal.records(ofRun: runID).first { $0.kind == "approval.granted" }
            )
            #expect(granted.payload["principal"] == .string(ServerHarness.lead))
            #expect(granted.payload["channel"] == "http")
            #expect(granted.payload["comment"] == "isolate it")
        }
    }

    @Test func tokensNonApproversAndBadBodiesAreRefused() async throws {
        try await ServerHarness.with { harness in
            let runID = try await parkedRun(harness)
            #expect(try await decide(harness, runID, token: nil, #"{"decision":"approve"}"#).status == 401)
            #expect(try await decide(harness, runID, token: "made-up", #"{"decision":"approve"}"#).status == 401)
            // The feed's token is not an approver token.
            #expect(
                try await decide(harness, runID, token: harness.bearerToken, #"{"decision":"approve"}"#).status == 401
            )
            #expect(
                try await decide(harness, runID, token: ServerHarness.leadToken, #"{"decision":"maybe"}"#).status == 400
            )
            #expect(try await decide(harness, runID, token: ServerHarness.leadToken, "not json").status == 400)
            #expect(
                try await decide(harness, "run-nope", token: ServerHarness.leadToken, #"{"decision":"approve"}"#).status
                    == 404
            )

            let outsider = try await decide(
                harness,
                runID,
                token: ServerHarness.outsiderToken,
                #"{"decision":"approve"}"#
            )
            #expect(outsider.status == 403)
            #expect(outsider.json["error"] == "not-an-approver")
            let refused = try await harness.journal.records(ofRun: runID).filter { $0.kind == "approval.refused" }
            #expect(refused.map { $0.payload["principal"] } == [.string(ServerHarness.outsider)])
            #expect(try await harness.server.executor.report(runID: runID).status == .parked)
        }
    }

    @Test func aGateNobodyAnswersFailsClosedWhenItExpires() async throws {
        let clock = TestClock()
        try await ServerHarness.with(clock: clock) { harness in
            let runID = try await parkedRun(harness)
            clock.advance(by: 31 * 60)
            let report = try await harness.waitForRun(runID) { $0.status == .failed }
            #expect(report.step("approve-isolation")?.status == .expired)
            #expect(try await harness.kinds(runID).contains("approval.expired"))
            let invoker = try #require(harness.invoker as? ScriptedActionInvoker)
            #expect(await invoker.steps(.execute) == ["tag"])
        }
    }

    @Test func aDenialStopsTheRunAndAnExpiredGateCannotBeApproved() async throws {
        let clock = TestClock()
        try await ServerHarness.with(clock: clock) { harness in
            let denied = try await parkedRun(harness)
            let answer = try await decide(
                harness,
                denied,
                token: ServerHarness.leadToken,
                #"{"decision":"deny","comment":"prod db"}"#
            )
            #expect(answer.status == 200)
            #expect(try await harness.server.executor.report(runID: denied).status == .failed)

            let tor = try await harness.postEvent(
                try ServerHarness.fixture("eventbridge/securityhub-imported-guardduty-backdoor.json")
            )
            let expiring = try #require(tor.json["runs"]?[0]?["runId"]?.stringValue)
            _ = try await harness.waitForRun(expiring) { $0.status == .parked }
            clock.advance(by: 31 * 60)
            let late = try await decide(harness, expiring, token: ServerHarness.leadToken, #"{"decision":"approve"}"#)
            #expect(late.status == 409)
            #expect(late.json["error"] == "gate-expired")
            #expect(try await harness.server.executor.report(runID: expiring).status == .failed)
            let invoker = try #require(harness.invoker as? ScriptedActionInvoker)
            #expect(await !invoker.steps(.execute).contains("isolate"))
        }
    }
}
