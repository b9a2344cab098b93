import RemedyAWS
import RemedyCore

extension ThrottleLambda: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let function = try parameters.string("function")
        let lambda = try context.clients.lambda()
        let before = try await readingCall { () async throws(AWSError) in try await lambda.functionConcurrency(function)
        }
        try await mutatingCall { () async throws(AWSError) in
            try await lambda.putFunctionConcurrency(function, reserved: 0)
        }
        let prior = before.map { JSONValue.number(Double($0)) } ?? .null
        return ActionResult(outputs: ["previous_concurrency": prior], priorState: ["reserved_concurrency": prior])
    }

    /// Done when the function's reserved concurrency is 0.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let function = try parameters.string("function")
        let lambda = try context.clients.lambda()
        let current = try await readingCall { () async throws(AWSError) in
            try await lambda.functionConcurrency(function)
        }
        return current == 0 ? .done(ActionResult(verified: true)) : .notDone
    }

    /// Restores the prior reserved concurrency, or removes the reservation when there was none.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let function = try parameters.string("function")
        let lambda = try context.clients.lambda()
        guard let prior = priorState["reserved_concurrency"]?.doubleValue else {
            try await mutatingCall { () async throws(AWSError) in try await lambda.deleteFunctionConcurrency(function) }
            return
        }
        try await mutatingCall { () async throws(AWSError) in
            try await lambda.putFunctionConcurrency(function, reserved: Int(prior))
        }
    }
}
