import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyExecutor

/// The executor against a real (in-memory) journal and a scripted invoker: the journal is asserted exactly.
@Suite struct RunExecutorTests {
    @Test func liveRunJournalsEveryStartBeforeItsCallAndEveryResultAfter() async throws {
        // Given a two-step plan
        let harness = try Harness()
        let executor = harness.executor()
        await harness.invoker.script(
            "isolate",
            .succeed(
                ActionResult(
                    outputs: ["role_name": "WebRole"],
                    priorState: ["groups": ["sg-0aaaaaaaaaaaaaaaa"]],
                    requestIDs: ["req-q1"],
                    verified: true
                )
            )
        )
        // When it runs live
        let start = try await executor.start(
            plan: plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        // Then the journal holds, in order, the creation, each start and result, and the run's success
        let report = try #require(start.report)
        #expect(report.runID == "run-1")
        #expect(report.status == .succeeded)
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started tag", "step.succeeded tag", "step.started isolate",
                "step.succeeded isolate", "run.succeeded",
            ]
        )
        let created = try #require(try await harness.records("run-1", .runCreated).first)
        #expect(created.payload["playbook"] == "test-playbook")
        #expect(created.payload["findingId"] == "finding-1")
        #expect(created.payload["dedupeKey"] == "guardduty|finding-1|2025-01-01T00:00:00Z|test-playbook")
        #expect(created.payload["initiator"] == .string(initiator))
        #expect(created.payload["mode"] == "live")
        #expect(created.payload["steps"]?.arrayValue?.count == 2)
        let started = try await harness.records("run-1", .stepStarted)
        #expect(started.map { $0.payload["idempotencyKey"] } == ["run-1/tag", "run-1/isolate"])
        #expect(started[1].payload["action"] == "ec2.quarantine")
        #expect(started[1].payload["parameters"] == ["instance": .string(instance)])
        let succeeded = try await harness.records("run-1", .stepSucceeded)
        #expect(succeeded[1].payload["outputs"] == ["role_name": "WebRole"])
        #expect(succeeded[1].payload["requestIds"] == ["req-q1"])
        #expect(succeeded[1].payload["priorState"] == ["groups": ["sg-0aaaaaaaaaaaaaaaa"]])
        #expect(succeeded[1].payload["verified"] == true)
        // And each call carried the run's context
        let calls = await harness.invoker.calls(.execute)
        #expect(calls.map(\.request.idempotencyKey) == ["run-1/tag", "run-1/isolate"])
        #expect(calls.allSatisfy { $0.request.account == "111122223333" && $0.request.region == "eu-west-1" })
        #expect(calls.allSatisfy { $0.request.mode == .live })
    }

    @Test func sameFindingDeliveredAgainStartsNoSecondRunAndNamesTheFirst() async throws {
        let harness = try Harness()
        let executor = harness.executor()
        let first = try await executor.start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(first.report?.runID == "run-1")
        // When the same id and updatedAt arrive again (from another executor, as another process would)
        let again = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        // Then no run starts, and the answer names the first
        #expect(again == .duplicate(existingRunID: "run-1"))
        #expect(await harness.invoker.calls(.execute).count == 1)
        // But an update of the finding is a new delivery
        let updated = try await executor.start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(updatedAt: "2025-01-02T00:00:00Z"),
            initiator: initiator,
            mode: .live
        )
        #expect(updated.report?.status == .succeeded)
        #expect(try await harness.journal.runIDs().count == 2)
    }

    @Test func aFindingTwoPlaybooksMatchGetsARunOfEachAndARedeliveryGetsNeither() async throws {
        let harness = try Harness()
        let executor = harness.executor()
        let tagging = Plan(playbook: "tag-it", findingID: "finding-1", steps: [action("tag", "ec2.tag")])
        let isolating = Plan(
            playbook: "isolate-it",
            findingID: "finding-1",
            steps: [action("isolate", "ec2.quarantine")]
        )
        // When one delivery matches two playbooks
        let first = try await executor.start(plan: tagging, finding: finding(), initiator: initiator, mode: .live)
        let second = try await executor.start(plan: isolating, finding: finding(), initiator: initiator, mode: .live)
        // Then each playbook runs
        #expect(first.report?.runID == "run-1")
        #expect(second.report?.runID == "run-2")
        #expect(await harness.invoker.calls(.execute).map(\.request.idempotencyKey) == ["run-1/tag", "run-2/isolate"])
        // And delivering it again names each playbook's own run and calls nothing
        #expect(
            try await executor.start(plan: isolating, finding: finding(), initiator: initiator, mode: .live)
                == .duplicate(existingRunID: "run-2")
        )
        #expect(
            try await executor.start(plan: tagging, finding: finding(), initiator: initiator, mode: .live)
                == .duplicate(existingRunID: "run-1")
        )
        #expect(await harness.invoker.calls(.execute).count == 2)
        #expect(try await harness.journal.runIDs() == ["run-1", "run-2"])
    }

    @Test func crashBeforeTheCallIsProbedAsNotDoneAndTheStepRunsOnce() async throws {
        // Given a process that dies right after journaling step.started for isolate, before calling
        let harness = try Harness()
        let crashing = CrashingJournal(harness.journal, crash: .after, .stepStarted, step: "isolate")
        await #expect(throws: CrashingJournal.Crash.self) {
            _ = try await harness.executor(journal: crashing).start(
                plan: plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")),
                finding: finding(),
                initiator: initiator,
                mode: .live
            )
        }
        #expect(await harness.invoker.steps(.execute) == ["tag"])
        // When a new process resumes the run from the journal, and the probe finds nothing happened
        await harness.invoker.scriptProbe("isolate", .notDone)
        let report = try await harness.executor().resume(runID: "run-1")
        // Then the step is probed, then executed exactly once
        #expect(report.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["tag", "isolate"])
        #expect(await harness.invoker.steps(.probe) == ["isolate"])
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started tag", "step.succeeded tag", "step.started isolate",
                "step.probed isolate", "step.started isolate", "step.succeeded isolate", "run.succeeded",
            ]
        )
        let attempts = try await harness.records("run-1", .stepStarted).map { $0.payload["attempt"] }
        #expect(attempts == [1, 1, 2])
    }

    @Test func aStepsResultIsWrittenWithTheNextStepsStartBeforeItsCall() async throws {
        // Given two steps whose actions journal their prior state before acting
        let harness = try Harness()
        let log = EventLog()
        let invoker = CapturingInvoker(log: log, priorState: ["original_groups": ["eni-1": ["sg-web"]]])
        let report = try await harness.executor(
            journal: LoggingJournal(base: harness.journal, log: log),
            invoker: invoker
        )
        .start(
            plan: plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        ).report
        #expect(report?.status == .succeeded)
        // Then each result shares a transaction with the run's next record (one disk sync per step), no call
        // starts before its step.started and its prior state are durable, and the run's last records are written
        // as its lease is given up
        #expect(
            await log.events == [
                "write step.started tag", "write step.prior_state_captured tag", "call tag",
                "write step.succeeded tag + step.started isolate", "write step.prior_state_captured isolate",
                "call isolate", "write step.succeeded isolate + run.succeeded + lease released",
            ]
        )
        #expect(try await harness.leaseIsFree("run-1"))
    }

    @Test func aGateParksTheRunAndAnApprovalResumesIt() async throws {
        // Given a run that parks at a gate, its records written by a logging journal
        let harness = try Harness()
        let log = EventLog()
        let journal = LoggingJournal(base: harness.journal, log: log)
        let invoker = CapturingInvoker(log: log, priorState: ["original_groups": ["eni-1": ["sg-web"]]])
        let start = try await harness.executor(journal: journal, invoker: invoker).start(
            plan: plan(gate("approve", approvers: [ana]), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .parked)
        // When another executor approves
        let report = try await harness.executor(journal: journal, invoker: invoker).decide(
            runID: "run-1",
            gate: "approve",
            principal: ana,
            decision: .approve,
            channel: "test"
        )
        #expect(report.status == .succeeded)
        // Then the request and the parking are one write with the end of the lease, and the approval and the resume
        // go to disk with the step's start, before its call
        #expect(
            await log.events == [
                "write approval.requested approve + run.parked approve + lease released",
                "write approval.granted approve + run.resumed approve + step.started isolate",
                "write step.prior_state_captured isolate", "call isolate",
                "write step.succeeded isolate + run.succeeded + lease released",
            ]
        )
    }

    @Test func aProbeAfterACrashGetsThePriorStateTheStepJournaledBeforeActing() async throws {
        // Given a process that died after the isolate call, its result held and never written
        let harness = try Harness()
        let log = EventLog()
        let captured: JSONValue = ["original_groups": ["eni-1": ["sg-web"]]]
        let invoker = CapturingInvoker(log: log, priorState: captured)
        let crashing = CrashingJournal(harness.journal, crash: .before, .stepSucceeded, step: "isolate")
        await #expect(throws: CrashingJournal.Crash.self) {
            _ = try await harness.executor(journal: crashing, invoker: invoker).start(
                plan: plan(action("isolate", "ec2.quarantine")),
                finding: finding(),
                initiator: initiator,
                mode: .live
            )
        }
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started isolate", "step.prior_state_captured isolate",
            ]
        )
        // When another process resumes, the probe is handed the journaled state and undo restores it
        let resumed = try await harness.executor(invoker: invoker).resume(runID: "run-1")
        #expect(resumed.status == .succeeded)
        _ = try await harness.executor(invoker: invoker).undo(runID: "run-1", requestedBy: initiator)
        #expect(
            await log.events == [
                "call isolate", "probe isolate with \(captured.jsonText())", "undo isolate to \(captured.jsonText())",
            ]
        )
    }

    @Test func crashAfterTheCallIsProbedAsDoneAndTheCallIsNeverRepeated() async throws {
        // Given the snapshot call happened but the process died before journaling its result
        let harness = try Harness()
        let crashing = CrashingJournal(harness.journal, crash: .before, .stepSucceeded, step: "evidence")
        let steps = plan(
            action("evidence", "ec2.snapshot_volumes"),
            action(
                "share",
                "ec2.share_snapshots",
                ["snapshots": .deferred(template: "{{ steps.evidence.snapshot_ids }}", waitingFor: "steps.evidence")]
            )
        )
        await #expect(throws: CrashingJournal.Crash.self) {
            _ = try await harness.executor(journal: crashing).start(
                plan: steps,
                finding: finding(),
                initiator: initiator,
                mode: .live
            )
        }
        // When another process resumes and the probe recognises the snapshots by their run tag
        await harness.invoker.scriptProbe(
            "evidence",
            .done(ActionResult(outputs: ["snapshot_ids": ["snap-0123456789abcdef0"]], requestIDs: ["req-describe"]))
        )
        let report = try await harness.executor().resume(runID: "run-1")
        // Then the snapshot is never taken twice and the next step reads the probed outputs
        #expect(report.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["evidence", "share"])
        let share = try #require(await harness.invoker.calls(.execute).last)
        #expect(share.request.parameters == ["snapshots": ["snap-0123456789abcdef0"]])
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started evidence", "step.probed evidence", "step.started share",
                "step.succeeded share", "run.succeeded",
            ]
        )
        // And resuming a completed run does nothing
        _ = try await harness.executor().resume(runID: "run-1")
        #expect(await harness.invoker.calls.count == 3)
    }

    @Test func retryableFailuresAreRetriedPerPolicyWithEachAttemptJournaled() async throws {
        let harness = try Harness()
        let throttled = ActionFailure(.retryable, code: "Throttling", message: "Rate exceeded", requestID: "req-t")
        await harness.invoker.script("tag", .fail(throttled), .fail(throttled))
        let start = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag", retry: RetryPolicy(attempts: 3, initialBackoff: .milliseconds(1)))),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .succeeded)
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started tag", "step.failed tag", "step.started tag", "step.failed tag",
                "step.started tag", "step.succeeded tag", "run.succeeded",
            ]
        )
        let failed = try await harness.records("run-1", .stepFailed)
        #expect(failed.map { $0.payload["code"] } == ["Throttling", "Throttling"])
        #expect(failed.map { $0.payload["kind"] } == ["retryable", "retryable"])
        #expect(failed[0].payload["requestId"] == "req-t")
        #expect(failed[0].payload["message"] == "Rate exceeded")
    }

    @Test func retryableFailureWithoutAPolicyFailsTheRunAtOnce() async throws {
        let harness = try Harness()
        await harness.invoker.script("tag", .fail(ActionFailure(.retryable, code: "Throttling", message: "slow")))
        let start = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .failed)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
    }

    @Test func inDoubtFailureIsProbedBeforeAnythingIsRetried() async throws {
        let harness = try Harness()
        await harness.invoker.script(
            "tag",
            .fail(ActionFailure(.inDoubt, code: "RequestTimeout", message: "no answer"))
        )
        await harness.invoker.scriptProbe("tag", .done(ActionResult(requestIDs: ["req-probe"])))
        let start = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag", retry: RetryPolicy(attempts: 3, initialBackoff: .milliseconds(1)))),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started tag", "step.failed tag", "step.probed tag", "run.succeeded",
            ]
        )
    }

    @Test func abortIsTheDefaultAndNoLaterStepRuns() async throws {
        let harness = try Harness()
        await harness.invoker.script("tag", .fail(ActionFailure(.permanent, code: "AccessDenied", message: "no")))
        let start = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        let report = try #require(start.report)
        #expect(report.status == .failed)
        #expect(report.step("isolate")?.status == .pending)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
        let failed = try #require(try await harness.records("run-1", .runFailed).first)
        #expect(failed.payload["step"] == "tag")
        #expect(failed.payload["code"] == "AccessDenied")
        #expect(failed.payload["undo"] == false)
    }

    @Test func continueGoesOnToTheNextStep() async throws {
        let harness = try Harness()
        await harness.invoker.script("tag", .fail(ActionFailure(.permanent, code: "AccessDenied", message: "no")))
        let start = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag", onFailure: .continue), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .succeeded)
        #expect(start.report?.step("tag")?.status == .failed)
        #expect(await harness.invoker.steps(.execute) == ["tag", "isolate"])
        let succeeded = try #require(try await harness.records("run-1", .runSucceeded).first)
        #expect(succeeded.payload["failedSteps"] == ["tag"])
    }

    @Test func undoPolicyReversesCompletedReversibleStepsNewestFirstFromTheirPriorState() async throws {
        // Given tag and quarantine (reversible) and a snapshot (not) succeed, then the last step fails with undo
        let harness = try Harness()
        await harness.invoker.script("tag", .succeed(ActionResult(priorState: ["tags": [:]])))
        await harness.invoker.script(
            "isolate",
            .succeed(ActionResult(priorState: ["groups": ["sg-0aaaaaaaaaaaaaaaa"]]))
        )
        await harness.invoker.script("share", .fail(ActionFailure(.permanent, code: "InvalidSnapshot", message: "no")))
        let start = try await harness.executor().start(
            plan: plan(
                action("tag", "ec2.tag"),
                action("evidence", "ec2.snapshot_volumes"),
                action("isolate", "ec2.quarantine"),
                action(
                    "share",
                    "ec2.share_snapshots",
                    ["snapshots": .known(["snap-0123456789abcdef0"])],
                    onFailure: .undo
                )
            ),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        // Then quarantine is undone before tag, each from its own prior state, and the run ends undone
        #expect(start.report?.status == .undone)
        let undos = await harness.invoker.calls(.undo)
        #expect(undos.map(\.stepID) == ["isolate", "tag"])
        #expect(undos.map(\.priorState) == [["groups": ["sg-0aaaaaaaaaaaaaaaa"]], ["tags": [:]]])
        #expect(undos[0].request.parameters == ["instance": .string(instance)])
        #expect(
            try await harness.trail("run-1").suffix(7) == [
                "run.failed share", "undo.started", "undo.started isolate", "undo.succeeded isolate",
                "undo.started tag", "undo.succeeded tag", "undo.succeeded",
            ]
        )
    }

    @Test func remedyUndoReversesASucceededRunAndIsJournaledLikeARun() async throws {
        let harness = try Harness()
        await harness.invoker.script("tag", .succeed(ActionResult(priorState: ["tags": [:]])))
        await harness.invoker.script(
            "isolate",
            .succeed(ActionResult(priorState: ["groups": ["sg-0aaaaaaaaaaaaaaaa"]]))
        )
        await harness.invoker.scriptUndoFailure(
            "isolate",
            ActionFailure(.permanent, code: "InvalidGroup.NotFound", message: "gone")
        )
        let executor = harness.executor()
        _ = try await executor.start(
            plan: plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        // When undone by an operator, with the quarantine's undo failing
        let report = try await executor.undo(runID: "run-1", requestedBy: ana)
        // Then both are attempted newest first, and the run says undo failed at the quarantine
        #expect(report.status == .undoFailed)
        #expect(report.step("isolate")?.status == .undoFailed)
        #expect(report.step("tag")?.status == .undone)
        #expect(await harness.invoker.steps(.undo) == ["isolate", "tag"])
        let started = try #require(try await harness.records("run-1", .undoStarted).first)
        #expect(started.payload["requestedBy"] == .string(ana))
        let failed = try await harness.records("run-1", .undoFailed)
        #expect(failed.map { $0.payload["code"] } == ["InvalidGroup.NotFound", nil])
        // And undoing again retries only what could not be reversed
        let again = try await executor.undo(runID: "run-1", requestedBy: ana)
        #expect(again.status == .undoFailed)
        #expect(await harness.invoker.steps(.undo) == ["isolate", "tag", "isolate"])
    }

    @Test func aSampleFindingDryRunsAndIsNeverActedOnLive() async throws {
        let harness = try Harness()
        var sample = finding()
        sample.isSample = true
        let executor = harness.executor()
        let steps = plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine"))
        // A rehearsal goes through every step in dry-run
        let rehearsal = try await executor.start(plan: steps, finding: sample, initiator: initiator, mode: .dryRun)
        #expect(rehearsal.report?.status == .succeeded)
        #expect(await harness.invoker.calls(.execute).map(\.request.mode) == [.dryRun, .dryRun])
        // The live run fails before any call, as a sample
        let live = try await executor.start(plan: steps, finding: sample, initiator: initiator, mode: .live)
        #expect(live.report?.status == .failed)
        #expect(await harness.invoker.calls(.execute).count == 2)
        #expect(try await harness.trail("run-2") == ["run.created", "run.failed"])
        #expect(try await harness.records("run-2", .runFailed).first?.payload["code"] == "SampleFinding")
    }

    @Test func undoingAStepThatChangedNothingIsANoOp() async throws {
        // Given a run whose reversible step found nothing to change (no prior state) and one that changed something
        let harness = try Harness()
        await harness.invoker.script("tag", .succeed(ActionResult(priorState: ["tags": [:]])))
        await harness.invoker.script("isolate", .succeed(ActionResult(outputs: ["role_name": .null])))
        let executor = harness.executor()
        _ = try await executor.start(
            plan: plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        // When it is undone
        let report = try await executor.undo(runID: "run-1", requestedBy: ana)
        // Then the run is undone: the step that changed nothing is recorded as such, with no call
        #expect(report.status == .undone)
        #expect(await harness.invoker.steps(.undo) == ["tag"])
        let undone = try await harness.records("run-1", .undoSucceeded).filter { $0.payload["step"] == "isolate" }
        #expect(undone.map { $0.payload["changedNothing"] } == [true])
    }

    @Test func dryRunPassesTheModeThroughAndReportsAVerdictPerStep() async throws {
        let harness = try Harness()
        await harness.invoker.script("tag", .succeed(ActionResult(dryRunVerdict: "would succeed (DryRunOperation)")))
        await harness.invoker.script(
            "isolate",
            .fail(
                ActionFailure(.permanent, code: "UnauthorizedOperation", message: "missing ec2:ModifyInstanceAttribute")
            )
        )
        let start = try await harness.executor().start(
            plan: plan(
                action("tag", "ec2.tag"),
                gate("approve", approvers: ["group:leads"]),
                action("isolate", "ec2.quarantine"),
                action("evidence", "ec2.snapshot_volumes"),
                action(
                    "share",
                    "ec2.share_snapshots",
                    [
                        "snapshots": .deferred(
                            template: "{{ steps.evidence.snapshot_ids }}",
                            waitingFor: "steps.evidence"
                        )
                    ]
                )
            ),
            finding: finding(),
            initiator: initiator,
            mode: .dryRun
        )
        let report = try #require(start.report)
        #expect(report.mode == .dryRun)
        #expect(await harness.invoker.calls(.execute).allSatisfy { $0.request.mode == .dryRun })
        #expect(report.steps.map(\.id) == ["tag", "approve", "isolate", "evidence", "share"])
        #expect(
            report.steps.map(\.verdict) == [
                "would succeed (DryRunOperation)", "would wait for 1 approval(s) from group:leads",
                "would fail: UnauthorizedOperation: missing ec2:ModifyInstanceAttribute", "would succeed",
                "not checked: its parameters come from steps that change nothing in a dry-run",
            ]
        )
        #expect(await harness.invoker.steps(.execute) == ["tag", "isolate", "evidence"])
        await #expect(throws: RunError.notUndoable) {
            _ = try await harness.executor().undo(runID: "run-1", requestedBy: ana)
        }
    }

    @Test func deferredParameterIsResolvedFromAnEarlierStepsOutputs() async throws {
        let harness = try Harness()
        await harness.invoker.script(
            "evidence",
            .succeed(ActionResult(outputs: ["snapshot_ids": ["snap-0123456789abcdef0", "snap-0fedcba9876543210"]]))
        )
        let start = try await harness.executor().start(
            plan: plan(
                action("evidence", "ec2.snapshot_volumes"),
                action(
                    "share",
                    "ec2.share_snapshots",
                    [
                        "snapshots": .deferred(
                            template: "{{ steps.evidence.snapshot_ids }}",
                            waitingFor: "steps.evidence"
                        ),
                        "note": .deferred(
                            template: "run {{ run.id }}: {{ steps.evidence.snapshot_ids }}",
                            waitingFor: "run.id"
                        ),
                    ]
                )
            ),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .succeeded)
        let share = try #require(await harness.invoker.calls(.execute).last)
        #expect(
            share.request.parameters == [
                "snapshots": ["snap-0123456789abcdef0", "snap-0fedcba9876543210"],
                "note": "run run-1: snap-0123456789abcdef0, snap-0fedcba9876543210",
            ]
        )
        // The journaled start carries the resolved values, not the templates
        let started = try await harness.records("run-1", .stepStarted)
        #expect(started[1].payload["parameters"]?["snapshots"] == ["snap-0123456789abcdef0", "snap-0fedcba9876543210"])
    }

    @Test func deferredParameterFailingValidationFailsTheStepWithoutACall() async throws {
        let harness = try Harness()
        await harness.invoker.script(
            "evidence",
            .succeed(ActionResult(outputs: ["snapshot_ids": ["snap-1&Action=DeleteVpc"]]))
        )
        let start = try await harness.executor().start(
            plan: plan(
                action("evidence", "ec2.snapshot_volumes"),
                action(
                    "share",
                    "ec2.share_snapshots",
                    [
                        "snapshots": .deferred(
                            template: "{{ steps.evidence.snapshot_ids }}",
                            waitingFor: "steps.evidence"
                        )
                    ]
                )
            ),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .failed)
        #expect(await harness.invoker.steps(.execute) == ["evidence"])
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started evidence", "step.succeeded evidence", "step.failed share",
                "run.failed share",
            ]
        )
        let failed = try #require(try await harness.records("run-1", .stepFailed).first)
        #expect(failed.payload["code"] == "InvalidParameter")
        #expect(failed.payload["attempt"] == nil)
    }

    @Test func resumeAllContinuesActiveRunsOnly() async throws {
        // Given one completed run and one left in doubt by a crash
        let harness = try Harness()
        _ = try await harness.executor().start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(id: "a"),
            initiator: initiator,
            mode: .live
        )
        let crashing = CrashingJournal(harness.journal, crash: .after, .stepStarted, step: "tag")
        await #expect(throws: CrashingJournal.Crash.self) {
            _ = try await harness.executor(journal: crashing).start(
                plan: plan(action("tag", "ec2.tag")),
                finding: finding(id: "b", resource: "i-0fedcba9876543210"),
                initiator: initiator,
                mode: .live
            )
        }
        // When a restarted process resumes all
        let reads = ReadCountingJournal(base: harness.journal)
        let reports = try await harness.executor(journal: reads).resumeAll()
        // Then only the second run moves, and it completes
        #expect(reports.map(\.runID) == ["run-2"])
        #expect(reports.map(\.status) == [.succeeded])
        #expect(await harness.invoker.steps(.probe) == ["tag"])
        // And it was read in full once, to see that it is active; taking it up read only what was new
        #expect(await reads.counts == (whole: 1, newer: 1))
    }

    @Test func runsOnTheSameResourceExecuteOneAtATime() async throws {
        let harness = try Harness()
        for step in ["tag"] {
            await harness.invoker.script(step, .slow(.milliseconds(30), .succeed(ActionResult())))
            await harness.invoker.script(step, .slow(.milliseconds(30), .succeed(ActionResult())))
        }
        let executor = harness.executor()
        // When two findings about the same instance start runs at once
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ["a", "b"] {
                group.addTask {
                    _ = try await executor.start(
                        plan: plan(action("tag", "ec2.tag")),
                        finding: finding(id: id),
                        initiator: initiator,
                        mode: .live
                    )
                }
            }
            try await group.waitForAll()
        }
        // Then their calls never overlapped
        #expect(await harness.invoker.maximumInFlight == 1)
        #expect(await harness.invoker.calls(.execute).count == 2)
    }

    @Test func runsOnDifferentResourcesOverlapUpToTheConcurrencyLimit() async throws {
        for (limit, expected) in [(8, 3), (2, 2)] {
            let harness = try Harness()
            // The first `expected` calls wait for each other; a call admitted only after them answers at once.
            for index in 0..<3 {
                let answer = ScriptedActionInvoker.Answer.succeed(ActionResult())
                await harness.invoker.script("tag", index < expected ? .together(expected, answer) : answer)
            }
            let executor = harness.executor(maximumConcurrentRuns: limit)
            let instances = ["i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for resource in instances {
                    group.addTask {
                        _ = try await executor.start(
                            plan: plan(action("tag", "ec2.tag", ["instance": .known(.string(resource))])),
                            finding: finding(id: resource, resource: resource),
                            initiator: initiator,
                            mode: .live
                        )
                    }
                }
                try await group.waitForAll()
            }
            #expect(await harness.invoker.maximumInFlight == expected, "limit \(limit)")
        }
    }
}
