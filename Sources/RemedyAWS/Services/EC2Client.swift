// Over 400 lines: one client, the EC2 operations remedy calls (their model types are in EC2Models.swift).
/// Typed EC2 operations (the `ec2` protocol) remedy's actions use.
public struct EC2Client: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    // MARK: Reading

    public func describeInstances(ids: [String]) async throws(AWSError) -> [EC2Instance] {
        let root = try await client.query("DescribeInstances", effect: .readOnly) {
            $0.set("InstanceId", list: ids, style: .ec2)
        }
        return root.list("reservationSet").flatMap { $0.list("instancesSet") }.map(EC2Instance.init)
    }

    public func describeSecurityGroups(
        ids: [String] = [],
        filters: [String: [String]] = [:]
    ) async throws(AWSError)
        -> [EC2SecurityGroup]
    {
        let root = try await client.query("DescribeSecurityGroups", effect: .readOnly) { parameters in
            parameters.set("GroupId", list: ids, style: .ec2)
            parameters.setFilters(filters)
        }
        return root.list("securityGroupInfo").map(EC2SecurityGroup.init)
    }

    /// The tags of one EC2 resource (an instance, a security group, a volume, ...), by key.
    public func tags(of resourceID: String) async throws(AWSError) -> [String: String] {
        let root = try await client.query("DescribeTags", effect: .readOnly) {
            $0.setFilters(["resource-id": [resourceID]])
        }
        var tags: [String: String] = [:]
        for item in root.list("tagSet") {
            if let key = item.string("key") { tags[key] = item.string("value") ?? "" }
        }
        return tags
    }

    /// How many network interfaces have `groupID` among their security groups.
    public func interfaceCount(inGroup groupID: String) async throws(AWSError) -> Int {
        let root = try await client.query("DescribeNetworkInterfaces", effect: .readOnly) {
            $0.setFilters(["group-id": [groupID]])
        }
        return root.list("networkInterfaceSet").count
    }

    public func describeIamInstanceProfileAssociations(
        instanceID: String
    ) async throws(AWSError)
        -> [(associationID: String, profileARN: String, state: String)]
    {
        let root = try await client.query("DescribeIamInstanceProfileAssociations", effect: .readOnly) {
            $0.setFilters(["instance-id": [instanceID]])
        }
        return root.list("iamInstanceProfileAssociationSet").map {
            ($0.string("associationId") ?? "", $0.string("iamInstanceProfile", "arn") ?? "", $0.string("state") ?? "")
        }
    }

    /// Whether `createVolumePermission` of the snapshot includes the group `all` (public).
    public func isSnapshotPublic(_ snapshotID: String) async throws(AWSError) -> Bool {
        try await snapshotPermissions(snapshotID).groups.contains("all")
    }

    /// Snapshots matching the filters (`tag:remedy:step`, `volume-id`), with their ids and states.
    public func describeSnapshots(
        filters: [String: [String]]
    ) async throws(AWSError) -> [(id: String, volumeID: String, state: String)] {
        let root = try await client.query("DescribeSnapshots", effect: .readOnly) { $0.setFilters(filters) }
        return root.list("snapshotSet").map {
            ($0.string("snapshotId") ?? "", $0.string("volumeId") ?? "", $0.string("status") ?? "")
        }
    }

    public func getEbsEncryptionByDefault() async throws(AWSError) -> Bool {
        let root = try await client.query("GetEbsEncryptionByDefault", effect: .readOnly)
        return root.string("ebsEncryptionByDefault") == "true"
    }

    /// The instance's console output, base64-encoded as EC2 returns it.
    public func getConsoleOutput(instanceID: String) async throws(AWSError) -> String {
        let root = try await client.query("GetConsoleOutput", effect: .readOnly) { $0.set("InstanceId", instanceID) }
        return root.string("output") ?? ""
    }

    /// Whether instances launched into the subnet get a public IPv4 address unless told otherwise.
    public func mapsPublicIPOnLaunch(subnetID: String) async throws(AWSError) -> Bool {
        let root = try await client.query("DescribeSubnets", effect: .readOnly) {
            $0.set("SubnetId", list: [subnetID], style: .ec2)
        }
        guard let subnet = root.list("subnetSet").first(where: { $0.string("subnetId") == subnetID }) else {
            throw client.missing("DescribeSubnets", "subnetSet item \(subnetID)")
        }
        return subnet.string("mapPublicIpOnLaunch") == "true"
    }

    /// The operation has no `DryRun` member, so dry-run refuses it unsent.
    public func setMapPublicIPOnLaunch(subnetID: String, _ enabled: Bool) async throws(AWSError) {
        _ = try await client.query("ModifySubnetAttribute", effect: .mutating(idempotent: true), dryRun: .refuse) {
            $0.set("SubnetId", subnetID)
            $0.set("MapPublicIpOnLaunch.Value", enabled)
        }
    }

    /// Whether the transit gateway accepts attachments other accounts share with it without review.
    public func autoAcceptsSharedAttachments(transitGatewayID: String) async throws(AWSError) -> Bool {
        let root = try await client.query("DescribeTransitGateways", effect: .readOnly) {
            $0.set("TransitGatewayIds", list: [transitGatewayID], style: .ec2)
        }
        guard
            let gateway = root.list("transitGatewaySet").first(where: {
                $0.string("transitGatewayId") == transitGatewayID
            })
        else { throw client.missing("DescribeTransitGateways", "transitGatewaySet item \(transitGatewayID)") }
        return gateway.string("options", "autoAcceptSharedAttachments") == "enable"
    }

    /// Dry-run refuses it unsent: moto 5.2.1 performs it despite `DryRun=true`.
    public func setAutoAcceptSharedAttachments(transitGatewayID: String, _ enabled: Bool) async throws(AWSError) {
        _ = try await client.query("ModifyTransitGateway", effect: .mutating(idempotent: true), dryRun: .refuse) {
            $0.set("TransitGatewayId", transitGatewayID)
            $0.set("Options.AutoAcceptSharedAttachments", enabled ? "enable" : "disable")
        }
    }

    /// The network ACLs associated with a subnet, with their entries.
    public func describeNetworkACLs(subnetID: String) async throws(AWSError) -> [EC2NetworkACL] {
        let root = try await client.query("DescribeNetworkAcls", effect: .readOnly) {
            $0.setFilters(["association.subnet-id": [subnetID]])
        }
        return root.list("networkAclSet").map(EC2NetworkACL.init)
    }

    /// The value of a simple instance attribute (`disableApiTermination`, `instanceInitiatedShutdownBehavior`).
    public func instanceAttribute(_ instanceID: String, _ attribute: String) async throws(AWSError) -> String? {
        let root = try await client.query("DescribeInstanceAttribute", effect: .readOnly) {
            $0.set("InstanceId", instanceID)
            $0.set("Attribute", attribute)
        }
        return root.string(attribute, "value")
    }

    /// Who may create volumes from the snapshot: groups (`all` = public) and account ids.
    public func snapshotPermissions(_ snapshotID: String) async throws(AWSError) -> EC2Permissions {
        let root = try await client.query("DescribeSnapshotAttribute", effect: .readOnly) {
            $0.set("SnapshotId", snapshotID)
            $0.set("Attribute", "createVolumePermission")
        }
        return EC2Permissions(root.list("createVolumePermission"))
    }

    /// Who may launch the image: groups (`all` = public) and account ids.
    public func imageLaunchPermissions(_ imageID: String) async throws(AWSError) -> EC2Permissions {
        let root = try await client.query("DescribeImageAttribute", effect: .readOnly) {
            $0.set("ImageId", imageID)
            $0.set("Attribute", "launchPermission")
        }
        return EC2Permissions(root.list("launchPermission"))
    }

    // MARK: Changing

    public func createTags(resources: [String], tags: [String: String]) async throws(AWSError) {
        _ = try await client.query("CreateTags", effect: .mutating(idempotent: true)) { parameters in
            parameters.set("ResourceId", list: resources, style: .ec2)
            parameters.setTags(tags, prefix: "Tag")
        }
    }

    /// Removes tags (with any value) from resources.
    public func deleteTags(resources: [String], keys: [String]) async throws(AWSError) {
        _ = try await client.query("DeleteTags", effect: .mutating(idempotent: true)) { parameters in
            parameters.set("ResourceId", list: resources, style: .ec2)
            for (index, key) in keys.enumerated() { parameters.set("Tag.\(index + 1).Key", key) }
        }
    }

    /// Creates a security group and returns its id.
    public func createSecurityGroup(
        name: String,
        description: String,
        vpcID: String,
        tags: [String: String] = [:]
    )
        async throws(AWSError) -> String
    {
        let root = try await client.query("CreateSecurityGroup", effect: .mutating(idempotent: false)) { parameters in
            parameters.set("GroupName", name)
            parameters.set("GroupDescription", description)
            parameters.set("VpcId", vpcID)
            if !tags.isEmpty {
                parameters.set("TagSpecification.1.ResourceType", "security-group")
                parameters.setTags(tags, prefix: "TagSpecification.1.Tag")
            }
        }
        guard let id = root.string("groupId") else { throw client.missing("CreateSecurityGroup", "groupId") }
        return id
    }

    /// Deletes a security group; EC2 refuses (`DependencyViolation`) while an interface or a rule uses it.
    public func deleteSecurityGroup(id: String) async throws(AWSError) {
        _ = try await client.query("DeleteSecurityGroup", effect: .mutating(idempotent: true)) {
            $0.set("GroupId", id)
        }
    }

    public func authorizeIngress(groupID: String, permissions: [IPPermission]) async throws(AWSError) {
        try await changeRules("AuthorizeSecurityGroupIngress", groupID: groupID, permissions: permissions)
    }

    public func revokeIngress(groupID: String, permissions: [IPPermission]) async throws(AWSError) {
        try await changeRules("RevokeSecurityGroupIngress", groupID: groupID, permissions: permissions)
    }

    public func authorizeEgress(groupID: String, permissions: [IPPermission]) async throws(AWSError) {
        try await changeRules("AuthorizeSecurityGroupEgress", groupID: groupID, permissions: permissions)
    }

    public func revokeEgress(groupID: String, permissions: [IPPermission]) async throws(AWSError) {
        try await changeRules("RevokeSecurityGroupEgress", groupID: groupID, permissions: permissions)
    }

    private func changeRules(_ action: String, groupID: String, permissions: [IPPermission]) async throws(AWSError) {
        _ = try await client.query(action, effect: .mutating(idempotent: false)) { parameters in
            parameters.set("GroupId", groupID)
            for (index, permission) in permissions.enumerated() {
                permission.encode(into: &parameters, prefix: "IpPermissions.\(index + 1)")
            }
        }
    }

    /// Replaces the instance's security groups (its primary interface's).
    public func modifyInstanceGroups(instanceID: String, groupIDs: [String]) async throws(AWSError) {
        _ = try await client.query("ModifyInstanceAttribute", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", instanceID)
            $0.set("GroupId", list: groupIDs, style: .ec2)
        }
    }

    /// Replaces an interface's security groups.
    public func modifyNetworkInterfaceGroups(interfaceID: String, groupIDs: [String]) async throws(AWSError) {
        _ = try await client.query("ModifyNetworkInterfaceAttribute", effect: .mutating(idempotent: true)) {
            $0.set("NetworkInterfaceId", interfaceID)
            $0.set("SecurityGroupId", list: groupIDs, style: .ec2)
        }
    }

    /// Turns termination protection on or off.
    public func setTerminationProtection(instanceID: String, enabled: Bool) async throws(AWSError) {
        _ = try await client.query("ModifyInstanceAttribute", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", instanceID)
            $0.set("DisableApiTermination.Value", enabled)
        }
    }

    /// Sets what an operating-system shutdown does (`stop` or `terminate`).
    ///
    /// Sent as `Attribute`/`Value`, which botocore's model also allows: moto 5.2.1 does not know the
    /// `InstanceInitiatedShutdownBehavior.Value` form and treats it as a security-group change, emptying the
    /// instance's groups.
    public func setShutdownBehavior(instanceID: String, _ behavior: String) async throws(AWSError) {
        _ = try await client.query("ModifyInstanceAttribute", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", instanceID)
            $0.set("Attribute", "instanceInitiatedShutdownBehavior")
            $0.set("Value", behavior)
        }
    }

    /// Sets whether the volume on the device is deleted when the instance terminates.
    public func setDeleteOnTermination(
        instanceID: String,
        deviceName: String,
        _ delete: Bool
    ) async throws(AWSError) {
        _ = try await client.query("ModifyInstanceAttribute", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", instanceID)
            $0.set("BlockDeviceMapping.1.DeviceName", deviceName)
            $0.set("BlockDeviceMapping.1.Ebs.DeleteOnTermination", delete)
        }
    }

    /// Snapshots every EBS volume attached to the instance; returns the snapshot ids.
    public func createSnapshots(
        instanceID: String,
        description: String,
        tags: [String: String]
    ) async throws(AWSError)
        -> [(snapshotID: String, volumeID: String)]
    {
        let root = try await client.query("CreateSnapshots", effect: .mutating(idempotent: false)) { parameters in
            parameters.set("InstanceSpecification.InstanceId", instanceID)
            parameters.set("Description", description)
            parameters.set("CopyTagsFromSource", "volume")
            if !tags.isEmpty {
                parameters.set("TagSpecification.1.ResourceType", "snapshot")
                parameters.setTags(tags, prefix: "TagSpecification.1.Tag")
            }
        }
        return root.list("snapshotSet").compactMap { item in
            item.string("snapshotId").map { ($0, item.string("volumeId") ?? "") }
        }
    }

    public func stopInstances(ids: [String]) async throws(AWSError) {
        _ = try await client.query("StopInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", list: ids, style: .ec2)
        }
    }

    /// Terminates instances: their instance-store data and, for volumes set to, their EBS volumes go with them.
    public func terminateInstances(ids: [String]) async throws(AWSError) {
        _ = try await client.query("TerminateInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", list: ids, style: .ec2)
        }
    }

    /// The flow logs of a VPC, with their tags.
    public func flowLogs(vpcID: String) async throws(AWSError) -> [(id: String, tags: [String: String])] {
        let root = try await client.query("DescribeFlowLogs", effect: .readOnly) {
            $0.setFilters(["resource-id": [vpcID]])
        }
        return root.list("flowLogSet").compactMap { item in
            guard let id = item.string("flowLogId") else { return nil }
            var tags: [String: String] = [:]
            for tag in item.list("tagSet") { if let key = tag.string("key") { tags[key] = tag.string("value") ?? "" } }
            return (id, tags)
        }
    }

    /// Records all of a VPC's traffic to an S3 bucket (`arn:...:s3:::bucket`), tagged.
    public func createFlowLog(vpcID: String, s3Destination: String, tags: [String: String]) async throws(AWSError) {
        let root = try await client.query("CreateFlowLogs", effect: .mutating(idempotent: false)) {
            $0.set("ResourceId", list: [vpcID], style: .ec2)
            $0.set("ResourceType", "VPC")
            $0.set("TrafficType", "ALL")
            $0.set("LogDestinationType", "s3")
            $0.set("LogDestination", s3Destination)
            $0.set("TagSpecification.1.ResourceType", "vpc-flow-log")
            $0.setTags(tags, prefix: "TagSpecification.1.Tag")
        }
        // CreateFlowLogs answers 200 with the failures listed rather than an error.
        if let failure = root.list("unsuccessful").first {
            throw AWSError(
                service: "ec2",
                operation: "CreateFlowLogs",
                statusCode: 200,
                code: failure.string("error", "code") ?? "FlowLogNotCreated",
                message: failure.string("error", "message") ?? "the flow log was not created",
                kind: .permanent
            )
        }
    }

    public func deleteFlowLogs(ids: [String]) async throws(AWSError) {
        _ = try await client.query("DeleteFlowLogs", effect: .mutating(idempotent: true)) {
            $0.set("FlowLogId", list: ids, style: .ec2)
        }
    }

    public func startInstances(ids: [String]) async throws(AWSError) {
        _ = try await client.query("StartInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", list: ids, style: .ec2)
        }
    }

    /// Removes the public (`all`) create-volume permission.
    public func makeSnapshotPrivate(_ snapshotID: String) async throws(AWSError) {
        try await changeSnapshotPermissions(snapshotID, .remove, groups: ["all"])
    }

    /// Adds create-volume permission for accounts (sharing forensic snapshots).
    public func shareSnapshot(_ snapshotID: String, withAccounts accounts: [String]) async throws(AWSError) {
        try await changeSnapshotPermissions(snapshotID, .add, userIDs: accounts)
    }

    /// Adds (`add`) or removes (`remove`) create-volume permission for groups and accounts.
    ///
    /// Sent in the flat form (`OperationType`, `UserGroup.N`, `UserId.N`): moto 5.2.1 accepts the structured
    /// `CreateVolumePermission.Remove.N.Group` form with 200 and ignores it.
    public func changeSnapshotPermissions(
        _ snapshotID: String,
        _ change: PermissionChange,
        groups: [String] = [],
        userIDs: [String] = []
    ) async throws(AWSError) {
        _ = try await client.query("ModifySnapshotAttribute", effect: .mutating(idempotent: true)) {
            $0.set("SnapshotId", snapshotID)
            $0.set("Attribute", "createVolumePermission")
            $0.set("OperationType", change.rawValue)
            $0.set("UserGroup", list: groups, style: .ec2)
            $0.set("UserId", list: userIDs, style: .ec2)
        }
    }

    /// Adds (`Add`) or removes (`Remove`) launch permission for groups (`all` = public).
    public func changeImageLaunchPermission(
        _ imageID: String,
        _ change: PermissionChange,
        groups: [String]
    ) async throws(AWSError) {
        _ = try await client.query("ModifyImageAttribute", effect: .mutating(idempotent: true)) {
            $0.set("ImageId", imageID)
            for (index, group) in groups.enumerated() {
                $0.set("LaunchPermission.\(change.launchPermissionMember).\(index + 1).Group", group)
            }
        }
    }

    /// Associates an instance profile with an instance.
    ///
    /// The operation has no `DryRun` member, so dry-run refuses it unsent.
    public func associateIamInstanceProfile(instanceID: String, profileARN: String) async throws(AWSError) {
        _ = try await client.query(
            "AssociateIamInstanceProfile",
            effect: .mutating(idempotent: false),
            dryRun: .refuse
        ) {
            $0.set("InstanceId", instanceID)
            $0.set("IamInstanceProfile.Arn", profileARN)
        }
    }

    /// Ends an instance profile association; no `DryRun` member, so dry-run refuses it unsent.
    public func disassociateIamInstanceProfile(associationID: String) async throws(AWSError) {
        _ = try await client.query(
            "DisassociateIamInstanceProfile",
            effect: .mutating(idempotent: true),
            dryRun: .refuse
        ) {
            $0.set("AssociationId", associationID)
        }
    }

    /// Sets the instance metadata options.
    ///
    /// Every option is sent: some endpoints replace the whole options object. Dry-run refuses the call unsent,
    /// since moto 5.2.1 performs it despite `DryRun=true`.
    public func setMetadataOptions(instanceID: String, _ options: EC2Instance.MetadataOptions) async throws(AWSError) {
        _ = try await client.query(
            "ModifyInstanceMetadataOptions",
            effect: .mutating(idempotent: true),
            dryRun: .refuse
        ) {
            $0.set("InstanceId", instanceID)
            $0.set("HttpTokens", options.httpTokens)
            $0.set("HttpEndpoint", options.httpEndpoint)
            $0.set("HttpPutResponseHopLimit", options.hopLimit)
        }
    }

    public func enableEbsEncryptionByDefault() async throws(AWSError) {
        _ = try await client.query("EnableEbsEncryptionByDefault", effect: .mutating(idempotent: true))
    }

    public func disableEbsEncryptionByDefault() async throws(AWSError) {
        _ = try await client.query("DisableEbsEncryptionByDefault", effect: .mutating(idempotent: true))
    }

    /// Adds an inbound entry denying all traffic from `cidr`.
    ///
    /// Dry-run refuses it unsent: moto 5.2.1 performs it despite `DryRun=true`.
    public func createNetworkACLDenyEntry(
        aclID: String,
        ruleNumber: Int,
        cidr: String,
        isIPv6: Bool
    )
        async throws(AWSError)
    {
        _ = try await client.query("CreateNetworkAclEntry", effect: .mutating(idempotent: false), dryRun: .refuse) {
            $0.set("NetworkAclId", aclID)
            $0.set("RuleNumber", ruleNumber)
            $0.set("Protocol", "-1")
            $0.set("RuleAction", "deny")
            $0.set("Egress", false)
            $0.set(isIPv6 ? "Ipv6CidrBlock" : "CidrBlock", cidr)
        }
    }

    /// Deletes an inbound entry; refused unsent in dry-run, like its creation.
    public func deleteNetworkACLEntry(aclID: String, ruleNumber: Int) async throws(AWSError) {
        _ = try await client.query("DeleteNetworkAclEntry", effect: .mutating(idempotent: true), dryRun: .refuse) {
            $0.set("NetworkAclId", aclID)
            $0.set("RuleNumber", ruleNumber)
            $0.set("Egress", false)
        }
    }
}

extension EC2Client {
    static func tags(_ item: AWSXMLElement) -> [String: String] {
        var tags: [String: String] = [:]
        for tag in item.list("tagSet") {
            if let key = tag.string("key") { tags[key] = tag.string("value") ?? "" }
        }
        return tags
    }
}

extension FormParameters {
    mutating func setTags(_ tags: [String: String], prefix: String) {
        for (index, key) in tags.keys.sorted().enumerated() {
            set("\(prefix).\(index + 1).Key", key)
            set("\(prefix).\(index + 1).Value", tags[key] ?? "")
        }
    }

    mutating func setFilters(_ filters: [String: [String]]) {
        for (index, name) in filters.keys.sorted().enumerated() {
            set("Filter.\(index + 1).Name", name)
            set("Filter.\(index + 1).Value", list: filters[name] ?? [], style: .ec2)
        }
    }
}

extension AWSClient {
    func missing(_ operation: String, _ field: String) -> AWSError {
        AWSError(
            service: service.id,
            operation: operation,
            statusCode: 200,
            code: "MalformedResponse",
            message: "the response has no \(field)",
            kind: .malformedResponse
        )
    }
}
