import RemedyAWS
import RemedyCore

/// Not reversible: the old value stays as `AWSPREVIOUS`, but a leaked secret is not one to restore.
///
/// The `ClientRequestToken` is derived from the step's idempotency key and becomes the new version's id, so the
/// probe recognises this step's rotation among the secret's versions.
extension RotateSecret: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let secret = try parameters.string("secret")
        let secrets = try context.clients.secretsManager()
        let token = IdempotencyToken.uuid(context.request.idempotencyKey)
        // Read first so a dry-run checks the secret exists; the rotation itself is refused unsent there.
        _ = try await readingCall { () async throws(AWSError) in try await secrets.describeSecret(secret) }
        let version = try await mutatingCall { () async throws(AWSError) in
            try await secrets.rotateSecret(secret, clientRequestToken: token)
        }
        return ActionResult(outputs: ["version_id": .string(version.isEmpty ? token : version)])
    }

    /// Done when the secret has a version with this step's token (AWSPENDING while the rotation function runs).
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let token = IdempotencyToken.uuid(context.request.idempotencyKey)
        let stages = try await versionStages(parameters, context)
        guard stages[token] != nil else { return .notDone }
        return .done(ActionResult(outputs: ["version_id": .string(token)], verified: true))
    }

    /// The rotation finished: this step's version is the current one.
    public static func verify(
        _ parameters: ActionParameters,
        result: ActionResult,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> Bool
    {
        guard let version = result.outputs["version_id"]?.stringValue else { return false }
        return try await versionStages(parameters, context)[version]?.contains("AWSCURRENT") == true
    }

    static func versionStages(
        _ parameters: ActionParameters,
        _ context: ActionContext
    ) async throws(ActionFailure)
        -> [String: [String]]
    {
        let secret = try parameters.string("secret")
        let secrets = try context.clients.secretsManager()
        return try await readingCall { () async throws(AWSError) in try await secrets.describeSecret(secret) }
            .versionStages
    }
}
