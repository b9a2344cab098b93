// Over 400 lines: one simulated service, every EC2 operation the clients send, sharing this file's state helpers.
import Foundation
import RemedyCore

/// EC2 (`ec2` protocol): instances, security groups, snapshots, images, instance profile associations.
extension SimulatedAccount {
    func ec2(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        switch operation {
        case "DescribeInstances": return try describeInstances(form)
        case "DescribeSecurityGroups": return try describeSecurityGroups(form)
        case "CreateSecurityGroup": return try createSecurityGroup(form)
        case "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress":
            return try changeRules(operation, form)
        case "ModifyInstanceAttribute": return try modifyInstanceAttribute(form)
        case "ModifyNetworkInterfaceAttribute": return try modifyNetworkInterfaceAttribute(form)
        case "DescribeInstanceAttribute": return try describeInstanceAttribute(form)
        case "CreateTags", "DeleteTags": return try changeTags(operation, form)
        case "DescribeTags": return describeTags(form)
        case "DescribeNetworkInterfaces": return describeNetworkInterfaces(form)
        case "DeleteSecurityGroup": return try deleteSecurityGroup(form)
        case "CreateSnapshots": return try createSnapshots(form)
        case "DescribeSnapshots": return describeSnapshots(form)
        case "DescribeSnapshotAttribute": return try describeSnapshotAttribute(form)
        case "ModifySnapshotAttribute": return try modifySnapshotAttribute(form)
        case "DescribeImageAttribute": return try describeImageAttribute(form)
        case "ModifyImageAttribute": return try modifyImageAttribute(form)
        case "DescribeIamInstanceProfileAssociations": return describeProfileAssociations(form)
        case "DisassociateIamInstanceProfile": return try disassociateProfile(form)
        case "AssociateIamInstanceProfile": return try associateProfile(form)
        case "ModifyInstanceMetadataOptions": return try modifyMetadataOptions(form)
        case "StopInstances", "StartInstances": return try changeInstanceState(operation, form)
        default: throw .unsupported("ec2", operation)
        }
    }

    // MARK: Instances

    func instance(_ id: String?) throws(AWSFault) -> AccountState.Instance {
        guard let id, !id.isEmpty else {
            throw AWSFault(400, "MissingParameter", "The request must contain the parameter InstanceId")
        }
        guard id.hasPrefix("i-") else { throw AWSFault(400, "InvalidInstanceID.Malformed", "Invalid id: \"\(id)\"") }
        guard let instance = state.instances[id] else {
            throw AWSFault(400, "InvalidInstanceID.NotFound", "The instance ID '\(id)' does not exist")
        }
        return instance
    }

    /// Refuses changes to an instance that is gone, as EC2 does.
    func changeableInstance(_ id: String?) throws(AWSFault) -> AccountState.Instance {
        let instance = try instance(id)
        if instance.state == "terminated" || instance.state == "shutting-down" {
            throw AWSFault(
                400,
                "IncorrectInstanceState",
                "The instance '\(instance.id)' is not in a state from which it can be modified (\(instance.state))."
            )
        }
        return instance
    }

    private func describeInstances(_ form: FormInput) throws(AWSFault) -> String {
        let ids = form.list("InstanceId")
        var selected: [AccountState.Instance] = []
        if ids.isEmpty {
            selected = state.instances.values.sorted { $0.id < $1.id }
        } else {
            for id in ids { selected.append(try instance(id)) }
        }
        let items = selected.map { instance in
            "<reservationId>r-\(instance.id.dropFirst(2))</reservationId>\(XML.leaf("ownerId", state.accountID))"
                + XML.list("instancesSet", [instanceXML(instance)])
        }
        return XML.list("reservationSet", items)
    }

    private func instanceXML(_ instance: AccountState.Instance) -> String {
        let code = ["pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80]
        var parts = [
            XML.leaf("instanceId", instance.id),
            XML.node(
                "instanceState",
                [XML.leaf("code", code[instance.state] ?? 16), XML.leaf("name", instance.state)]
            ),
            XML.leaf("vpcId", instance.vpcID), XML.leaf("subnetId", instance.subnetID),
            XML.list(
                "groupSet",
                instance.securityGroupIDs.map {
                    XML.leaf("groupId", $0) + XML.leaf("groupName", state.securityGroups[$0]?.name ?? "")
                }
            ),
            XML.list(
                "networkInterfaceSet",
                instance.interfaces.map { interface in
                    XML.leaf("networkInterfaceId", interface.id)
                        + XML.list(
                            "groupSet",
                            interface.securityGroupIDs.map {
                                XML.leaf("groupId", $0) + XML.leaf("groupName", state.securityGroups[$0]?.name ?? "")
                            }
                        )
                }
            ),
            XML.list(
                "blockDeviceMapping",
                instance.blockDevices.map {
                    XML.leaf("deviceName", $0.deviceName)
                        + XML.node(
                            "ebs",
                            [
                                XML.leaf("volumeId", $0.volumeID), XML.leaf("status", "attached"),
                                XML.leaf("deleteOnTermination", $0.deleteOnTermination),
                            ]
                        )
                }
            ),
            XML.tagSet(instance.tags),
            XML.node(
                "metadataOptions",
                [
                    XML.leaf("state", "applied"), XML.leaf("httpTokens", instance.httpTokens),
                    XML.leaf("httpPutResponseHopLimit", instance.hopLimit),
                    XML.leaf("httpEndpoint", instance.httpEndpoint),
                ]
            ),
        ]
        if let profile = instance.instanceProfileARN, instance.profileAssociationID != nil {
            parts.append(XML.node("iamInstanceProfile", [XML.leaf("arn", profile), XML.leaf("id", "AIPAEXERCISE")]))
        }
        return parts.joined()
    }

    private func modifyInstanceAttribute(_ form: FormInput) throws(AWSFault) -> String {
        var instance = try changeableInstance(form["InstanceId"])
        let groups = form.list("GroupId")
        if !groups.isEmpty {
            for group in groups { _ = try securityGroup(group, in: instance.vpcID) }
            if instance.interfaces.isEmpty {
                instance.interfaces = [.init(id: "eni-\(instance.id.dropFirst(2))", securityGroupIDs: groups)]
            } else {
                instance.interfaces[0].securityGroupIDs = groups
            }
        } else if let value = form["DisableApiTermination.Value"] {
            instance.terminationProtection = value == "true"
        } else if form["Attribute"] == "instanceInitiatedShutdownBehavior", let value = form["Value"] {
            guard value == "stop" || value == "terminate" else {
                throw AWSFault(400, "InvalidParameterValue", "Value (\(value)) for parameter value is invalid.")
            }
            instance.shutdownBehavior = value
        } else if let device = form["BlockDeviceMapping.1.DeviceName"],
            let delete = form["BlockDeviceMapping.1.Ebs.DeleteOnTermination"]
        {
            guard let index = instance.blockDevices.firstIndex(where: { $0.deviceName == device }) else {
                throw AWSFault(400, "InvalidInstanceAttributeValue", "No device is currently mapped at \(device)")
            }
            instance.blockDevices[index].deleteOnTermination = delete == "true"
        } else {
            throw AWSFault(
                400,
                "UnsupportedOperation",
                "the exercise's simulated account does not implement this ModifyInstanceAttribute form; nothing was changed"
            )
        }
        state.instances[instance.id] = instance
        return XML.leaf("return", true)
    }

    private func modifyNetworkInterfaceAttribute(_ form: FormInput) throws(AWSFault) -> String {
        let interfaceID = form["NetworkInterfaceId"] ?? ""
        guard
            let owner = state.instances.values.first(where: { $0.interfaces.contains { $0.id == interfaceID } })
        else {
            throw AWSFault(
                400,
                "InvalidNetworkInterfaceID.NotFound",
                "The networkInterface ID '\(interfaceID)' does not exist"
            )
        }
        let groups = form.list("SecurityGroupId")
        guard !groups.isEmpty else {
            throw .unsupported("ec2", "ModifyNetworkInterfaceAttribute without SecurityGroupId")
        }
        for group in groups { _ = try securityGroup(group, in: owner.vpcID) }
        var instance = owner
        if let index = instance.interfaces.firstIndex(where: { $0.id == interfaceID }) {
            instance.interfaces[index].securityGroupIDs = groups
        }
        state.instances[instance.id] = instance
        return XML.leaf("return", true)
    }

    private func describeInstanceAttribute(_ form: FormInput) throws(AWSFault) -> String {
        let instance = try instance(form["InstanceId"])
        let attribute = form["Attribute"] ?? ""
        let value: String
        switch attribute {
        case "disableApiTermination": value = instance.terminationProtection ? "true" : "false"
        case "instanceInitiatedShutdownBehavior": value = instance.shutdownBehavior
        default: throw .unsupported("ec2", "DescribeInstanceAttribute \(attribute)")
        }
        return XML.leaf("instanceId", instance.id) + XML.node(attribute, [XML.leaf("value", value)])
    }

    private func changeInstanceState(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        var items: [String] = []
        for id in form.list("InstanceId") {
            var instance = try changeableInstance(id)
            let previous = instance.state
            instance.state = operation == "StopInstances" ? "stopped" : "running"
            state.instances[id] = instance
            items.append(
                XML.leaf("instanceId", id)
                    + XML.node("previousState", [XML.leaf("name", previous)])
                    + XML.node("currentState", [XML.leaf("name", instance.state)])
            )
        }
        return XML.list("instancesSet", items)
    }

    private func modifyMetadataOptions(_ form: FormInput) throws(AWSFault) -> String {
        var instance = try changeableInstance(form["InstanceId"])
        if let tokens = form["HttpTokens"] {
            guard tokens == "required" || tokens == "optional" else {
                throw AWSFault(400, "InvalidParameterValue", "Invalid value '\(tokens)' for HttpTokens")
            }
            instance.httpTokens = tokens
        }
        if let endpoint = form["HttpEndpoint"] { instance.httpEndpoint = endpoint }
        if let hops = form["HttpPutResponseHopLimit"].flatMap(Int.init) {
            guard (1...64).contains(hops) else {
                throw AWSFault(400, "InvalidParameterValue", "HttpPutResponseHopLimit must be between 1 and 64")
            }
            instance.hopLimit = hops
        }
        state.instances[instance.id] = instance
        return XML.leaf("instanceId", instance.id)
            + XML.node(
                "instanceMetadataOptions",
                [
                    XML.leaf("state", "pending"), XML.leaf("httpTokens", instance.httpTokens),
                    XML.leaf("httpPutResponseHopLimit", instance.hopLimit),
                    XML.leaf("httpEndpoint", instance.httpEndpoint),
                ]
            )
    }

    // MARK: Instance profiles

    private func describeProfileAssociations(_ form: FormInput) -> String {
        // Filtered by instance (as every action asks), the instances are looked up, not all sorted for every call.
        let candidates =
            form.filters["instance-id"].map { Set($0).sorted().compactMap { state.instances[$0] } }
            ?? state.instances.values.sorted { $0.id < $1.id }
        let items = candidates.compactMap { instance -> String? in
            guard let association = instance.profileAssociationID, let profile = instance.instanceProfileARN else {
                return nil
            }
            return XML.leaf("associationId", association) + XML.leaf("instanceId", instance.id)
                + XML.node("iamInstanceProfile", [XML.leaf("arn", profile), XML.leaf("id", "AIPAEXERCISE")])
                + XML.leaf("state", "associated")
        }
        return XML.list("iamInstanceProfileAssociationSet", items)
    }

    private func disassociateProfile(_ form: FormInput) throws(AWSFault) -> String {
        let associationID = form["AssociationId"] ?? ""
        guard var instance = state.instances.values.first(where: { $0.profileAssociationID == associationID }) else {
            throw AWSFault(
                400,
                "InvalidAssociationID.NotFound",
                "An association with ID \(associationID) does not exist."
            )
        }
        let profile = instance.instanceProfileARN ?? ""
        instance.profileAssociationID = nil
        instance.instanceProfileARN = nil
        state.instances[instance.id] = instance
        return XML.node(
            "iamInstanceProfileAssociation",
            [
                XML.leaf("associationId", associationID), XML.leaf("instanceId", instance.id),
                XML.node("iamInstanceProfile", [XML.leaf("arn", profile)]), XML.leaf("state", "disassociating"),
            ]
        )
    }

    private func associateProfile(_ form: FormInput) throws(AWSFault) -> String {
        var instance = try changeableInstance(form["InstanceId"])
        let arn = form["IamInstanceProfile.Arn"] ?? ""
        guard let name = arn.split(separator: "/").last.map(String.init), state.instanceProfiles[name] != nil else {
            throw AWSFault(
                400,
                "InvalidParameterValue",
                "Value (\(arn)) for parameter iamInstanceProfile.arn is invalid."
            )
        }
        guard instance.profileAssociationID == nil else {
            throw AWSFault(
                400,
                "IncorrectState",
                "There is an existing association for instance \(instance.id)"
            )
        }
        let association = state.newID("iip-assoc")
        instance.instanceProfileARN = arn
        instance.profileAssociationID = association
        state.instances[instance.id] = instance
        return XML.node(
            "iamInstanceProfileAssociation",
            [
                XML.leaf("associationId", association), XML.leaf("instanceId", instance.id),
                XML.node("iamInstanceProfile", [XML.leaf("arn", arn)]), XML.leaf("state", "associating"),
            ]
        )
    }

    // MARK: Security groups

    func securityGroup(_ id: String, in vpcID: String? = nil) throws(AWSFault) -> AccountState.SecurityGroup {
        guard let group = state.securityGroups[id] else {
            throw AWSFault(400, "InvalidGroup.NotFound", "The security group '\(id)' does not exist")
        }
        if let vpcID, group.vpcID != vpcID {
            throw AWSFault(
                400,
                "InvalidGroup.NotFound",
                "The security group '\(id)' does not exist in VPC '\(vpcID)'"
            )
        }
        return group
    }

    private func describeSecurityGroups(_ form: FormInput) throws(AWSFault) -> String {
        let ids = form.list("GroupId")
        let filters = form.filters
        var groups: [AccountState.SecurityGroup] = []
        if !ids.isEmpty {
            for id in ids { groups.append(try securityGroup(id)) }
        } else {
            groups = state.securityGroups.values.sorted { $0.id < $1.id }
        }
        groups = groups.filter { group in
            (filters["group-name"].map { $0.contains(group.name) } ?? true)
                && (filters["vpc-id"].map { $0.contains(group.vpcID) } ?? true)
                && (filters["group-id"].map { $0.contains(group.id) } ?? true)
        }
        return XML.list(
            "securityGroupInfo",
            groups.map { group in
                XML.leaf("ownerId", state.accountID) + XML.leaf("groupId", group.id)
                    + XML.leaf("groupName", group.name) + XML.leaf("groupDescription", group.description)
                    + XML.leaf("vpcId", group.vpcID) + rulesXML("ipPermissions", group.ingress)
                    + rulesXML("ipPermissionsEgress", group.egress) + XML.tagSet(group.tags)
            }
        )
    }

    private func rulesXML(_ name: String, _ rules: [AccountState.Rule]) -> String {
        XML.list(
            name,
            rules.map { rule in
                var parts = [XML.leaf("ipProtocol", rule.ipProtocol)]
                if let from = rule.fromPort { parts.append(XML.leaf("fromPort", from)) }
                if let to = rule.toPort { parts.append(XML.leaf("toPort", to)) }
                parts.append(XML.list("groups", rule.groupIDs.map { XML.leaf("groupId", $0) }))
                parts.append(XML.list("ipRanges", rule.ipv4Ranges.map { XML.leaf("cidrIp", $0) }))
                parts.append(XML.list("ipv6Ranges", rule.ipv6Ranges.map { XML.leaf("cidrIpv6", $0) }))
                return parts.joined()
            }
        )
    }

    private func createSecurityGroup(_ form: FormInput) throws(AWSFault) -> String {
        let name = form["GroupName"] ?? ""
        let vpcID = form["VpcId"] ?? ""
        guard state.vpcs[vpcID] != nil else {
            throw AWSFault(400, "InvalidVpcID.NotFound", "The vpc ID '\(vpcID)' does not exist")
        }
        if state.securityGroups.values.contains(where: { $0.name == name && $0.vpcID == vpcID }) {
            throw AWSFault(
                400,
                "InvalidGroup.Duplicate",
                "The security group '\(name)' already exists for VPC '\(vpcID)'"
            )
        }
        let id = state.newID("sg")
        state.securityGroups[id] = .init(
            id: id,
            name: name,
            vpcID: vpcID,
            description: form["GroupDescription"] ?? "",
            ingress: [],
            egress: [.allTraffic],
            tags: form.tags("TagSpecification.1.Tag")
        )
        return XML.leaf("return", true) + XML.leaf("groupId", id)
    }

    private func changeRules(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        var group = try securityGroup(form["GroupId"] ?? "")
        let isEgress = operation.hasSuffix("Egress")
        var rules = isEgress ? group.egress : group.ingress
        for position in 1...max(1, form.count("IpPermissions")) {
            let prefix = "IpPermissions.\(position)"
            guard let ipProtocol = form["\(prefix).IpProtocol"] else { continue }
            let rule = AccountState.Rule(
                ipProtocol: ipProtocol,
                fromPort: ipProtocol == "-1" ? nil : form["\(prefix).FromPort"].flatMap(Int.init),
                toPort: ipProtocol == "-1" ? nil : form["\(prefix).ToPort"].flatMap(Int.init),
                ipv4Ranges: (1...max(1, form.count("\(prefix).IpRanges"))).compactMap {
                    form["\(prefix).IpRanges.\($0).CidrIp"]
                },
                ipv6Ranges: (1...max(1, form.count("\(prefix).Ipv6Ranges"))).compactMap {
                    form["\(prefix).Ipv6Ranges.\($0).CidrIpv6"]
                },
                groupIDs: (1...max(1, form.count("\(prefix).Groups"))).compactMap {
                    form["\(prefix).Groups.\($0).GroupId"]
                }
            )
            let same = { (existing: AccountState.Rule) in
                existing.ipProtocol == rule.ipProtocol && existing.fromPort == rule.fromPort
                    && existing.toPort == rule.toPort && Set(existing.ipv4Ranges) == Set(rule.ipv4Ranges)
                    && Set(existing.ipv6Ranges) == Set(rule.ipv6Ranges) && Set(existing.groupIDs) == Set(rule.groupIDs)
            }
            if operation.hasPrefix("Revoke") {
                guard let index = rules.firstIndex(where: same) else {
                    throw AWSFault(
                        400,
                        "InvalidPermission.NotFound",
                        "The specified rule does not exist in this security group."
                    )
                }
                rules.remove(at: index)
            } else {
                guard !rules.contains(where: same) else {
                    throw AWSFault(
                        400,
                        "InvalidPermission.Duplicate",
                        "the specified rule \"\(rule.summary)\" already exists"
                    )
                }
                rules.append(rule)
            }
        }
        if isEgress { group.egress = rules } else { group.ingress = rules }
        state.securityGroups[group.id] = group
        return XML.leaf("return", true)
    }

    // MARK: Tags

    private func changeTags(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        let resources = form.list("ResourceId")
        let tags = form.tags("Tag")
        for resource in resources {
            let apply = { (existing: inout [String: String]) in
                if operation == "CreateTags" {
                    existing.merge(tags) { _, new in new }
                } else {
                    for key in tags.keys { existing[key] = nil }
                }
            }
            if var instance = state.instances[resource] {
                apply(&instance.tags)
                state.instances[resource] = instance
            } else if var group = state.securityGroups[resource] {
                apply(&group.tags)
                state.securityGroups[resource] = group
            } else if var snapshot = state.snapshots[resource] {
                apply(&snapshot.tags)
                state.snapshots[resource] = snapshot
            } else if var volume = state.volumes[resource] {
                apply(&volume.tags)
                state.volumes[resource] = volume
            } else if resource.hasPrefix("i-") {
                throw AWSFault(400, "InvalidInstanceID.NotFound", "The instance ID '\(resource)' does not exist")
            } else {
                throw AWSFault(400, "InvalidID", "The ID '\(resource)' is not valid")
            }
        }
        return XML.leaf("return", true)
    }

    // MARK: Snapshots and images

    private func createSnapshots(_ form: FormInput) throws(AWSFault) -> String {
        let instance = try changeableInstance(form["InstanceSpecification.InstanceId"])
        let tags = form.tags("TagSpecification.1.Tag")
        var items: [String] = []
        for device in instance.blockDevices {
            let id = state.newID("snap")
            var snapshotTags =
                form["CopyTagsFromSource"] == "volume" ? state.volumes[device.volumeID]?.tags ?? [:] : [:]
            snapshotTags.merge(tags) { _, new in new }
            state.snapshots[id] = .init(
                id: id,
                volumeID: device.volumeID,
                description: form["Description"] ?? "",
                tags: snapshotTags,
                createVolumeGroups: [],
                createVolumeUserIDs: []
            )
            items.append(
                XML.leaf("snapshotId", id) + XML.leaf("volumeId", device.volumeID) + XML.leaf("state", "pending")
                    + XML.leaf("volumeSize", state.volumes[device.volumeID]?.sizeGiB ?? 8)
                    + XML.leaf("ownerId", state.accountID) + XML.tagSet(snapshotTags)
            )
        }
        return XML.list("snapshotSet", items)
    }

    /// The instances' interfaces, narrowed by the `group-id` filter.
    private func describeNetworkInterfaces(_ form: FormInput) -> String {
        let groups = form.filters["group-id"].map(Set.init)
        let interfaces = state.instances.values.sorted { $0.id < $1.id }.flatMap(\.interfaces).filter { interface in
            groups.map { !$0.isDisjoint(with: interface.securityGroupIDs) } ?? true
        }
        return XML.list("networkInterfaceSet", interfaces.map { XML.leaf("networkInterfaceId", $0.id) })
    }

    /// Deletes a group, refused as EC2 refuses it while an interface is in it.
    private func deleteSecurityGroup(_ form: FormInput) throws(AWSFault) -> String {
        let id = form["GroupId"] ?? ""
        guard state.securityGroups[id] != nil else {
            throw AWSFault(400, "InvalidGroup.NotFound", "The security group '\(id)' does not exist")
        }
        if state.instances.values.contains(where: { $0.interfaces.contains { $0.securityGroupIDs.contains(id) } }) {
            throw AWSFault(400, "DependencyViolation", "resource \(id) has a dependent object")
        }
        state.securityGroups[id] = nil
        return XML.leaf("return", true)
    }

    /// Tags of the resources the `resource-id` filter names (all tagged resources without it).
    private func describeTags(_ form: FormInput) -> String {
        let wanted = form.filters["resource-id"].map(Set.init)
        var resources: [(id: String, type: String, tags: [String: String])] = []
        resources += state.instances.values.map { ($0.id, "instance", $0.tags) }
        resources += state.securityGroups.values.map { ($0.id, "security-group", $0.tags) }
        resources += state.snapshots.values.map { ($0.id, "snapshot", $0.tags) }
        resources += state.volumes.values.map { ($0.id, "volume", $0.tags) }
        let items = resources.filter { wanted?.contains($0.id) ?? true }.sorted { $0.id < $1.id }.flatMap { resource in
            resource.tags.sorted { $0.key < $1.key }.map { tag in
                XML.leaf("resourceId", resource.id) + XML.leaf("resourceType", resource.type)
                    + XML.leaf("key", tag.key) + XML.leaf("value", tag.value)
            }
        }
        return XML.list("tagSet", items)
    }

    private func describeSnapshots(_ form: FormInput) -> String {
        let ids = Set(form.list("SnapshotId"))
        let filters = form.filters
        let matching = state.snapshots.values.sorted { $0.id < $1.id }.filter { snapshot in
            if !ids.isEmpty, !ids.contains(snapshot.id) { return false }
            for (name, values) in filters {
                if name.hasPrefix("tag:") {
                    guard let value = snapshot.tags[String(name.dropFirst(4))], values.contains(value) else {
                        return false
                    }
                } else if name == "volume-id", !values.contains(snapshot.volumeID) {
                    return false
                }
            }
            return true
        }
        return XML.list(
            "snapshotSet",
            matching.map {
                XML.leaf("snapshotId", $0.id) + XML.leaf("volumeId", $0.volumeID) + XML.leaf("status", "completed")
                    + XML.leaf("ownerId", state.accountID) + XML.leaf("description", $0.description)
                    + XML.tagSet($0.tags)
            }
        )
    }

    func snapshot(_ id: String?) throws(AWSFault) -> AccountState.Snapshot {
        guard let id, let snapshot = state.snapshots[id] else {
            throw AWSFault(400, "InvalidSnapshot.NotFound", "The snapshot '\(id ?? "")' does not exist.")
        }
        return snapshot
    }

    private func describeSnapshotAttribute(_ form: FormInput) throws(AWSFault) -> String {
        let snapshot = try snapshot(form["SnapshotId"])
        let entries =
            snapshot.createVolumeGroups.map { XML.leaf("group", $0) }
            + snapshot.createVolumeUserIDs.map { XML.leaf("userId", $0) }
        return XML.leaf("snapshotId", snapshot.id) + XML.list("createVolumePermission", entries)
    }

    private func modifySnapshotAttribute(_ form: FormInput) throws(AWSFault) -> String {
        var snapshot = try snapshot(form["SnapshotId"])
        let adding = form["OperationType"] == "add"
        for group in form.list("UserGroup") {
            guard group == "all" else { throw AWSFault(400, "InvalidParameterValue", "Invalid group '\(group)'") }
            snapshot.createVolumeGroups.removeAll { $0 == group }
            if adding { snapshot.createVolumeGroups.append(group) }
        }
        for user in form.list("UserId") {
            snapshot.createVolumeUserIDs.removeAll { $0 == user }
            if adding { snapshot.createVolumeUserIDs.append(user) }
        }
        state.snapshots[snapshot.id] = snapshot
        return XML.leaf("return", true)
    }

    func image(_ id: String?) throws(AWSFault) -> AccountState.Image {
        guard let id, let image = state.images[id] else {
            throw AWSFault(400, "InvalidAMIID.NotFound", "The image id '[\(id ?? "")]' does not exist")
        }
        return image
    }

    private func describeImageAttribute(_ form: FormInput) throws(AWSFault) -> String {
        let image = try image(form["ImageId"])
        return XML.leaf("imageId", image.id)
            + XML.list("launchPermission", image.launchGroups.map { XML.leaf("group", $0) })
    }

    private func modifyImageAttribute(_ form: FormInput) throws(AWSFault) -> String {
        var image = try image(form["ImageId"])
        for operation in ["Add", "Remove"] {
            for position in 1...max(1, form.count("LaunchPermission.\(operation)")) {
                guard let group = form["LaunchPermission.\(operation).\(position).Group"] else { continue }
                image.launchGroups.removeAll { $0 == group }
                if operation == "Add" { image.launchGroups.append(group) }
            }
        }
        state.images[image.id] = image
        return XML.leaf("return", true)
    }
}
