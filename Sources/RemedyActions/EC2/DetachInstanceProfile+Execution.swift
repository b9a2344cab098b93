import RemedyAWS
import RemedyCore

/// Takes the instance's role away: disassociates its instance profile. The profile's ARN is journaled first
/// (`step.prior_state_captured`), so a probe after a crash still knows what was removed (for undo and for the role
/// name). It is not written to the instance: whoever controls the instance could change a tag there, and undo would
/// then attach the profile they named.
extension DetachInstanceProfile: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        guard let association = try await activeAssociation(of: instanceID, ec2) else {
            // No profile: nothing changed, and the outputs are null ("nothing there"), so `!= null` guards hold.
            return ActionResult(outputs: ["instance_profile_arn": .null, "role_name": .null])
        }
        // Read before any change, so a failing lookup cannot fail the step after the profile is gone.
        let detached = try await result(profileARN: association.profileARN, context)
        if context.request.capturedPriorState == nil, let prior = detached.priorState {
            try await context.recordPriorState(prior)
        }
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.disassociateIamInstanceProfile(associationID: association.associationID)
        }
        return detached
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        guard try await activeAssociation(of: instanceID, ec2) == nil else { return .notDone }
        guard let recorded = context.request.capturedPriorState?["instance_profile_arn"]?.stringValue else {
            // Nothing was captured, so the crash came before any change: the instance had no profile.
            return .done(
                ActionResult(outputs: ["instance_profile_arn": .null, "role_name": .null], verified: true)
            )
        }
        var done = try await result(profileARN: recorded, context)
        done.verified = true
        return .done(done)
    }

    /// `DisassociateIamInstanceProfile` answers with the association still `disassociating`: the read-back is of
    /// the association alone, since the role's name is already in the result.
    public static func verify(
        _ parameters: ActionParameters,
        result: ActionResult,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> Bool
    {
        try await activeAssociation(of: try parameters.string("instance"), try context.clients.ec2()) == nil
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let instanceID = try parameters.string("instance")
        guard let profileARN = priorState["instance_profile_arn"]?.stringValue, !profileARN.isEmpty else { return }
        let ec2 = try context.clients.ec2()
        if let current = try await activeAssociation(of: instanceID, ec2) {
            guard current.profileARN != profileARN else { return }
            throw ActionFailure(
                .permanent,
                code: "InstanceProfileInUse",
                message: "instance \(instanceID) has another profile now (\(current.profileARN)); "
                    + "disassociate it first to restore \(profileARN)"
            )
        }
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.associateIamInstanceProfile(instanceID: instanceID, profileARN: profileARN)
        }
    }

    static func activeAssociation(
        of instanceID: String,
        _ ec2: EC2Client
    ) async throws(ActionFailure)
        -> (associationID: String, profileARN: String)?
    {
        let associations = try await readingCall { () async throws(AWSError) in
            try await ec2.describeIamInstanceProfileAssociations(instanceID: instanceID)
        }
        return associations.first { $0.state == "associated" || $0.state == "associating" }
            .map { ($0.associationID, $0.profileARN) }
    }

    /// The outputs and prior state for a removed profile: its ARN and its role's name (for revoking sessions).
    static func result(profileARN: String, _ context: ActionContext) async throws(ActionFailure) -> ActionResult {
        var roleName: String?
        // arn:aws:iam::123456789012:instance-profile/path/name: the name is the last path segment.
        if let name = profileARN.split(separator: "/").last, profileARN.contains(":instance-profile/") {
            let iam = try context.clients.iam()
            roleName = try await readingCall { () async throws(AWSError) in
                try await iam.instanceProfileRoles(String(name))
            }.first
        }
        return ActionResult(
            outputs: [
                "instance_profile_arn": .string(profileARN), "role_name": roleName.map(JSONValue.string) ?? .null,
            ],
            priorState: ["instance_profile_arn": .string(profileARN)]
        )
    }
}
