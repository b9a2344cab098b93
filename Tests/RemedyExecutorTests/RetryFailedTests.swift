import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyExecutor

/// `remedy resume --retry-failed RUN`: a run that failed on a call goes on from its failed step, once; what
/// cannot be helped by a retry is refused with the reason.
@Suite struct RetryFailedTests {
    let throttled = ActionFailure(.retryable, code: "Throttling", message: "Rate exceeded")

    @Test func aRunThatFailedOnThrottlingGoesOnFromItsFailedStep() async throws {
        // Given a run whose second step was throttled past its one attempt
        let harness = try Harness()
        await harness.invoker.script("isolate", .fail(throttled))
        let start = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine"), action("evidence", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .failed)

        // When a responder retries it
        let report = try await harness.executor().retryFailed(runID: "run-1", requestedBy: bob)

        // Then the failed step is called again as attempt 2 with the same parameters, the completed step is not,
        // and the run goes on to its end
        #expect(report.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["tag", "isolate", "isolate", "evidence"])
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started tag", "step.succeeded tag", "step.started isolate",
                "step.failed isolate", "run.failed isolate", "run.retried isolate", "step.started isolate",
                "step.succeeded isolate", "step.started evidence", "step.succeeded evidence", "run.succeeded",
            ]
        )
        let retried = try #require(try await harness.records("run-1", .runRetried).first)
        #expect(retried.payload["requestedBy"] == .string(bob))
        let attempts = try await harness.records("run-1", .stepStarted).filter { $0.payload["step"] == "isolate" }
        #expect(attempts.map { $0.payload["attempt"] } == [1, 2])
        #expect(attempts[0].payload["parameters"] == attempts[1].payload["parameters"])
    }

    @Test func theStepGetsItsWholeRetryPolicyAgain() async throws {
        let harness = try Harness()
        let policy = RetryPolicy(attempts: 2, initialBackoff: .milliseconds(1))
        await harness.invoker.script("tag", .fail(throttled), .fail(throttled), .fail(throttled))
        _ = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag", retry: policy)),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(await harness.invoker.steps(.execute).count == 2)

        // Two more attempts: the third is throttled, the fourth succeeds
        let report = try await harness.executor().retryFailed(runID: "run-1", requestedBy: bob)
        #expect(report.status == .succeeded)
        let attempts = try await harness.records("run-1", .stepStarted).map { $0.payload["attempt"] }
        #expect(attempts == [1, 2, 3, 4])
    }

    @Test func aPermanentCallFailureCanBeRetriedOnceItsCauseIsFixed() async throws {
        let harness = try Harness()
        await harness.invoker.script(
            "tag",
            .fail(ActionFailure(.permanent, code: "AccessDenied", message: "not authorized"))
        )
        _ = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        // The permission is granted; the retry is called again and succeeds
        let report = try await harness.executor().retryFailed(runID: "run-1", requestedBy: bob)
        #expect(report.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["tag", "tag"])
    }

    @Test func aCallLeftInDoubtIsProbedAgainNotRepeated() async throws {
        // Given a snapshot call with no answer whose probe failed too: the run failed with StepInDoubt
        let harness = try Harness()
        await harness.invoker.script(
            "evidence",
            .fail(ActionFailure(.inDoubt, code: "RequestTimeout", message: "no answer"))
        )
        await harness.invoker.scriptProbeFailure("evidence", throttled)
        let start = try await harness.executor().start(
            plan: plan(action("evidence", "ec2.snapshot_volumes")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .failed)
        #expect(try await harness.records("run-1", .runFailed).first?.payload["code"] == "StepInDoubt")

        // When it is retried and the probe now finds the snapshots
        await harness.invoker.scriptProbe(
            "evidence",
            .done(ActionResult(outputs: ["snapshot_ids": ["snap-0123456789abcdef0"]]))
        )
        let report = try await harness.executor().retryFailed(runID: "run-1", requestedBy: bob)

        // Then nothing is called twice: the probe settled it
        #expect(report.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["evidence"])
        #expect(await harness.invoker.steps(.probe) == ["evidence", "evidence"])
        #expect(
            try await harness.trail("run-1").suffix(3) == [
                "run.retried evidence", "step.probed evidence", "run.succeeded",
            ]
        )
    }

    @Test func whatARetryCannotHelpIsRefusedWithTheReason() async throws {
        let harness = try Harness()
        let executor = harness.executor()

        // A succeeded run
        _ = try await executor.start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        await #expect(throws: RunError.notRetryable) {
            try await executor.retryFailed(runID: "run-1", requestedBy: bob)
        }

        // A denied gate
        _ = try await executor.start(
            plan: plan(gate("approve", approvers: [bob]), action("tag", "ec2.tag")),
            finding: finding(id: "finding-2"),
            initiator: initiator,
            mode: .live
        )
        _ = try await executor.decide(runID: "run-2", gate: "approve", principal: bob, decision: .deny, channel: "cli")
        await #expect(throws: RunError.notRetryable) {
            try await executor.retryFailed(runID: "run-2", requestedBy: bob)
        }

        // A step that failed before any call (the parameter an earlier step produced failed validation)
        await harness.invoker.script(
            "evidence",
            .succeed(ActionResult(outputs: ["snapshot_ids": ["snap-1&Action=DeleteVpc"]]))
        )
        let deferred = PlanValue.deferred(template: "{{ steps.evidence.snapshot_ids }}", waitingFor: "steps.evidence")
        _ = try await executor.start(
            plan: plan(
                action("evidence", "ec2.snapshot_volumes"),
                action("share", "ec2.share_snapshots", ["snapshots": deferred])
            ),
            finding: finding(id: "finding-3"),
            initiator: initiator,
            mode: .live
        )
        do {
            _ = try await executor.retryFailed(runID: "run-3", requestedBy: bob)
            Issue.record("a step that failed before any call was retried")
        } catch let error as RunError {
            #expect(error == .notRetryable)
            #expect(error.message.contains("failed before any call"))
        }

        // An unknown run
        await #expect(throws: RunError.unknownRun) {
            try await executor.retryFailed(runID: "run-9", requestedBy: bob)
        }
        // Nothing was journaled for any of them
        for runID in ["run-1", "run-2", "run-3"] {
            #expect(try await harness.records(runID, .runRetried).isEmpty)
        }
    }

    @Test func aDryRunProcessCannotRetryALiveRun() async throws {
        let harness = try Harness()
        await harness.invoker.script("tag", .fail(throttled))
        _ = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        await #expect(throws: RunError.liveRunInDryRunProcess) {
            try await harness.executor(mode: .dryRun).retryFailed(runID: "run-1", requestedBy: bob)
        }
        #expect(try await harness.records("run-1", .runRetried).isEmpty)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
    }

    @Test func aRetriedRunCountsAsOpenAgainForThePlaybooksLimits() async throws {
        let harness = try Harness()
        await harness.invoker.script("tag", .fail(throttled))
        _ = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        func openRuns() async throws -> Int {
            try await harness.journal.usage(ofPlaybook: "test-playbook", before: .max, since: .distantPast).openRuns
        }
        #expect(try await openRuns() == 0)
        // As a retry leaves it while its step is in flight
        _ = try await harness.journal.append([
            JournalEntry(runID: "run-1", kind: RunEventKind.runRetried.rawValue, payload: ["step": "tag"])
        ])
        #expect(try await openRuns() == 1)
        _ = try await harness.journal.append([
            JournalEntry(runID: "run-1", kind: RunEventKind.runSucceeded.rawValue, payload: [:])
        ])
        #expect(try await openRuns() == 0)
    }
}
