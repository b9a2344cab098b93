import RemedyCore
import Testing

/// Run events are coded once: what a writer journals reads back as the same event, in the journal's format.
@Suite struct RunEventTests {
    static let result = ActionResult(
        outputs: ["snapshot_ids": ["snap-1"]],
        priorState: ["groups": ["sg-1"]],
        requestIDs: ["req-1"],
        verified: true
    )
    static let failure = ActionFailure(.retryable, code: "Throttling", message: "slow down", requestID: "req-2")
    static let decision = RunEvent.ApprovalDecided(
        gate: "approve",
        principal: "arn:aws:sts::111122223333:assumed-role/lead/ana",
        approver: "arn:aws:iam::111122223333:role/lead",
        comment: "go",
        channel: "cli",
        at: "2026-12-07T10:00:00.000Z",
        campaignPlaybook: "contain"
    )

    /// One event of every kind, with its optional parts set where it has them.
    static let events: [RunEvent] = [
        .runCreated(
            RunDefinition(
                runID: "run-1",
                playbook: "contain",
                findingID: "f-1",
                dedupeKey: "guardduty|f-1|contain",
                initiator: "arn:aws:iam::111122223333:user/runner",
                mode: .live,
                account: "111122223333",
                region: "eu-west-1",
                resource: "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
                finding: ["id": "f-1"],
                startedAt: "2026-12-07T10:00:00.000Z",
                steps: [
                    PlannedStep(
                        id: "tag",
                        kind: .action(
                            name: "ec2.tag",
                            parameters: ["instance": .known("i-1")],
                            isMutating: true,
                            isReversible: true,
                            permissions: ["ec2:CreateTags"]
                        ),
                        disposition: .will,
                        gatedBy: [],
                        onFailure: .abort
                    )
                ],
                caseID: "case-1"
            )
        ),
        .runLimitsChecked(.init(usage: PlaybookUsage(runsInLastHour: 3, openRuns: 1), over: "too many")),
        .runContainmentChecked(.init(joinedRun: "run-0", caseID: "case-1", outcome: .contained(steps: ["isolate"]))),
        .runContainmentChecked(.init(joinedRun: "run-0", caseID: nil, outcome: .notContained(reason: "gone"))),
        .runParked(.init(gate: "approve", reason: "awaiting approval")),
        .runResumed(.init(gate: "approve")),
        .runSucceeded(.init(failedSteps: ["notify"])),
        .runFailed(.init(reason: "tag failed", step: "tag", code: "AccessDenied", thenUndo: true)),
        .runRetried(.init(step: "tag", requestedBy: "arn:aws:iam::111122223333:user/runner")),
        .stepStarted(
            .init(
                step: "tag",
                attempt: 2,
                action: "ec2.tag",
                idempotencyKey: "run-1/tag/2",
                parameters: ["instance": "i-1"],
                mode: .dryRun
            )
        ),
        .stepSucceeded(.init(step: "tag", attempt: 1, result: result)),
        .stepFailed(.init(step: "tag", attempt: 1, failure: failure)),
        .stepFailed(.init(step: "tag", attempt: nil, failure: ActionFailure(.permanent, code: "Bad", message: "no"))),
        .stepSkipped(.init(step: "notify", reason: "condition is false", verdict: "would skip")),
        .stepPriorStateCaptured(.init(step: "tag", attempt: 1, priorState: ["tags": []])),
        .stepProbed(.init(step: "tag", attempt: 1, outcome: .done(result))),
        .stepProbed(.init(step: "tag", attempt: 1, outcome: .notDone)),
        .stepProbed(.init(step: "tag", attempt: 1, outcome: .failed(failure))),
        .approvalRequested(
            .init(
                gate: "approve",
                approvers: ["group:leads"],
                principals: ["arn:aws:iam::111122223333:role/lead"],
                minimumApprovals: 2,
                timeout: .seconds(900),
                requestedAt: "2026-12-07T10:00:00.000Z",
                expiresAt: "2026-12-07T10:15:00.000Z",
                message: "isolate i-1?",
                campaignWindow: .seconds(600)
            )
        ),
        .approvalGranted(decision),
        .approvalDenied(decision),
        .approvalExpired(.init(gate: "approve", at: "2026-12-07T10:15:00.000Z")),
        .approvalRefused(.init(decision: decision, verdict: .approve, reason: "the initiator cannot approve")),
        .undoStarted(.init(reason: "undo requested", requestedBy: "arn:aws:iam::111122223333:user/runner")),
        .undoStarted(.init(step: "tag", action: "ec2.tag")),
        .undoSucceeded(.init(step: "tag", action: "ec2.tag", changedNothing: true)),
        .undoFailed(.init(step: "tag", action: "ec2.tag", failure: failure)),
        .undoFailed(.init(failedSteps: ["tag"])),
    ]

    func record(_ event: RunEvent, sequence: Int64 = 7) -> JournalRecord {
        let entry = event.entry(runID: "run-1")
        return JournalRecord(
            sequence: sequence,
            recordedAt: "2026-12-07T10:00:00.000Z",
            runID: entry.runID,
            kind: entry.kind,
            payload: entry.payload,
            previousHash: JournalRecord.genesisHash,
            hash: ""
        )
    }

    @Test func everyKindReadsBackAsTheEventWritten() throws {
        #expect(Set(Self.events.map(\.kind)) == Set(RunEventKind.allCases))
        for event in Self.events {
            #expect(try RunEvent(record(event)) == event)
        }
    }

    @Test func payloadsKeepTheJournalsMemberNames() {
        // Records are hashed as written and the journal's queries read these members: the names are the format.
        #expect(
            RunEvent.stepSucceeded(.init(step: "tag", attempt: 1, result: Self.result)).payload == [
                "step": "tag", "attempt": 1, "outputs": ["snapshot_ids": ["snap-1"]], "requestIds": ["req-1"],
                "priorState": ["groups": ["sg-1"]], "verified": true, "dryRunVerdict": nil,
            ]
        )
        #expect(
            RunEvent.approvalGranted(Self.decision).payload == [
                "gate": "approve", "principal": "arn:aws:sts::111122223333:assumed-role/lead/ana",
                "approver": "arn:aws:iam::111122223333:role/lead", "comment": "go", "channel": "cli",
                "at": "2026-12-07T10:00:00.000Z", "campaignPlaybook": "contain",
            ]
        )
        // A run-level undo record has no `step` member at all: that absence is what marks it.
        #expect(RunEvent.undoFailed(.init(failedSteps: ["tag"])).payload == ["failedSteps": ["tag"]])
        #expect(RunEvent.runFailed(.init(reason: "r", step: nil, code: nil, thenUndo: false)).payload["undo"] == false)
    }

    @Test func recordsFromBeforeLaterMembersStillRead() throws {
        // An approval journaled before `approver`, `channel` and `requestedAt` were written.
        let requested = JournalRecord(
            sequence: 3,
            recordedAt: "2026-11-29T10:00:00.000Z",
            runID: "run-1",
            kind: "approval.requested",
            payload: [
                "gate": "approve", "principals": ["arn:aws:iam::111122223333:role/lead"], "minApprovals": 1,
                "expiresAt": "2026-11-29T10:15:00.000Z", "message": nil,
            ],
            previousHash: "",
            hash: ""
        )
        guard case .approvalRequested(let gate) = try RunEvent(requested) else {
            Issue.record("approval.requested read as another event")
            return
        }
        #expect(gate.requestedAt == nil)
        #expect(gate.timeout == nil)
        #expect(gate.campaignWindow == nil)
        let granted = JournalRecord(
            sequence: 4,
            recordedAt: "2026-11-29T10:01:00.000Z",
            runID: "run-1",
            kind: "approval.granted",
            payload: ["gate": "approve", "principal": "arn:aws:iam::111122223333:user/ana", "at": "t"],
            previousHash: "",
            hash: ""
        )
        guard case .approvalGranted(let decided) = try RunEvent(granted) else {
            Issue.record("approval.granted read as another event")
            return
        }
        #expect(decided.approver == nil)
        #expect(decided.channel == nil)
    }

    @Test func aRecordThatIsNotItsKindsEventIsRefusedByNumber() {
        #expect(throws: UnreadableEvent("record 7 has unknown kind 'step.teleported'")) {
            try RunEvent(
                JournalRecord(
                    sequence: 7,
                    recordedAt: "",
                    runID: "run-1",
                    kind: "step.teleported",
                    payload: [:],
                    previousHash: "",
                    hash: ""
                )
            )
        }
        var started = record(Self.events[9])
        started.payload = ["attempt": 1]
        #expect(throws: UnreadableEvent("step.started record 7 has no string 'step'")) { try RunEvent(started) }
    }
}
