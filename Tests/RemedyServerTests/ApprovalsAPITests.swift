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

    @Test func aCampaignApprovalOverHTTPNamesTheRunsItApprovedAndWorkersContainThem() async throws {
        let campaign = ServerHarness.containPlaybook.replacingOccurrences(
            of: "timeout: 30m}",
            with: "timeout: 30m, scope: campaign, window: 15m}"
        )
        try await ServerHarness.with(playbooks: [campaign]) { harness in
            // Given the same backdoor on two instances, each run parked at the campaign gate
            let event = String(decoding: try ServerHarness.fixture(IntakeTests.backdoor), as: UTF8.self)
            let instance = try #require(event.firstMatch(of: /i-[0-9a-f]{17}/).map { String($0.output) })
            var runIDs: [String] = []
            for (index, resource) in [instance, "i-0aaaaaaaaaaaaaaa1"].enumerated() {
                let posted = try await harness.postEvent(
                    Array(
                        event.replacingOccurrences(of: instance, with: resource)
                            .replacingOccurrences(of: #""id": ""#, with: #""id": "campaign-\#(index)-"#).utf8
                    )
                )
                let runID = try #require(posted.json["runs"]?[0]?["runId"]?.stringValue, "\(posted.text)")
                _ = try await harness.waitForRun(runID) { $0.status == .parked }
                runIDs.append(runID)
            }
            // When the lead approves the first once
            let approved = try await decide(
                harness,
                runIDs[0],
                token: ServerHarness.leadToken,
                #"{"decision": "approve", "comment": "one campaign"}"#
            )
            // Then the answer names the other run, and workers contain both instances
            #expect(approved.status == 200, "\(approved.text)")
            #expect(approved.json["alsoApproved"] == [.string(runIDs[1])])
            for runID in runIDs {
                let report = try await harness.waitForRun(runID) { $0.status == .succeeded }
                #expect(report.step("isolate")?.status == .succeeded)
            }
            let taken = try #require(
                try await harness.journal.records(ofRun: runIDs[1]).first { $0.kind == "approval.granted" }
            )
            #expect(taken.payload["campaignRun"] == .string(runIDs[0]))
            #expect(taken.payload["channel"] == "http")
        }
    }

    @Test func aDryRunServerLeavesLiveRunsAloneAndItsOwnFindingsDoNotDedupeALiveServer() async throws {
        try await withTemporaryDirectory { directory in
            let journalPath = directory.file("journal.sqlite")
            // Given a live run parked at its gate by a live server
            let runID = try await ServerHarness.with(journalPath: journalPath) { try await parkedRun($0) }
            // When a server started with --dry-run opens the same journal and an approver approves over HTTP
            let dryRunInvoker = ScriptedActionInvoker()
            try await ServerHarness.with(invoker: dryRunInvoker, journalPath: journalPath, mode: .dryRun) { harness in
                let approved = try await decide(
                    harness,
                    runID,
                    token: ServerHarness.leadToken,
                    #"{"decision":"approve"}"#
                )
                // Then it refuses, touches nothing, and says at start-up that it leaves live runs alone
                #expect(approved.status == 409, "\(approved.text)")
                #expect(approved.json["error"] == "dry-run-server")
                #expect(try await harness.kinds(runID).last == "run.parked")
                #expect(harness.logs.all.contains { $0.contains("live runs are left to a live process") })
                // And the same finding posted to it is rehearsed as a new dry-run, not deduped against the live run
                let posted = try await harness.postEvent(try ServerHarness.fixture(IntakeTests.backdoor))
                let dryRunID = try #require(posted.json["runs"]?[0]?["runId"]?.stringValue)
                #expect(dryRunID != runID)
                #expect(posted.json["runs"]?[0]?["duplicate"] == false)
                let report = try await harness.waitForRun(dryRunID) { !$0.status.isActive }
                #expect(report.mode == .dryRun)
            }
            #expect(await dryRunInvoker.calls.allSatisfy { $0.request.mode == .dryRun })
            #expect(await !dryRunInvoker.calls.contains { $0.request.runID == runID })
            // And a live server then approves and acts on the live run
            try await ServerHarness.with(journalPath: journalPath) { harness in
                let approved = try await decide(
                    harness,
                    runID,
                    token: ServerHarness.leadToken,
                    #"{"decision":"approve"}"#
                )
                #expect(approved.status == 200, "\(approved.text)")
                #expect(try await harness.waitForRun(runID) { $0.status == .succeeded }.mode == .live)
            }
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
        let clock = TestClock(start: Date())
        try await ServerHarness.with(clock: clock) { harness in
            let runID = try await parkedRun(harness)
            clock.advance(by: .seconds(31 * 60))
            let report = try await harness.waitForRun(runID) { $0.status == .failed }
            #expect(report.step("approve-isolation")?.status == .expired)
            #expect(try await harness.kinds(runID).contains("approval.expired"))
            let invoker = try #require(harness.invoker as? ScriptedActionInvoker)
            #expect(await invoker.steps(.execute) == ["tag"])
        }
    }

    @Test func aDenialStopsTheRunAndAnExpiredGateCannotBeApproved() async throws {
        let clock = TestClock(start: Date())
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
            clock.advance(by: .seconds(31 * 60))
            // The gate is named: the sweep may expire it first, and then the run no longer says it waits there.
            let late = try await decide(
                harness,
                expiring,
                token: ServerHarness.leadToken,
                #"{"decision":"approve","gate":"approve-isolation"}"#
            )
            #expect(late.status == 409)
            #expect(late.json["error"] == "gate-expired")
            #expect(try await harness.server.executor.report(runID: expiring).status == .failed)
            let invoker = try #require(harness.invoker as? ScriptedActionInvoker)
            #expect(await !invoker.steps(.execute).contains("isolate"))
        }
    }
}
