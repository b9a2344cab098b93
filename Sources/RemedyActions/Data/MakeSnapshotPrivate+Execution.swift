import RemedyAWS
import RemedyCore

/// Removes the group `all` from a snapshot's create-volume permission (EC2.1); undo makes it public again.
extension MakeSnapshotPrivate: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let snapshotID = try parameters.string("snapshot")
        let ec2 = try context.clients.ec2()
        let wasPublic = try await readingCall { () async throws(AWSError) in try await ec2.isSnapshotPublic(snapshotID)
        }
        if wasPublic {
            try await mutatingCall { () async throws(AWSError) in try await ec2.makeSnapshotPrivate(snapshotID) }
        }
        return ActionResult(priorState: ["public": .bool(wasPublic)])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let snapshotID = try parameters.string("snapshot")
        let ec2 = try context.clients.ec2()
        let isPublic = try await readingCall { () async throws(AWSError) in try await ec2.isSnapshotPublic(snapshotID) }
        return isPublic ? .notDone : .done(ActionResult(verified: true))
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard priorState["public"]?.boolValue == true else { return }
        let snapshotID = try parameters.string("snapshot")
        let ec2 = try context.clients.ec2()
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.changeSnapshotPermissions(snapshotID, .add, groups: ["all"])
        }
    }
}
