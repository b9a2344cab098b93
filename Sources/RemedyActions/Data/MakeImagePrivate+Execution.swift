import RemedyAWS
import RemedyCore

/// Removes the group `all` from an AMI's launch permission; undo makes it public again.
extension MakeImagePrivate: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let imageID = try parameters.string("image")
        let ec2 = try context.clients.ec2()
        let wasPublic = try await isPublic(imageID, ec2)
        if wasPublic {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.changeImageLaunchPermission(imageID, .remove, groups: ["all"])
            }
        }
        return ActionResult(priorState: ["public": .bool(wasPublic)])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        try await isPublic(try parameters.string("image"), try context.clients.ec2())
            ? .notDone : .done(ActionResult(verified: true))
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard priorState["public"]?.boolValue == true else { return }
        let imageID = try parameters.string("image")
        let ec2 = try context.clients.ec2()
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.changeImageLaunchPermission(imageID, .add, groups: ["all"])
        }
    }

    static func isPublic(_ imageID: String, _ ec2: EC2Client) async throws(ActionFailure) -> Bool {
        try await readingCall { () async throws(AWSError) in
            try await ec2.imageLaunchPermissions(imageID).groups.contains("all")
        }
    }
}
