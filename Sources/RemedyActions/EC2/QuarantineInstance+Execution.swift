import RemedyAWS
import RemedyCore

/// The two-stage swap (CONTAINMENT.md): security groups do not cut tracked connections, so every interface first
/// moves to a group allowing all traffic (making every flow untracked), then to the isolation group with no rules.
extension QuarantineInstance: ExecutableAction {
    static let untrackGroupName = "remedy-untrack"
    /// Where the original groups are written before the swap, so a probe after a crash can still undo.
    static let originalGroupsTag = "remedy:original-groups"

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        let instance = try await TagInstance.instance(instanceID, ec2)
        guard let vpcID = instance.vpcID else {
            throw ActionFailure(.permanent, code: "NotInVPC", message: "instance \(instanceID) is not in a VPC")
        }
        let isolation = try await group(
            named: try parameters.string("isolation_group_name"),
            in: vpcID,
            rules: [],
            ec2,
            context
        )
        let untrack = try await group(named: untrackGroupName, in: vpcID, rules: [.allTraffic], ec2, context)
        let original = originalGroups(of: instance)
        try await aws(true) { () async throws(AWSError) in
            try await ec2.createTags(resources: [instanceID], tags: [originalGroupsTag: encode(original)])
        }
        for target in [untrack, isolation] {
            try await moveInterfaces(of: instance, to: target, ec2)
        }
        let outputs: [String: JSONValue] = [
            "isolation_group": .string(isolation),
            "original_groups": .object(original.mapValues { .array($0.map(JSONValue.string)) }),
        ]
        return ActionResult(
            outputs: outputs,
            priorState: ["original_groups": outputs["original_groups"] ?? [:]]
        )
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let ec2 = try context.clients.ec2()
        let instance = try await TagInstance.instance(try parameters.string("instance"), ec2)
        guard let vpcID = instance.vpcID,
            let isolation = try await existingGroup(
                named: try parameters.string("isolation_group_name"),
                in: vpcID,
                ec2
            ),
            isIsolated(instance, in: isolation),
            let original = instance.tags[originalGroupsTag].map(decode)
        else { return .notDone }
        let groups = JSONValue.object(original.mapValues { .array($0.map(JSONValue.string)) })
        return .done(
            ActionResult(
                outputs: ["isolation_group": .string(isolation), "original_groups": groups],
                priorState: ["original_groups": groups],
                verified: true
            )
        )
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        let instance = try await TagInstance.instance(instanceID, ec2)
        let original =
            priorState["original_groups"]?.objectValue?.mapValues { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
            ?? [:]
        for interface in instance.networkInterfaces {
            guard let groups = original[interface.id], !groups.isEmpty else { continue }
            try await setGroups(
                of: interface.id,
                primary: isPrimary(interface, of: instance),
                instanceID: instanceID,
                groups: groups,
                ec2
            )
        }
    }

    // MARK: Steps

    static func originalGroups(of instance: EC2Instance) -> [String: [String]] {
        var groups: [String: [String]] = [:]
        for interface in instance.networkInterfaces { groups[interface.id] = interface.securityGroupIDs }
        if groups.isEmpty { groups["instance"] = instance.securityGroupIDs }
        return groups
    }

    static func moveInterfaces(of instance: EC2Instance, to group: String, _ ec2: EC2Client) async throws(ActionFailure)
    {
        if instance.networkInterfaces.isEmpty {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.modifyInstanceGroups(instanceID: instance.id, groupIDs: [group])
            }
        }
        for interface in instance.networkInterfaces {
            try await setGroups(
                of: interface.id,
                primary: isPrimary(interface, of: instance),
                instanceID: instance.id,
                groups: [group],
                ec2
            )
        }
    }

    /// The primary interface is changed through the instance (what DescribeInstances reports); others directly.
    static func setGroups(
        of interfaceID: String,
        primary: Bool,
        instanceID: String,
        groups: [String],
        _ ec2: EC2Client
    )
        async throws(ActionFailure)
    {
        if primary {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.modifyInstanceGroups(instanceID: instanceID, groupIDs: groups)
            }
        } else {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.modifyNetworkInterfaceGroups(interfaceID: interfaceID, groupIDs: groups)
            }
        }
    }

    static func isPrimary(_ interface: EC2Instance.NetworkInterface, of instance: EC2Instance) -> Bool {
        interface.id == instance.networkInterfaces.first?.id
    }

    static func isIsolated(_ instance: EC2Instance, in isolation: String) -> Bool {
        instance.securityGroupIDs == [isolation]
    }

    /// Finds the group by name in the VPC, or creates it with exactly `rules` as egress (and as ingress for the
    /// allow-all group).
    static func group(
        named name: String,
        in vpcID: String,
        rules: [IPPermission],
        _ ec2: EC2Client,
        _ context: ActionContext
    ) async throws(ActionFailure) -> String {
        if let existing = try await existingGroup(named: name, in: vpcID, ec2) { return existing }
        let id = try await aws(true) { () async throws(AWSError) in
            try await ec2.createSecurityGroup(
                name: name,
                description: rules.isEmpty ? "remedy isolation: no traffic" : "remedy: all traffic, untracked",
                vpcID: vpcID,
                tags: ["remedy:managed": "true"]
            )
        }
        // A new group allows all egress; the isolation group must allow nothing.
        if rules.isEmpty {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.revokeEgress(groupID: id, permissions: [.allTraffic])
            }
        } else {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.authorizeIngress(groupID: id, permissions: rules)
            }
        }
        return id
    }

    static func existingGroup(
        named name: String,
        in vpcID: String,
        _ ec2: EC2Client
    ) async throws(ActionFailure) -> String? {
        try await aws { () async throws(AWSError) in
            try await ec2.describeSecurityGroups(filters: ["group-name": [name], "vpc-id": [vpcID]]).first?.id
        }
    }

    /// `eni-1=sg-a,sg-b;eni-2=sg-c`: compact enough for a tag value (256 characters).
    static func encode(_ groups: [String: [String]]) -> String {
        groups.keys.sorted().map { "\($0)=\(groups[$0, default: []].joined(separator: ","))" }.joined(separator: ";")
    }

    static func decode(_ text: String) -> [String: [String]] {
        var groups: [String: [String]] = [:]
        for entry in text.split(separator: ";") {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            groups[String(parts[0])] = parts[1].split(separator: ",").map(String.init)
        }
        return groups
    }
}
