import Foundation
import RemedyCore
import Testing

@testable import RemedyExecutor

/// The state machine decides from records alone: these tests write records by hand and read its decisions.
@Suite struct RunStateMachineTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    /// A run's records, numbered as the journal would.
    struct History {
        var records: [JournalRecord] = []
        let runID: String

        init(_ steps: [PlannedStep], mode: ExecutionMode = .live, runID: String = "run-1") {
            self.runID = runID
            let definition = RunDefinition(
                runID: runID,
                playbook: "test-playbook",
                findingID: "finding-1",
                dedupeKey: "guardduty|finding-1|t",
                initiator: initiator,
                mode: mode,
                account: "111122223333",
                region: "eu-west-1",
                resource: instance,
                finding: finding().expressionValue,
                startedAt: "2025-06-15T00:00:00.000Z",
                steps: gated(steps)
            )
            add(.runCreated, definition.payload)
        }

        mutating func add(_ kind: RunEventKind, _ payload: JSONValue) {
            records.append(
                JournalRecord(
                    sequence: Int64(records.count + 1),
                    recordedAt: "2025-06-15T00:00:00.000Z",
                    runID: runID,
                    kind: kind.rawValue,
                    payload: payload,
                    previousHash: "",
                    hash: ""
                )
            )
        }

        mutating func started(_ step: String, attempt: Int = 1, parameters: JSONValue = ["instance": .string(instance)])
        {
            add(.stepStarted, ["step": .string(step), "attempt": .number(Double(attempt)), "parameters": parameters])
        }

        mutating func succeeded(
            _ step: String,
            attempt: Int = 1,
            outputs: JSONValue = [:],
            priorState: JSONValue = .null
        ) {
            add(
                .stepSucceeded,
                [
                    "step": .string(step), "attempt": .number(Double(attempt)), "outputs": outputs,
                    "priorState": priorState,
                ]
            )
        }

        mutating func failed(_ step: String, attempt: Int = 1, kind: ActionFailure.Kind, code: String = "Boom") {
            add(
                .stepFailed,
                [
                    "step": .string(step), "attempt": .number(Double(attempt)), "kind": .string(kind.rawValue),
                    "code": .string(code), "message": "it failed",
                ]
            )
        }

        func machine() throws -> RunStateMachine { try RunStateMachine(records: records, catalog: testCatalog) }
    }

    func call(_ step: String, _ action: String = "ec2.tag", attempt: Int = 1) -> RunStateMachine.StepCall {
        RunStateMachine.StepCall(
            step: step,
            action: action,
            parameters: ["instance": .string(instance)],
            attempt: attempt
        )
    }

    /// A probe of the attempt `History` started: it carries that `step.started`'s time, for settling.
    func probed(_ step: String, _ action: String = "ec2.tag", attempt: Int = 1) -> RunStateMachine.Decision {
        var started = call(step, action, attempt: attempt)
        started.startedAt = "2025-06-15T00:00:00.000Z"
        return .probe(started)
    }

    @Test func newRunStartsItsFirstStep() throws {
        // Given a run just created
        let history = History([action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")])
        // When asked what is next
        let machine = try history.machine()
        // Then the first step runs, at attempt 1, and the run is pending
        #expect(machine.state.status == .pending)
        #expect(machine.next(now: now) == .run(call("tag"), backoff: .zero))
    }

    @Test func aMachineCatchesUpWithTheJournalOnlyWhenItCanAccountForEveryRecord() throws {
        // Given a machine that folded in the first two records of a run
        var history = History([action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")])
        history.started("tag")
        let held = try history.machine()
        #expect(held.journaled == (2, 2) as (Int, Int64))
        history.succeeded("tag")
        history.started("isolate")
        let news = Array(history.records[2...])
        // When the journal has exactly the records after it, it folds them in and agrees with a full read
        var caughtUp = held
        #expect(try caughtUp.catchUp(with: RunRecordsSince(records: news, total: 4)))
        #expect(caughtUp.state == (try history.machine()).state)
        #expect(caughtUp.journaled == (4, 4) as (Int, Int64))
        // And when the run has a record it cannot account for (written before its last one by someone else), or a
        // held result is not on disk yet, it declines and the run is read again
        var stale = held
        #expect(try !stale.catchUp(with: RunRecordsSince(records: news, total: 5)))
        #expect(stale.state == held.state)
        var holding = held
        holding.unwritten = [JournalEntry(runID: "run-1", kind: "step.succeeded")]
        #expect(try !holding.catchUp(with: RunRecordsSince(records: news, total: 4)))
    }

    @Test func theStateCacheKeepsActiveRunsUpToItsCapacityAndHandsEachOutOnce() throws {
        // Given a cache for two runs
        let cache = RunStateCache(capacity: 2)
        let machines = try (1...3).map { number in
            try History([action("tag", "ec2.tag")], runID: "run-\(number)").machine()
        }
        // When three active runs are left in it, the oldest is dropped
        for machine in machines { cache.keep(machine) }
        #expect(cache.take("run-1") == nil)
        // Then each of the others is handed out once, as it was left
        #expect(cache.take("run-2")?.journaled.through == machines[1].journaled.through)
        #expect(cache.take("run-2") == nil)
        #expect(cache.take("run-3")?.state == machines[2].state)
        // And a finished run, or one with a result not yet on disk, is not kept
        var finished = History([action("tag", "ec2.tag")], runID: "run-4")
        finished.started("tag")
        finished.succeeded("tag")
        finished.add(.runSucceeded, [:])
        cache.keep(try finished.machine())
        var holding = machines[0]
        holding.unwritten = [JournalEntry(runID: "run-1", kind: "step.succeeded")]
        cache.keep(holding)
        #expect(cache.take("run-4") == nil)
        #expect(cache.take("run-1") == nil)
    }

    @Test func completedStepsAreNotRunAgainAndTheLastOneEndsTheRun() throws {
        // Given both steps succeeded
        var history = History([action("tag", "ec2.tag"), action("isolate", "ec2.quarantine")])
        history.started("tag")
        history.succeeded("tag")
        // When only the first succeeded, the second runs; once both did, the run succeeds
        #expect(try history.machine().next(now: now) == .run(call("isolate", "ec2.quarantine"), backoff: .zero))
        history.started("isolate")
        history.succeeded("isolate")
        #expect(try history.machine().next(now: now) == .succeed(failedSteps: []))
        history.add(.runSucceeded, [:])
        // Then a completed run has nothing left to do
        let machine = try history.machine()
        #expect(machine.state.status == .succeeded)
        #expect(machine.state.status.group == .completed)
        #expect(machine.next(now: now) == .none)
    }

    @Test func stepStartedWithoutResultIsProbedBeforeAnythingElse() throws {
        // Given a step whose start is journaled but whose result is not (a crash)
        var history = History([action("tag", "ec2.tag")])
        history.started("tag")
        // Then the next move is a probe with the parameters of that start
        #expect(try history.machine().next(now: now) == probed("tag"))
    }

    @Test func probeFindingTheStepDoneCountsAsSuccessWithItsOutputs() throws {
        // Given a crash left the snapshot step in doubt and the probe found it done
        var history = History([
            action("evidence", "ec2.snapshot_volumes"),
            action(
                "share",
                "ec2.share_snapshots",
                ["snapshots": .deferred(template: "{{ steps.evidence.snapshot_ids }}", waitingFor: "steps.evidence")]
            ),
        ])
        history.started("evidence")
        history.add(
            .stepProbed,
            [
                "step": "evidence", "attempt": 1, "result": "done",
                "outputs": ["snapshot_ids": ["snap-0123456789abcdef0"]],
            ]
        )
        // Then the next step runs with the probed outputs
        let expected = RunStateMachine.StepCall(
            step: "share",
            action: "ec2.share_snapshots",
            parameters: ["snapshots": ["snap-0123456789abcdef0"]],
            attempt: 1
        )
        #expect(try history.machine().next(now: now) == .run(expected, backoff: .zero))
    }

    @Test func probeFindingTheStepNotDoneRunsItAgainWithoutSpendingAnAttempt() throws {
        // Given a crash before the call, and a probe that found nothing
        var history = History([action("tag", "ec2.tag")])
        history.started("tag")
        history.add(.stepProbed, ["step": "tag", "attempt": 1, "result": "notDone"])
        // Then the step runs as attempt 2 even with no retry policy
        #expect(try history.machine().next(now: now) == .run(call("tag", attempt: 2), backoff: .zero))
    }

    @Test func failedProbeFailsTheStepRatherThanRiskingASecondCall() throws {
        // Given an in-doubt step whose probe failed
        var history = History([action("tag", "ec2.tag", retry: RetryPolicy(attempts: 5))])
        history.started("tag")
        history.add(.stepProbed, ["step": "tag", "attempt": 1, "result": "failed", "code": "AccessDenied"])
        // Then the run fails at that step: nothing is retried
        guard case .fail(_, "tag", "StepInDoubt", false) = try history.machine().next(now: now) else {
            Issue.record("expected the run to fail on the in-doubt step")
            return
        }
    }

    @Test func inDoubtFailureIsProbedBeforeARetry() throws {
        // Given a call that failed in doubt (a timeout after sending)
        var history = History([action("tag", "ec2.tag", retry: RetryPolicy(attempts: 3, initialBackoff: .seconds(2)))])
        history.started("tag")
        history.failed("tag", kind: .inDoubt, code: "RequestTimeout")
        // Then a probe comes first; once it finds nothing, the retry waits the initial backoff
        #expect(try history.machine().next(now: now) == probed("tag"))
        history.add(.stepProbed, ["step": "tag", "attempt": 1, "result": "notDone"])
        #expect(try history.machine().next(now: now) == .run(call("tag", attempt: 2), backoff: .seconds(2)))
    }

    @Test func retryableFailuresRetryWithGrowingBackoffUntilAttemptsAreSpent() throws {
        // Given three attempts allowed, backoff 1s doubling
        var history = History([action("tag", "ec2.tag", retry: RetryPolicy(attempts: 3, initialBackoff: .seconds(1)))])
        history.started("tag")
        history.failed("tag", kind: .retryable, code: "Throttling")
        #expect(try history.machine().next(now: now) == .run(call("tag", attempt: 2), backoff: .seconds(1)))
        history.started("tag", attempt: 2)
        history.failed("tag", attempt: 2, kind: .retryable, code: "Throttling")
        #expect(try history.machine().next(now: now) == .run(call("tag", attempt: 3), backoff: .seconds(2)))
        history.started("tag", attempt: 3)
        history.failed("tag", attempt: 3, kind: .retryable, code: "Throttling")
        // Then after the third failure the run fails
        guard case .fail(_, "tag", "Throttling", false) = try history.machine().next(now: now) else {
            Issue.record("expected the run to fail after three attempts")
            return
        }
    }

    @Test func permanentFailureIsNotRetriedAndAbortsByDefault() throws {
        var history = History([
            action("tag", "ec2.tag", retry: RetryPolicy(attempts: 3)), action("isolate", "ec2.quarantine"),
        ])
        history.started("tag")
        history.failed("tag", kind: .permanent, code: "AccessDenied")
        #expect(
            try history.machine().next(now: now)
                == .fail(
                    reason: "step 'tag' failed: AccessDenied: it failed",
                    step: "tag",
                    code: "AccessDenied",
                    thenUndo: false
                )
        )
    }

    @Test func continuePolicyGoesOnAndTheRunSucceedsNamingTheFailedStep() throws {
        var history = History([action("tag", "ec2.tag", onFailure: .continue), action("isolate", "ec2.quarantine")])
        history.started("tag")
        history.failed("tag", kind: .permanent)
        #expect(try history.machine().next(now: now) == .run(call("isolate", "ec2.quarantine"), backoff: .zero))
        history.started("isolate")
        history.succeeded("isolate")
        #expect(try history.machine().next(now: now) == .succeed(failedSteps: ["tag"]))
    }

    @Test func undoPolicyFailsTheRunThenReversesCompletedReversibleStepsNewestFirst() throws {
        // Given tag (reversible), snapshot (not reversible), quarantine (reversible) succeeded and the last step failed
        var history = History([
            action("tag", "ec2.tag"), action("evidence", "ec2.snapshot_volumes"), action("isolate", "ec2.quarantine"),
            action("share", "ec2.share_snapshots", ["snapshots": .known(["snap-0123456789abcdef0"])], onFailure: .undo),
        ])
        for step in ["tag", "evidence", "isolate"] {
            history.started(step)
            history.succeeded(step, priorState: ["was": .string(step)])
        }
        history.started("share", parameters: ["snapshots": ["snap-0123456789abcdef0"]])
        history.failed("share", kind: .permanent)
        guard case .fail(_, "share", _, true) = try history.machine().next(now: now) else {
            Issue.record("expected a failure that asks for undo")
            return
        }
        history.add(.runFailed, ["reason": "share failed", "undo": true])
        var machine = try history.machine()
        #expect(machine.state.status == .undoing)
        #expect(machine.state.status.isActive)
        #expect(machine.next(now: now) == .startUndo(reason: "on_failure: undo after share failed"))
        history.add(.undoStarted, ["reason": "on_failure"])
        // Then isolate is reversed first, then tag; the snapshot is not reversible
        machine = try history.machine()
        #expect(machine.next(now: now) == .undo(call("isolate", "ec2.quarantine"), priorState: ["was": "isolate"]))
        history.add(.undoStarted, ["step": "isolate"])
        history.add(.undoSucceeded, ["step": "isolate"])
        #expect(try history.machine().next(now: now) == .undo(call("tag"), priorState: ["was": "tag"]))
        history.add(.undoStarted, ["step": "tag"])
        history.add(.undoFailed, ["step": "tag", "code": "AccessDenied"])
        #expect(try history.machine().next(now: now) == .finishUndo(failedSteps: ["tag"]))
        history.add(.undoFailed, ["failedSteps": ["tag"]])
        #expect(try history.machine().state.status == .undoFailed)
    }

    @Test func conditionReadingStepOutputsIsDecidedWhenTheStepIsReached() throws {
        // Given a step that runs only when the quarantine found a role
        let revoke = action(
            "revoke",
            "ec2.tag",
            disposition: .decidedAtRunTime(condition: "steps.isolate.role_name != null")
        )
        var withRole = History([action("isolate", "ec2.quarantine"), revoke])
        withRole.started("isolate")
        withRole.succeeded("isolate", outputs: ["role_name": "WebRole"])
        var withoutRole = History([action("isolate", "ec2.quarantine"), revoke])
        withoutRole.started("isolate")
        withoutRole.succeeded("isolate", outputs: [:])
        // Then it runs in the first run and is skipped in the second
        #expect(try withRole.machine().next(now: now) == .run(call("revoke"), backoff: .zero))
        #expect(
            try withoutRole.machine().next(now: now)
                == .skip(step: "revoke", reason: "condition steps.isolate.role_name != null is false", verdict: nil)
        )
    }

    @Test func plannedSkipIsJournaledAsASkip() throws {
        let history = History([action("resolve", "ec2.tag", disposition: .skipped(reason: "not from Security Hub"))])
        #expect(
            try history.machine().next(now: now)
                == .skip(step: "resolve", reason: "not from Security Hub", verdict: nil)
        )
    }

    @Test func deferredParameterThatFailsValidationFailsTheStepWithoutACall() throws {
        // Given the snapshot step produced something that is not a snapshot id
        var history = History([
            action("evidence", "ec2.snapshot_volumes"),
            action(
                "share",
                "ec2.share_snapshots",
                ["snapshots": .deferred(template: "{{ steps.evidence.snapshot_ids }}", waitingFor: "steps.evidence")]
            ),
        ])
        history.started("evidence")
        history.succeeded("evidence", outputs: ["snapshot_ids": ["snap-1&Action=DeleteVpc"]])
        // Then the share step fails before any call
        guard case .failBeforeCall("share", "InvalidParameter", let message) = try history.machine().next(now: now)
        else {
            Issue.record("expected a failure before the call")
            return
        }
        #expect(message.contains("parameter 'snapshots'"))
    }

    @Test func aGateWhoseStepsWillNotRunIsNotAskedAndOneThatAsksListsThem() throws {
        // Given a gate guarding a step whose condition is false, then a gate guarding one that will run and one
        // decided by an output not known yet
        let history = History([
            gate("approve-nacl", approvers: [bob], message: .known("Deny  in the subnet?")),
            action("deny", "ec2.tag", disposition: .decidedAtRunTime(condition: "finding.account == 'none'")),
            gate("approve-isolation", approvers: [bob]),
            action("isolate", "ec2.quarantine"),
            action("revoke", "ec2.tag", disposition: .decidedAtRunTime(condition: "steps.isolate.role_name != null")),
            action("describe", "ec2.describe", [:]),
        ])
        // Then the first gate is skipped without asking anyone
        #expect(
            try history.machine().next(now: now)
                == .skip(step: "approve-nacl", reason: "none of the steps it guards will run", verdict: nil)
        )
        var skipped = history
        skipped.add(.stepSkipped, ["step": "approve-nacl", "reason": "none of the steps it guards will run"])
        skipped.add(.stepSkipped, ["step": "deny", "reason": "condition is false"])
        // And the second asks about exactly what it lets run
        guard case .requestApproval(let request) = try skipped.machine().next(now: now) else {
            Issue.record("the second gate did not ask for approval")
            return
        }
        #expect(
            request.message
                == "Approving lets these steps run:\n- isolate: ec2.quarantine (instance \(instance))\n"
                + "- revoke: ec2.tag (instance \(instance)), if steps.isolate.role_name != null\n"
                // A step that takes no parameters is listed without an empty "()"
                + "- describe: ec2.describe"
        )
    }

    @Test func gateIsRequestedThenParksThenWaitsThenExpiresAfterItsTimeout() throws {
        // Given a gate needing 2 approvals within 30 minutes
        var history = History([
            gate("approve", approvers: ["group:leads"], minimumApprovals: 2), action("isolate", "ec2.quarantine"),
        ])
        let request = RunStateMachine.ApprovalRequest(
            gate: "approve",
            approvers: ["group:leads"],
            minimumApprovals: 2,
            timeout: .seconds(1800),
            message: "Approving lets these steps run:\n- isolate: ec2.quarantine (instance \(instance))",
            scope: .run
        )
        #expect(try history.machine().next(now: now) == .requestApproval(request))
        let expiresAt = Timestamp.format(now.addingTimeInterval(1800))
        history.add(
            .approvalRequested,
            [
                "gate": "approve", "principals": [.string(ana), .string(bob)], "minApprovals": 2,
                "expiresAt": .string(expiresAt),
            ]
        )
        // A crash between the request and the park: the park comes next
        #expect(try history.machine().next(now: now) == .park(gate: "approve"))
        history.add(.runParked, ["gate": "approve"])
        history.add(.approvalGranted, ["gate": "approve", "principal": .string(ana), "channel": "cli", "at": "t"])
        // Then one approval of two: still waiting, until the timeout, when the gate expires
        #expect(try history.machine().next(now: now) == .wait(gate: "approve", until: expiresAt))
        #expect(try history.machine().next(now: now.addingTimeInterval(1800)) == .expireApproval(gate: "approve"))
        history.add(.approvalExpired, ["gate": "approve"])
        guard case .fail(_, "approve", "ApprovalExpired", false) = try history.machine().next(now: now) else {
            Issue.record("expected the expired gate to fail the run")
            return
        }
    }

    @Test func quorumResumesTheParkedRunAndTheGatedStepRuns() throws {
        var history = History([
            gate("approve", approvers: [ana, bob], minimumApprovals: 2), action("isolate", "ec2.quarantine"),
        ])
        history.add(
            .approvalRequested,
            [
                "gate": "approve", "principals": [.string(ana), .string(bob)], "minApprovals": 2,
                "expiresAt": "2099-01-01T00:00:00.000Z",
            ]
        )
        history.add(.runParked, ["gate": "approve"])
        history.add(.approvalGranted, ["gate": "approve", "principal": .string(ana), "channel": "cli", "at": "t"])
        history.add(.approvalGranted, ["gate": "approve", "principal": .string(bob), "channel": "http", "at": "t"])
        #expect(try history.machine().next(now: now) == .resume(gate: "approve"))
        history.add(.runResumed, ["gate": "approve"])
        #expect(try history.machine().next(now: now) == .run(call("isolate", "ec2.quarantine"), backoff: .zero))
    }

    @Test func denialFailsTheRun() throws {
        var history = History([gate("approve", approvers: [ana]), action("isolate", "ec2.quarantine")])
        history.add(
            .approvalRequested,
            [
                "gate": "approve", "principals": [.string(ana)], "minApprovals": 1,
                "expiresAt": "2099-01-01T00:00:00.000Z",
            ]
        )
        history.add(.runParked, ["gate": "approve"])
        history.add(.approvalDenied, ["gate": "approve", "principal": .string(ana), "channel": "slack", "at": "t"])
        #expect(
            try history.machine().next(now: now)
                == .fail(
                    reason: "gate 'approve' denied by \(ana)",
                    step: "approve",
                    code: "ApprovalDenied",
                    thenUndo: false
                )
        )
    }

    @Test func dryRunSkipsGatesWithAVerdictAndChecksEveryStepDespiteFailures() throws {
        var history = History(
            [
                action("tag", "ec2.tag"), gate("approve", approvers: ["group:leads"]),
                action("isolate", "ec2.quarantine"),
            ],
            mode: .dryRun
        )
        history.started("tag")
        history.failed("tag", kind: .permanent, code: "UnauthorizedOperation")
        #expect(
            try history.machine().next(now: now)
                == .skip(
                    step: "approve",
                    reason: "dry-run requests no approval",
                    verdict: "would wait for 1 approval(s) from group:leads"
                )
        )
    }

    @Test func journalCannotHoldAStepAfterTheRunCompleted() throws {
        var history = History([action("tag", "ec2.tag")])
        history.add(.runSucceeded, [:])
        history.started("tag")
        #expect(throws: RunError.unreadableJournal) { try history.machine() }
    }

    @Test func statusesFallIntoActiveAndCompletedGroups() {
        #expect(RunStatus.allCases.filter(\.isActive) == [.pending, .running, .parked, .undoing])
        #expect(
            RunStatus.allCases.filter { $0.group == .completed } == [.succeeded, .failed, .undone, .undoFailed]
        )
    }

    @Test func runDefinitionSurvivesTheJournalRoundTrip() throws {
        let steps = [
            action(
                "tag",
                "ec2.tag",
                disposition: .decidedAtRunTime(condition: "finding.severity.score > 50"),
                retry: RetryPolicy(attempts: 3, initialBackoff: .milliseconds(500), backoffMultiplier: 3)
            ),
            gate(
                "approve",
                approvers: ["group:leads", ana],
                minimumApprovals: 2,
                message: .deferred(template: "Isolate {{ run.id }}?", waitingFor: "run.id")
            ),
            action("resolve", "ec2.tag", disposition: .skipped(reason: "no"), onFailure: .continue),
        ]
        let history = History(steps)
        #expect(try history.machine().state.definition.steps == gated(steps))
    }
}
