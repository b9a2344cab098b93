import RemedyAWS
import RemedyCore

/// Turns on EBS encryption by default in the region (EC2.7); undo turns it off only if it was off before.
extension EnableEBSEncryptionByDefault: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let ec2 = try context.clients.ec2()
        let wasEnabled = try await readingCall { () async throws(AWSError) in try await ec2.getEbsEncryptionByDefault()
        }
        if !wasEnabled {
            try await mutatingCall { () async throws(AWSError) in try await ec2.enableEbsEncryptionByDefault() }
        }
        return ActionResult(priorState: ["enabled": .bool(wasEnabled)])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let ec2 = try context.clients.ec2()
        let enabled = try await readingCall { () async throws(AWSError) in try await ec2.getEbsEncryptionByDefault() }
        return enabled ? .done(ActionResult(verified: true)) : .notDone
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard priorState["enabled"]?.boolValue == false else { return }
        let ec2 = try context.clients.ec2()
        try await mutatingCall { () async throws(AWSError) in try await ec2.disableEbsEncryptionByDefault() }
    }
}
