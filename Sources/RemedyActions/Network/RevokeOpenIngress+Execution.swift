import RemedyAWS
import RemedyCore

/// Revokes the world-open part (0.0.0.0/0, ::/0) of ingress rules, on the given ports or all; other ranges and
/// groups on the same rules stay. Undo authorizes exactly what was revoked.
extension RevokeOpenIngress: ExecutableAction {
    static let worldIPv4 = "0.0.0.0/0"
    static let worldIPv6 = "::/0"

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let groupID = try parameters.string("security_group")
        let ec2 = try context.clients.ec2()
        let open = try await openRules(groupID, ports: ports(parameters), ec2)
        if !open.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.revokeIngress(groupID: groupID, permissions: open)
            }
        }
        let revoked = JSONValue.array(open.map(\.json))
        return ActionResult(outputs: ["revoked_rules": revoked], priorState: ["revoked_rules": revoked])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let groupID = try parameters.string("security_group")
        let open = try await openRules(groupID, ports: ports(parameters), try context.clients.ec2())
        return open.isEmpty ? .done(ActionResult(outputs: ["revoked_rules": []], verified: true)) : .notDone
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let rules = IPPermission.permissions(from: priorState["revoked_rules"])
        guard !rules.isEmpty else { return }
        let groupID = try parameters.string("security_group")
        let ec2 = try context.clients.ec2()
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.authorizeIngress(groupID: groupID, permissions: rules)
        }
    }

    static func ports(_ parameters: ActionParameters) -> [Int]? {
        parameters.values["ports"]?.arrayValue?.compactMap { $0.integerValue }
    }

    /// The world-open ranges of the group's ingress rules covering any of `ports` (every rule when nil), each rule
    /// reduced to those ranges.
    static func openRules(
        _ groupID: String,
        ports: [Int]?,
        _ ec2: EC2Client
    ) async throws(ActionFailure)
        -> [IPPermission]
    {
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
        return group.ingress.compactMap { rule in
            if let ports, !ports.contains(where: rule.covers(port:)) { return nil }
            let open = IPPermission(
                ipProtocol: rule.ipProtocol,
                fromPort: rule.fromPort,
                toPort: rule.toPort,
                ipv4Ranges: rule.ipv4Ranges.filter { $0 == worldIPv4 },
                ipv6Ranges: rule.ipv6Ranges.filter { $0 == worldIPv6 }
            )
            return open.isEmpty ? nil : open
        }
    }
}
