import RemedyCore

/// Performs actions for the exercise's executor through the real catalogue invoker, telling the simulated account
/// which run and step its calls belong to.
struct ExerciseInvoker: ActionInvoker {
    let base: any ActionInvoker

    func execute(
        _ request: ActionRequest,
        recordingPriorState record: @escaping PriorStateRecorder
    ) async throws(ActionFailure) -> ActionResult {
        try await attributed(request) { () async throws(ActionFailure) in
            try await base.execute(request, recordingPriorState: record)
        }
    }

    func probe(_ request: ActionRequest) async throws(ActionFailure) -> ProbeResult {
        try await attributed(request) { () async throws(ActionFailure) in try await base.probe(request) }
    }

    func undo(_ request: ActionRequest, priorState: JSONValue) async throws(ActionFailure) {
        try await attributed(request) { () async throws(ActionFailure) in
            try await base.undo(request, priorState: priorState)
        }
    }

    private func attributed<Value: Sendable>(
        _ request: ActionRequest,
        _ body: () async throws(ActionFailure) -> Value
    ) async throws(ActionFailure) -> Value {
        let outcome = await CallAttribution.$current.withValue(
            CallAttribution(runID: request.runID, stepID: request.stepID)
        ) { () async -> Result<Value, ActionFailure> in
            do throws(ActionFailure) {
                return .success(try await body())
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}
