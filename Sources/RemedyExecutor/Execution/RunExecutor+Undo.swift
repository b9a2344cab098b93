import RemedyCore

extension RunExecutor {
    /// Reverses a completed run's completed reversible steps, newest first (`remedy undo RUN`).
    ///
    /// Each step is restored from the prior state its journal captured. Journaled like any run: `undo.started`, then per step `undo.started` and
    /// `undo.succeeded` or `undo.failed`, then a run-level `undo.succeeded` or `undo.failed`.
    public func undo(runID: String, requestedBy: String) async throws -> RunReport {
        try await withRun(runID) { machine in
            let state = machine.state
            guard state.definition.mode == .live else {
                throw RunError.notUndoable(runID, "a dry-run changed nothing")
            }
            switch state.status {
            case .succeeded, .failed, .undoFailed:
                break
            case .undone:
                throw RunError.notUndoable(runID, "it is already undone")
            case .pending, .running, .parked, .undoing:
                throw RunError.notUndoable(runID, "it is still \(state.status.rawValue); wait for it to complete")
            }
            try hold(.undoStarted(.init(reason: "undo requested", requestedBy: requestedBy)), in: &machine)
            try await advance(&machine)
        }
    }
}
