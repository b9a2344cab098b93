import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyExecutor

/// One driver per run across executors, and calls bounded in time.
@Suite struct LeaseAndTimeoutTests {
    @Test func aSecondExecutorCannotDriveARunWhileTheFirstHoldsIt() async throws {
        // Given executor A in the middle of a slow step
        let harness = try Harness()
        let first = harness.executor()
        let second = harness.executor()
        await harness.invoker.script("tag", .slow(.seconds(3), .succeed(ActionResult(verified: true))))
        let running = Task {
            try await first.start(
                plan: plan(action("tag", "ec2.tag")),
                finding: finding(),
                initiator: initiator,
                mode: .live
            )
        }
        while await harness.invoker.calls(.execute).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        // When executor B tries to resume the same run, it is refused and names the holder
        await #expect(throws: RunError.runBusy) { _ = try await second.resume(runID: "run-1") }
        // Then A finishes alone, and B afterwards finds nothing left to do
        #expect(try await running.value.report?.status == .succeeded)
        #expect(try await second.resume(runID: "run-1").status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
        #expect(await harness.invoker.steps(.probe).isEmpty)
    }

    @Test func aLeaseTakenOverAfterItExpiredIsNoticedAsLost() async throws {
        let harness = try Harness()
        let keeper = RunLeaseKeeper(
            runID: "run-1",
            holder: .thisProcess(),
            duration: .milliseconds(150),
            journal: harness.journal,
            // Renewal waits on the injected deadline clock: here the test's, whose sleeps pass at once.
            time: TimeSource(clock: ContinuousClock(), deadlineClock: harness.time, wallClock: harness.time.wallClock)
        )
        try await keeper.claim()
        try await keeper.ensureHeld()
        // Another holder claims once the lease has expired (this keeper was stalled and did not renew)
        let thief = LeaseHolder.thisProcess()
        harness.time.advance(by: .seconds(1))
        #expect(
            try await harness.journal.claimLease(
                runID: "run-1",
                holder: thief,
                now: harness.time.date,
                duration: .seconds(60)
            )
                == .acquired
        )
        await keeper.keepRenewing()
        await #expect(throws: RunError.leaseLost) { try await keeper.ensureHeld() }
        // The keeper tried to renew once, a third of the way into the term it claimed, on the clock it was given
        #expect(harness.time.sleeps == [.milliseconds(50)])
    }

    @Test func givingTheLeaseUpWaitsForARenewalOnItsWaySoThatNothingRetakesIt() async throws {
        // Given a keeper renewing every 20 ms through a journal where a renewal takes 100 ms to arrive
        let harness = try Harness()
        let journal = SlowRenewalJournal(base: harness.journal, delay: .milliseconds(100))
        let keeper = RunLeaseKeeper(
            runID: "run-1",
            holder: .thisProcess(),
            duration: .milliseconds(60),
            journal: journal,
            time: TimeSource(clock: ContinuousClock(), wallClock: harness.time.wallClock)
        )
        try await keeper.claim()
        await keeper.startRenewing()
        // When the lease is given up while a renewal is on its way
        while await journal.claims < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try await keeper.release()
        try await Task.sleep(for: .milliseconds(150))
        // Then the renewal landed before the release, not after it: another executor gets the lease at once
        #expect(try await harness.leaseIsFree("run-1"))
    }

    @Test func aCallPastItsTimeoutIsInDoubtAndSettledByAProbeNotARepeat() async throws {
        // Given a step with a 200 ms timeout whose call hangs, and a probe that finds it did happen
        let harness = try Harness()
        let executor = harness.executor()
        await harness.invoker.script("snapshot", .slow(.seconds(600), .succeed(ActionResult())))
        await harness.invoker.scriptProbe(
            "snapshot",
            .done(ActionResult(outputs: ["snapshot_ids": ["snap-0123456789abcdef0"]], verified: true))
        )
        // When the run executes
        let clock = ContinuousClock()
        let started = clock.now
        let start = try await executor.start(
            plan: plan(
                action("snapshot", "ec2.snapshot_volumes", timeout: .milliseconds(200)),
                action("tag", "ec2.tag")
            ),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        // Then the hung call is abandoned at its deadline, journaled in doubt, probed, and never repeated (the
        // bound is far below the hang and far above what a loaded 2-core machine adds to the 200 ms deadline)
        #expect(clock.now - started < .seconds(120))
        #expect(try #require(start.report).status == .succeeded)
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started snapshot", "step.failed snapshot", "step.probed snapshot",
                "step.started tag", "step.succeeded tag", "run.succeeded",
            ]
        )
        let failed = try #require(try await harness.records("run-1", .stepFailed).first)
        #expect(failed.payload["code"] == "StepTimedOut")
        #expect(failed.payload["kind"] == "in-doubt")
        #expect(await harness.invoker.steps(.execute) == ["snapshot", "tag"])
        #expect(
            try await executor.report(runID: "run-1").step("snapshot")?.outputs["snapshot_ids"] == [
                "snap-0123456789abcdef0"
            ]
        )
    }

    @Test func aTimedOutCallThatDidNotHappenFailsTheRunWithoutARetryItWasNotGiven() async throws {
        let harness = try Harness()
        let executor = harness.executor()
        await harness.invoker.script("tag", .slow(.seconds(30), .succeed(ActionResult())))
        let start = try await executor.start(
            plan: plan(action("tag", "ec2.tag", timeout: .milliseconds(100))),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        let report = try #require(start.report)
        #expect(report.status == .failed)
        #expect(report.failureReason?.contains("StepTimedOut") == true)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
        #expect(await harness.invoker.steps(.probe) == ["tag"])
    }

    @Test func theStepTimeoutTravelsThroughTheJournal() throws {
        let step = action("tag", "ec2.tag", timeout: .seconds(90))
        #expect(try PlannedStep(payload: step.payload).timeout == .seconds(90))
        #expect(try PlannedStep(payload: action("tag", "ec2.tag").payload).timeout == nil)
    }
}
