import RemedyAWS
import RemedyCore

extension EnableKeyRotation: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let key = try parameters.string("key")
        let kms = try context.clients.kms()
        let wasEnabled = try await readingCall { () async throws(AWSError) in try await kms.isKeyRotationEnabled(key) }
        if !wasEnabled {
            try await mutatingCall { () async throws(AWSError) in try await kms.enableKeyRotation(key) }
        }
        return ActionResult(priorState: ["rotation_enabled": .bool(wasEnabled)])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let key = try parameters.string("key")
        let kms = try context.clients.kms()
        let enabled = try await readingCall { () async throws(AWSError) in try await kms.isKeyRotationEnabled(key) }
        return enabled ? .done(ActionResult(verified: true)) : .notDone
    }

    /// Turns rotation off again only when the step turned it on.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard priorState["rotation_enabled"]?.boolValue == false else { return }
        let key = try parameters.string("key")
        let kms = try context.clients.kms()
        try await mutatingCall { () async throws(AWSError) in try await kms.disableKeyRotation(key) }
    }
}
