import RemedyAWS
import RemedyCore

extension MakeDBInstancePrivate: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let identifier = try parameters.identifier("instance", .dbInstanceIdentifier)
        let rds = try context.clients.rds()
        let instance = try await readingCall { () async throws(AWSError) in try await rds.instance(identifier) }
        let outputs: [String: JSONValue] = [
            "was_public": .bool(instance.isPubliclyAccessible),
            "security_groups": .array(instance.securityGroupIDs.map(JSONValue.string)),
        ]
        // Already private: nothing changes, and there is nothing to undo.
        guard instance.isPubliclyAccessible else { return ActionResult(outputs: outputs) }
        try await context.recordPriorState(["publicly_accessible": true])
        try await mutatingCall { () async throws(AWSError) in try await rds.setPubliclyAccessible(identifier, false) }
        return ActionResult(outputs: outputs, priorState: ["publicly_accessible": true])
    }

    /// Done when the instance reports no public accessibility (RDS applies the change while the instance is
    /// `modifying`; the setting reads back at once).
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let identifier = try parameters.identifier("instance", .dbInstanceIdentifier)
        let rds = try context.clients.rds()
        let instance = try await readingCall { () async throws(AWSError) in try await rds.instance(identifier) }
        guard !instance.isPubliclyAccessible else { return .notDone }
        return .done(
            ActionResult(
                outputs: [
                    "was_public": .null,
                    "security_groups": .array(instance.securityGroupIDs.map(JSONValue.string)),
                ],
                verified: true
            )
        )
    }

    /// Gives the public endpoint back when the instance had one.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard priorState["publicly_accessible"]?.boolValue == true else { return }
        let identifier = try parameters.identifier("instance", .dbInstanceIdentifier)
        let rds = try context.clients.rds()
        try await mutatingCall { () async throws(AWSError) in try await rds.setPubliclyAccessible(identifier, true) }
    }
}
