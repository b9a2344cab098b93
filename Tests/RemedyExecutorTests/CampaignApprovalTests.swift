import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyExecutor

/// Campaign gates: one approval stands for every run of the playbook at the gate within the window, each run
/// journaling the decision it took and keeping its own rules.
@Suite struct CampaignApprovalTests {
    let leads = ["group:incident-leads": [ana, bob, cleo]]

    /// The containment of one instance behind a campaign gate of `window` (or a gate of its own).
    func containment(
        _ instanceID: String,
        scope: ApprovalScope = .campaign(window: .seconds(900)),
        minimumApprovals: Int = 1
    ) -> Plan {
        plan(
            gate("approve", approvers: ["group:incident-leads"], minimumApprovals: minimumApprovals, scope: scope),
            action("isolate", "ec2.quarantine", ["instance": .known(.string(instanceID))])
        )
    }

    /// Starts a live run containing `instanceID` (a finding of its own), by `who`.
    func start(
        _ executor: RunExecutor,
        _ instanceID: String,
        scope: ApprovalScope = .campaign(window: .seconds(900)),
        minimumApprovals: Int = 1,
        by who: String = initiator
    ) async throws -> RunReport {
        try #require(
            try await executor.start(
                plan: containment(instanceID, scope: scope, minimumApprovals: minimumApprovals),
                finding: finding(id: "finding-\(instanceID)", resource: instanceID),
                initiator: who,
                mode: .live
            ).report
        )
    }

    static let instances = (1...6).map { String(format: "i-%017x", $0) }

    @Test func oneApprovalApprovesEveryWaitingRunOfTheCampaignEachByItsOwnRules() async throws {
        let harness = try Harness()
        let executor = harness.executor(groups: leads)
        let ids = Self.instances
        // Given a run that asked 20 minutes ago: outside the 15-minute window of a decision now
        _ = try await start(executor, ids[0])
        harness.time.advance(by: .seconds(1200))
        // And three runs of the mining campaign asking within the window, one of them started by ana herself
        _ = try await start(executor, ids[1])
        harness.time.advance(by: .seconds(60))
        _ = try await start(executor, ids[2], by: ana)
        harness.time.advance(by: .seconds(60))
        _ = try await start(executor, ids[3])
        // And a run of the same playbook whose gate is its own
        _ = try await start(executor, ids[4], scope: .run)

        // When ana approves run-2 once
        let answer = try await executor.decide(
            runID: "run-2",
            gate: "approve",
            principal: ana,
            decision: .approve,
            comment: "mining campaign across the fleet",
            channel: "cli"
        )

        // Then run-2 and run-4 are approved and contained; the answer names run-4
        #expect(answer.status == .succeeded)
        #expect(answer.alsoApproved == ["run-4"])
        #expect(try await executor.report(runID: "run-4").status == .succeeded)
        #expect(Set(await harness.invoker.steps(.execute)) == ["isolate"])
        #expect(await harness.invoker.calls(.execute).count == 2)
        #expect(
            try await harness.trail("run-4").suffix(5) == [
                "approval.granted approve", "run.resumed approve", "step.started isolate", "step.succeeded isolate",
                "run.succeeded",
            ]
        )
        // And run-4 journals the decision it took: who, when, what they said, and the run it was made on
        let origin = try #require(try await harness.records("run-2", .approvalGranted).first)
        #expect(origin.payload["campaignPlaybook"] == "test-playbook")
        #expect(origin.payload["campaignRun"] == nil)
        let taken = try #require(try await harness.records("run-4", .approvalGranted).first)
        #expect(taken.payload["campaignRun"] == "run-2")
        #expect(taken.payload["campaignPlaybook"] == nil)
        #expect(taken.payload["principal"] == .string(ana))
        #expect(taken.payload["comment"] == "mining campaign across the fleet")
        #expect(taken.payload["at"] == origin.payload["at"])
        #expect(try await executor.report(runID: "run-4").steps.first?.status == .approved)

        // And ana's own run is not approved by her: the refusal is journaled, the run keeps waiting
        #expect(try await executor.report(runID: "run-3").status == .parked)
        let refused = try #require(try await harness.records("run-3", .approvalRefused).first)
        #expect(refused.payload["campaignRun"] == "run-2")
        #expect(refused.payload["reason"]?.stringValue?.contains("started this run and cannot approve") == true)
        // And neither the run that asked outside the window nor the run with a gate of its own moves
        #expect(try await executor.report(runID: "run-1").status == .parked)
        #expect(try await executor.report(runID: "run-5").status == .parked)
        #expect(try await harness.records("run-1", .approvalGranted).isEmpty)
        #expect(try await harness.records("run-5", .approvalGranted).isEmpty)
    }

    @Test func aRunReachingTheGateWithinTheWindowTakesTheApprovalWithoutWaiting() async throws {
        let harness = try Harness()
        let executor = harness.executor(groups: leads)
        let ids = Self.instances
        _ = try await start(executor, ids[0])
        _ = try await executor.decide(
            runID: "run-1",
            gate: "approve",
            principal: bob,
            decision: .approve,
            channel: "cli"
        )

        // When another instance of the campaign is found 14 minutes later
        harness.time.advance(by: .seconds(840))
        let later = try await start(executor, ids[1])

        // Then its run takes bob's approval at the gate and contains the instance without parking
        #expect(later.status == .succeeded)
        #expect(
            try await harness.trail("run-2") == [
                "run.created", "approval.requested approve", "approval.granted approve", "step.started isolate",
                "step.succeeded isolate", "run.succeeded",
            ]
        )
        let taken = try #require(try await harness.records("run-2", .approvalGranted).first)
        #expect(taken.payload["campaignRun"] == "run-1")
        #expect(taken.payload["principal"] == .string(bob))

        // And one found after the window asks for its own decision
        harness.time.advance(by: .seconds(120))
        let afterWindow = try await start(executor, ids[2])
        #expect(afterWindow.status == .parked)
        #expect(try await harness.records("run-3", .approvalGranted).isEmpty)
        // As does a run bob started himself, inside the window of a later decision of his
        _ = try await executor.decide(
            runID: "run-3",
            gate: "approve",
            principal: bob,
            decision: .approve,
            channel: "cli"
        )
        let own = try await start(executor, ids[3], by: bob)
        #expect(own.status == .parked)
        let refused = try #require(try await harness.records("run-4", .approvalRefused).first)
        #expect(refused.payload["campaignRun"] == "run-3")
    }

    @Test func aQuorumCountsEachApproverOnceAcrossTheCampaign() async throws {
        // Given two runs of a campaign gate needing two approvers
        let harness = try Harness()
        let executor = harness.executor(groups: leads)
        let ids = Self.instances
        _ = try await start(executor, ids[0], minimumApprovals: 2)
        _ = try await start(executor, ids[1], minimumApprovals: 2)

        // When ana approves run-1 and bob approves run-2
        let first = try await executor.decide(
            runID: "run-1",
            gate: "approve",
            principal: ana,
            decision: .approve,
            channel: "cli"
        )
        #expect(first.status == .parked)
        #expect(first.alsoApproved == ["run-2"])
        let second = try await executor.decide(
            runID: "run-2",
            gate: "approve",
            principal: bob,
            decision: .approve,
            channel: "cli"
        )

        // Then both runs have both approvers and go on
        #expect(second.status == .succeeded)
        #expect(second.alsoApproved == ["run-1"])
        #expect(try await executor.report(runID: "run-1").status == .succeeded)
        for run in ["run-1", "run-2"] {
            let approvers = try await harness.records(run, .approvalGranted).compactMap { $0.payload["principal"] }
            #expect(Set(approvers) == [.string(ana), .string(bob)])
        }
        // And ana deciding again finds the gate closed: she counted once
        await #expect(throws: RunError.gateClosed) {
            _ = try await executor.decide(
                runID: "run-1",
                gate: "approve",
                principal: ana,
                decision: .approve,
                channel: "cli"
            )
        }
    }

    @Test func aDenialStaysOnItsRun() async throws {
        let harness = try Harness()
        let executor = harness.executor(groups: leads)
        let ids = Self.instances
        _ = try await start(executor, ids[0])
        _ = try await start(executor, ids[1])

        // When ana denies run-1 (that instance is the production database)
        let denied = try await executor.decide(
            runID: "run-1",
            gate: "approve",
            principal: ana,
            decision: .deny,
            channel: "cli"
        )

        // Then run-1 fails as denied, run-2 still waits, and no later run takes the denial
        #expect(denied.status == .failed)
        #expect(denied.alsoApproved.isEmpty)
        #expect(try await executor.report(runID: "run-2").status == .parked)
        #expect(try await harness.records("run-2", .approvalDenied).isEmpty)
        #expect(try await start(executor, ids[2]).status == .parked)
        #expect(await harness.invoker.calls(.execute).isEmpty)
    }

    @Test func overHTTPTheDecisionIsJournaledOnEveryRunAndWorkersDriveThem() async throws {
        let harness = try Harness()
        let executor = harness.executor(groups: leads)
        let ids = Self.instances
        _ = try await start(executor, ids[0])
        _ = try await start(executor, ids[1])

        // When ana approves over HTTP: recorded, the runs left to workers
        let answer = try await executor.decide(
            runID: "run-1",
            gate: "approve",
            principal: ana,
            decision: .approve,
            channel: "http",
            continuing: false
        )

        // Then both runs hold the approval and nothing has run yet
        #expect(answer.alsoApproved == ["run-2"])
        #expect(try await harness.records("run-2", .approvalGranted).count == 1)
        #expect(await harness.invoker.calls(.execute).isEmpty)
        // And a worker resuming each contains its instance
        for run in ["run-1", "run-2"] {
            #expect(try await executor.resume(runID: run).status == .succeeded)
        }
        #expect(await harness.invoker.calls(.execute).count == 2)
    }

    @Test func theGateTellsTheApproverHowFarTheDecisionReaches() async throws {
        let harness = try Harness()
        let report = try await start(harness.executor(groups: leads), Self.instances[0])
        let message = try #require(report.waitingGate?.message)
        #expect(
            message.hasSuffix(
                "Campaign gate: an approval also approves every other run of playbook 'test-playbook' waiting at "
                    + "'approve' that asked up to 15m before it, and every run that reaches 'approve' up to 15m after "
                    + "it. A denial stays on this run."
            )
        )
        #expect(report.waitingGate?.campaignWindow == .seconds(900))
        // And a rehearsal says so too
        let rehearsal = try await harness.executor(groups: leads).start(
            plan: containment(Self.instances[1]),
            finding: finding(id: "finding-rehearsal", resource: Self.instances[1]),
            initiator: initiator,
            mode: .dryRun
        )
        #expect(
            rehearsal.report?.step("approve")?.verdict
                == "would wait for 1 approval(s) from group:incident-leads or a campaign approval within 15m"
        )
        let requested = try #require(try await harness.records("run-1", .approvalRequested).first)
        #expect(requested.payload["campaignWindowSeconds"] == 900)
        // And the plan journaled with the run keeps the scope, for another process to read
        let created = try #require(try await harness.records("run-1", .runCreated).first)
        let state = try RunState(records: [created])
        #expect(
            state.definition.steps.first?.kind
                == .approval(
                    PlannedGate(
                        approvers: ["group:incident-leads"],
                        timeout: .seconds(1800),
                        scope: .campaign(window: .seconds(900))
                    )
                )
        )
    }

    @Test func theJournalFindsCampaignApprovalsAsAnyJournalWould() async throws {
        // The database's indexed query and the protocol's reading of every run agree
        let harness = try Harness()
        let executor = harness.executor(groups: leads)
        _ = try await start(executor, Self.instances[0])
        harness.time.advance(by: .seconds(60))
        _ = try await executor.decide(
            runID: "run-1",
            gate: "approve",
            principal: ana,
            decision: .approve,
            channel: "cli"
        )
        let since = harness.time.date.addingTimeInterval(-1)
        let indexed = try await harness.journal.campaignApprovals(
            ofPlaybook: "test-playbook",
            gate: "approve",
            since: since
        )
        let scanned = try await DefaultAnsweringJournal(base: harness.journal).campaignApprovals(
            ofPlaybook: "test-playbook",
            gate: "approve",
            since: since
        )
        #expect(indexed.map(\.runID) == ["run-1"])
        #expect(indexed == scanned)
        let later = harness.time.date.addingTimeInterval(1)
        #expect(
            try await harness.journal.campaignApprovals(ofPlaybook: "test-playbook", gate: "approve", since: later)
                .isEmpty
        )
        #expect(try await harness.journal.campaignApprovals(ofPlaybook: "other", gate: "approve", since: since).isEmpty)
    }
}
