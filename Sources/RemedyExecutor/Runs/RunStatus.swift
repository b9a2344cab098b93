import RemedyCore

/// Where a run stands: a closed set, in two groups.
public enum RunStatus: String, Sendable, Hashable, CaseIterable {
    /// Created; no step has been decided yet.
    case pending
    case running
    /// Waiting for approvals (or over a limit); a decision or `resume` moves it on.
    case parked
    case succeeded
    case failed
    /// Reversing the run's completed reversible steps, newest first.
    case undoing
    case undone
    /// Undo ended with at least one step it could not reverse.
    case undoFailed = "undo-failed"

    public enum Group: String, Sendable, Hashable {
        /// The run has work left; `resumeAll` continues it.
        case active
        /// Nothing is left to do unless someone asks for an undo.
        case completed
    }

    public var group: Group {
        switch self {
        case .pending, .running, .parked, .undoing: .active
        case .succeeded, .failed, .undone, .undoFailed: .completed
        }
    }

    public var isActive: Bool { group == .active }

    /// The status after a record of `kind`, or nil when the journal cannot hold that record in this status.
    ///
    /// `runLevel` tells run-level `undo.*` records (no `step`) from those of one step; `undoRequested` marks a
    /// `run.failed` whose step said `on_failure: undo`.
    func after(_ kind: RunEventKind, runLevel: Bool, undoRequested: Bool) -> RunStatus? {
        switch (self, kind) {
        case (_, .runCreated): nil
        case (.pending, .stepStarted), (.pending, .stepSkipped), (.pending, .stepFailed),
            (.pending, .approvalRequested), (.pending, .runLimitsChecked), (.pending, .runContainmentChecked):
            .running
        case (.running, .stepStarted), (.running, .stepSucceeded), (.running, .stepFailed),
            (.running, .stepSkipped), (.running, .stepProbed), (.running, .approvalRequested),
            (.running, .approvalGranted), (.running, .approvalDenied), (.running, .approvalExpired):
            .running
        case (.pending, .runParked), (.running, .runParked): .parked
        case (.parked, .approvalGranted), (.parked, .approvalDenied), (.parked, .approvalExpired): .parked
        case (.parked, .runResumed): .running
        case (.pending, .runSucceeded), (.running, .runSucceeded): .succeeded
        case (.pending, .runFailed), (.running, .runFailed), (.parked, .runFailed):
            undoRequested ? .undoing : .failed
        case (.failed, .runRetried): .running
        case (.succeeded, .undoStarted), (.failed, .undoStarted), (.undoFailed, .undoStarted):
            runLevel ? .undoing : nil
        case (.undoing, .undoStarted): .undoing
        case (.undoing, .undoSucceeded): runLevel ? .undone : .undoing
        case (.undoing, .undoFailed): runLevel ? .undoFailed : .undoing
        // A refused decision is on record for the audit; it changes nothing.
        case (let status, .approvalRefused): status
        // Journaled from inside a call, which a step's deadline may have abandoned while the run moved on.
        case (let status, .stepPriorStateCaptured): status
        default: nil
        }
    }
}
