import RemedyAWS
import RemedyCore

/// Not reversible: IAM never returns a password, so a deleted one cannot be put back (a new one would have to be
/// issued to the user).
extension DeleteLoginProfile: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let user = try parameters.string("user")
        let iam = try context.clients.iam()
        let had = try await readingCall { () async throws(AWSError) in try await iam.hasLoginProfile(user: user) }
        if had {
            do {
                try await iam.deleteLoginProfile(user: user)
            } catch  where error.code == "NoSuchEntity" {
                // Deleted since the read: the post-condition holds.
            } catch {
                throw ActionFailure(error, isMutating: true)
            }
        }
        return ActionResult(outputs: ["had_login_profile": .bool(had)])
    }

    /// Done when the user has no console password: the target state.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let user = try parameters.string("user")
        let iam = try context.clients.iam()
        let has = try await readingCall { () async throws(AWSError) in try await iam.hasLoginProfile(user: user) }
        // Whether there was one before cannot be known afterwards; the output says what the probe can vouch for.
        return has ? .notDone : .done(ActionResult(outputs: ["had_login_profile": .bool(false)], verified: true))
    }
}
