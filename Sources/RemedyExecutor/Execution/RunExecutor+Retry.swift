import RemedyCore

extension RunExecutor {
    /// Continues a failed run from its failed step (`remedy resume --retry-failed RUN`), after a transient error or
    /// once its cause (a missing permission, a throttled account) is fixed.
    ///
    /// `run.retried` forgives the step's spent attempts; a call left in doubt is probed again before anything is
    /// repeated, and completed steps are not repeated. See `RunState.stepToRetry` for what cannot be retried.
    public func retryFailed(runID: String, requestedBy: String) async throws -> RunReport {
        try await withRun(runID) { machine in
            let step = try machine.state.stepToRetry()
            try hold(.runRetried(.init(step: step, requestedBy: requestedBy)), in: &machine)
            try await advance(&machine)
        }
    }
}
