import RemedyAWS
import RemedyCore

/// Revokes every ingress and egress rule of a VPC's default security group (EC2.2). Refuses any other group: the
/// parameter comes from a finding, and emptying an arbitrary group would cut its traffic.
extension EmptyDefaultSecurityGroup: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let groupID = try parameters.string("security_group")
        let ec2 = try context.clients.ec2()
        let group = try await defaultGroup(groupID, ec2)
        if !group.ingress.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.revokeIngress(groupID: groupID, permissions: group.ingress)
            }
        }
        if !group.egress.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.revokeEgress(groupID: groupID, permissions: group.egress)
            }
        }
        let rules =
            group.ingress.map { labelled($0, "ingress") } + group.egress.map { labelled($0, "egress") }
        let prior: JSONValue = [
            "ingress": .array(group.ingress.map(\.json)), "egress": .array(group.egress.map(\.json)),
        ]
        return ActionResult(outputs: ["revoked_rules": .array(rules)], priorState: prior)
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let group = try await defaultGroup(try parameters.string("security_group"), try context.clients.ec2())
        guard group.ingress.isEmpty, group.egress.isEmpty else { return .notDone }
        return .done(ActionResult(outputs: ["revoked_rules": []], verified: true))
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let groupID = try parameters.string("security_group")
        let ec2 = try context.clients.ec2()
        let ingress = IPPermission.permissions(from: priorState["ingress"])
        let egress = IPPermission.permissions(from: priorState["egress"])
        if !ingress.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.authorizeIngress(groupID: groupID, permissions: ingress)
            }
        }
        if !egress.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.authorizeEgress(groupID: groupID, permissions: egress)
            }
        }
    }

    /// A rule with its direction, as the `revoked_rules` output lists it.
    static func labelled(_ rule: IPPermission, _ direction: String) -> JSONValue {
        var object = rule.json.objectValue ?? [:]
        object["direction"] = .string(direction)
        return .object(object)
    }

    static func defaultGroup(_ groupID: String, _ ec2: EC2Client) async throws(ActionFailure) -> EC2SecurityGroup {
        let groups = try await readingCall { () async throws(AWSError) in
            try await ec2.describeSecurityGroups(ids: [groupID])
        }
        guard let group = groups.first else {
            throw ActionFailure(
                .permanent,
                code: "InvalidGroup.NotFound",
                message: "security group \(groupID) does not exist"
            )
        }
        guard group.name == "default" else {
            throw ActionFailure(
                .permanent,
                code: "NotDefaultGroup",
                message: "security group \(groupID) is '\(group.name)', not a VPC's default group; it was left as is"
            )
        }
        return group
    }
}
