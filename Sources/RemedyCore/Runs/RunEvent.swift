/// A fact a run journals, typed: what the executor appends and what every reader (the run's state, the terminal's
/// progress lines, the server's metrics, the exercise report) reads back, coded to and from a record's payload here
/// and nowhere else.
///
/// Payload member names are the journal's format: records are hashed as written, so a name never changes; a member
/// a later version adds is optional when read.
public enum RunEvent: Sendable, Hashable {
    case runCreated(RunDefinition)
    case runLimitsChecked(LimitsChecked)
    case runContainmentChecked(ContainmentChecked)
    case runParked(Parked)
    case runResumed(Resumed)
    case runSucceeded(Succeeded)
    case runFailed(Failed)
    case runRetried(Retried)
    case stepStarted(StepStarted)
    case stepSucceeded(StepSucceeded)
    case stepFailed(StepFailed)
    case stepSkipped(StepSkipped)
    case stepPriorStateCaptured(PriorStateCaptured)
    case stepProbed(StepProbed)
    case approvalRequested(ApprovalRequested)
    case approvalGranted(ApprovalDecided)
    case approvalDenied(ApprovalDecided)
    case approvalExpired(ApprovalExpired)
    case approvalRefused(ApprovalRefused)
    case undoStarted(Undo)
    case undoSucceeded(Undo)
    case undoFailed(Undo)

    public var kind: RunEventKind {
        switch self {
        case .runCreated: .runCreated
        case .runLimitsChecked: .runLimitsChecked
        case .runContainmentChecked: .runContainmentChecked
        case .runParked: .runParked
        case .runResumed: .runResumed
        case .runSucceeded: .runSucceeded
        case .runFailed: .runFailed
        case .runRetried: .runRetried
        case .stepStarted: .stepStarted
        case .stepSucceeded: .stepSucceeded
        case .stepFailed: .stepFailed
        case .stepSkipped: .stepSkipped
        case .stepPriorStateCaptured: .stepPriorStateCaptured
        case .stepProbed: .stepProbed
        case .approvalRequested: .approvalRequested
        case .approvalGranted: .approvalGranted
        case .approvalDenied: .approvalDenied
        case .approvalExpired: .approvalExpired
        case .approvalRefused: .approvalRefused
        case .undoStarted: .undoStarted
        case .undoSucceeded: .undoSucceeded
        case .undoFailed: .undoFailed
        }
    }

    /// The record's payload.
    public var payload: JSONValue {
        switch self {
        case .runCreated(let definition): definition.payload
        case .runLimitsChecked(let event): event.payload
        case .runContainmentChecked(let event): event.payload
        case .runParked(let event): event.payload
        case .runResumed(let event): event.payload
        case .runSucceeded(let event): event.payload
        case .runFailed(let event): event.payload
        case .runRetried(let event): event.payload
        case .stepStarted(let event): event.payload
        case .stepSucceeded(let event): event.payload
        case .stepFailed(let event): event.payload
        case .stepSkipped(let event): event.payload
        case .stepPriorStateCaptured(let event): event.payload
        case .stepProbed(let event): event.payload
        case .approvalRequested(let event): event.payload
        case .approvalGranted(let event), .approvalDenied(let event): event.payload
        case .approvalExpired(let event): event.payload
        case .approvalRefused(let event): event.payload
        case .undoStarted(let event), .undoSucceeded(let event), .undoFailed(let event): event.payload
        }
    }

    /// The step or approval gate the event is about; nil for what concerns the whole run.
    public var step: String? {
        switch self {
        case .runCreated, .runLimitsChecked, .runContainmentChecked, .runSucceeded: nil
        case .runParked(let event): event.gate
        case .runResumed(let event): event.gate
        case .runFailed(let event): event.step
        case .runRetried(let event): event.step
        case .stepStarted(let event): event.step
        case .stepSucceeded(let event): event.step
        case .stepFailed(let event): event.step
        case .stepSkipped(let event): event.step
        case .stepPriorStateCaptured(let event): event.step
        case .stepProbed(let event): event.step
        case .approvalRequested(let event): event.gate
        case .approvalGranted(let event), .approvalDenied(let event): event.gate
        case .approvalExpired(let event): event.gate
        case .approvalRefused(let event): event.decision.gate
        case .undoStarted(let event), .undoSucceeded(let event), .undoFailed(let event): event.step
        }
    }

    /// What to append for run `runID`.
    public func entry(runID: String) -> JournalEntry {
        JournalEntry(runID: runID, kind: kind.rawValue, payload: payload)
    }

    /// Reads a record back as the event it journals.
    public init(_ record: JournalRecord) throws(UnreadableEvent) {
        guard let kind = RunEventKind(rawValue: record.kind) else {
            throw UnreadableEvent("record \(record.sequence) has unknown kind '\(record.kind)'")
        }
        let payload = PayloadReader(record.payload, what: "\(record.kind) record \(record.sequence)")
        switch kind {
        case .runCreated:
            guard let runID = record.runID else { throw UnreadableEvent("run.created without a run id") }
            self = .runCreated(try RunDefinition(runID: runID, payload: record.payload))
        case .runLimitsChecked: self = .runLimitsChecked(LimitsChecked(payload))
        case .runContainmentChecked: self = .runContainmentChecked(try ContainmentChecked(payload))
        case .runParked: self = .runParked(Parked(payload))
        case .runResumed: self = .runResumed(Resumed(payload))
        case .runSucceeded: self = .runSucceeded(Succeeded(payload))
        case .runFailed: self = .runFailed(Failed(payload))
        case .runRetried: self = .runRetried(try Retried(payload))
        case .stepStarted: self = .stepStarted(try StepStarted(payload))
        case .stepSucceeded: self = .stepSucceeded(try StepSucceeded(payload))
        case .stepFailed: self = .stepFailed(try StepFailed(payload))
        case .stepSkipped: self = .stepSkipped(try StepSkipped(payload))
        case .stepPriorStateCaptured: self = .stepPriorStateCaptured(try PriorStateCaptured(payload))
        case .stepProbed: self = .stepProbed(try StepProbed(payload))
        case .approvalRequested: self = .approvalRequested(try ApprovalRequested(payload))
        case .approvalGranted: self = .approvalGranted(try ApprovalDecided(payload))
        case .approvalDenied: self = .approvalDenied(try ApprovalDecided(payload))
        case .approvalExpired: self = .approvalExpired(try ApprovalExpired(payload))
        case .approvalRefused: self = .approvalRefused(try ApprovalRefused(payload))
        case .undoStarted: self = .undoStarted(try Undo(payload))
        case .undoSucceeded: self = .undoSucceeded(try Undo(payload))
        case .undoFailed: self = .undoFailed(try Undo(payload))
        }
    }
}

/// The kinds of journal records a run writes: past-tense facts.
public enum RunEventKind: String, Sendable, Hashable, CaseIterable {
    /// A finding was accepted and a run created for it (with the dedupe key).
    case runCreated = "run.created"
    case stepStarted = "step.started"
    case stepSucceeded = "step.succeeded"
    case stepFailed = "step.failed"
    case stepSkipped = "step.skipped"
    /// A step's action captured the prior state it needs for undo, before its first mutating call.
    case stepPriorStateCaptured = "step.prior_state_captured"
    /// A probe settled a step left in doubt by a crash.
    case stepProbed = "step.probed"
    case approvalRequested = "approval.requested"
    case approvalGranted = "approval.granted"
    case approvalDenied = "approval.denied"
    case approvalExpired = "approval.expired"
    /// Someone tried to decide and was refused (not an approver, the initiator, too late): kept for the audit.
    case approvalRefused = "approval.refused"
    /// The run waits (for approvals, or over a playbook limit) and can be resumed.
    case runParked = "run.parked"
    /// The playbook's limits were checked when the run started: within them, or over (the run then waits for approval).
    case runLimitsChecked = "run.limits_checked"
    case runResumed = "run.resumed"
    case runSucceeded = "run.succeeded"
    case runFailed = "run.failed"
    /// A responder asked a failed run to go on from its failed step (`remedy resume --retry-failed`).
    case runRetried = "run.retried"
    /// A run that joined a case checked whether the case's earlier containment still holds.
    case runContainmentChecked = "run.containment_checked"
    case undoStarted = "undo.started"
    case undoSucceeded = "undo.succeeded"
    case undoFailed = "undo.failed"
}
