import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyExecutor

/// Playbook `limits`: over a cap a run parks for approval instead of executing; within, it runs as usual.
@Suite struct LimitsTests {
    func cappedPlan(perHour: Int? = nil, concurrent: Int? = nil, _ steps: PlannedStep...) -> Plan {
        var plan = Plan(playbook: "test-playbook", findingID: "finding-1", steps: gated(steps))
        plan.limits = RunLimits(
            maximumRunsPerHour: perHour,
            maximumConcurrentRuns: concurrent,
            approvers: [ana],
            timeout: .seconds(3600)
        )
        return plan
    }

    func start(
        _ executor: RunExecutor,
        _ plan: Plan,
        instanceNumber: Int,
        mode: ExecutionMode = .live
    )
        async throws -> RunReport
    {
        let resource = "i-0123456789abcde\(String(format: "%02x", instanceNumber))"
        let start = try await executor.start(
            plan: plan,
            finding: finding(id: "finding-\(instanceNumber)", resource: resource),
            initiator: initiator,
            mode: mode
        )
        return try #require(start.report)
    }

    @Test func aRunOverTheHourlyCapParksForApprovalThenRunsOnceApproved() async throws {
        // Given a playbook capped at one run an hour, and one run already done
        let harness = try Harness()
        let executor = harness.executor()
        let plan = cappedPlan(perHour: 1, action("tag", "ec2.tag"))
        #expect(try await start(executor, plan, instanceNumber: 1).status == .succeeded)

        // When a second finding arrives within the hour
        harness.time.advance(by: .seconds(600))
        let second = try await start(executor, plan, instanceNumber: 2)

        // Then it parks at the limits gate, says why, and calls nothing
        #expect(second.status == .parked)
        #expect(second.waitingAt == RunLimits.gateID)
        #expect(second.waitingGate?.principals == [ana])
        #expect(
            try await harness.trail("run-2") == [
                "run.created", "run.limits_checked", "approval.requested limits:over-cap", "run.parked limits:over-cap",
            ]
        )
        let check = try #require(try await harness.records("run-2", .runLimitsChecked).first)
        #expect(check.payload["runsInLastHour"] == 1)
        #expect(check.payload["over"]?.stringValue?.contains("max_runs_per_hour is 1") == true)
        #expect(await harness.invoker.steps(.execute) == ["tag"])

        // When an approver lets it go, it runs
        let approved = try await executor.decide(
            runID: "run-2",
            gate: RunLimits.gateID,
            principal: ana,
            decision: .approve,
            channel: "cli"
        )
        #expect(approved.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["tag", "tag"])

        // And an hour after those two, a third run is within the cap again
        harness.time.advance(by: .seconds(3601))
        let third = try await start(executor, plan, instanceNumber: 3)
        #expect(third.status == .succeeded)
        #expect(try await harness.records("run-3", .runLimitsChecked).first?.payload["over"] == .null)
    }

    @Test func aRunOverTheConcurrentCapWaitsWhileAnEarlierRunIsStillOpen() async throws {
        // Given one open run, parked at its own gate
        let harness = try Harness()
        let executor = harness.executor()
        let plan = cappedPlan(
            concurrent: 1,
            gate("approve", approvers: [bob]),
            action("tag", "ec2.tag")
        )
        #expect(try await start(executor, plan, instanceNumber: 1).status == .parked)

        // When another starts, it is over the cap (the parked run counts as open)
        let second = try await start(executor, plan, instanceNumber: 2)
        #expect(second.waitingAt == RunLimits.gateID)
        #expect(try await harness.records("run-2", .runLimitsChecked).first?.payload["openRuns"] == 1)

        // Once the first run finishes and the second is turned down, a new one is within the cap
        _ = try await executor.decide(
            runID: "run-1",
            gate: "approve",
            principal: bob,
            decision: .approve,
            channel: "cli"
        )
        _ = try await executor.decide(
            runID: "run-2",
            gate: RunLimits.gateID,
            principal: ana,
            decision: .deny,
            channel: "cli"
        )
        let third = try await start(executor, plan, instanceNumber: 3)
        #expect(third.waitingAt == "approve")  // its own gate, not the limits gate
        #expect(try await harness.records("run-3", .runLimitsChecked).first?.payload["openRuns"] == 0)
    }

    @Test func dryRunsAreNotCountedAndNotChecked() async throws {
        let harness = try Harness()
        let executor = harness.executor()
        let plan = cappedPlan(perHour: 1, action("tag", "ec2.tag"))
        for number in 1...3 {
            #expect(try await start(executor, plan, instanceNumber: number, mode: .dryRun).status == .succeeded)
        }
        #expect(try await harness.records("run-3", .runLimitsChecked).isEmpty)
        #expect(try await start(executor, plan, instanceNumber: 4).status == .succeeded)
    }

    @Test func theLimitsTravelThroughTheJournal() throws {
        let plan = cappedPlan(perHour: 5, concurrent: 2, action("tag", "ec2.tag"))
        var definition = RunDefinition(
            runID: "run-1",
            playbook: "p",
            findingID: "f",
            dedupeKey: "k",
            initiator: initiator,
            mode: .live,
            account: "111122223333",
            region: "eu-west-1",
            resource: "r",
            finding: [:],
            startedAt: "2025-01-01T00:00:00.000Z",
            steps: plan.steps
        )
        definition.limits = plan.limits
        let record = JournalRecord(
            sequence: 1,
            recordedAt: "2025-01-01T00:00:00.000Z",
            runID: "run-1",
            kind: "run.created",
            payload: definition.payload,
            previousHash: JournalRecord.genesisHash,
            hash: "h"
        )
        #expect(try RunDefinition(record: record).limits == plan.limits)
    }
}
