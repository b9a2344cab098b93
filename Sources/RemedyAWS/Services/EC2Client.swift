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
    public func setTerminationProtection(instanceID: String, _ enabled: Bool) async throws(AWSError) {
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

    public func startInstances(ids: [String]) async throws(AWSError) {
        _ = try await client.query("StartInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", list: ids, style: .ec2)
        }
    }

    /// Removes the public (`all`) create-volume permission.
    public func makeSnapshotPrivate(_ snapshotID: String) async throws(AWSError) {
        try await changeSnapshotPermissions(snapshotID, "remove", groups: ["all"])
    }

    /// Adds create-volume permission for accounts (sharing forensic snapshots).
    public func shareSnapshot(_ snapshotID: String, withAccounts accounts: [String]) async throws(AWSError) {
        try await changeSnapshotPermissions(snapshotID, "add", userIDs: accounts)
    }

    /// Adds (`add`) or removes (`remove`) create-volume permission for groups and accounts.
    ///
    /// Sent in the flat form (`OperationType`, `UserGroup.N`, `UserId.N`): moto 5.2.1 accepts the structured
    /// `CreateVolumePermission.Remove.N.Group` form with 200 and ignores it.
    public func changeSnapshotPermissions(
        _ snapshotID: String,
        _ operation: String,
        groups: [String] = [],
        userIDs: [String] = []
    ) async throws(AWSError) {
        _ = try await client.query("ModifySnapshotAttribute", effect: .mutating(idempotent: true)) {
            $0.set("SnapshotId", snapshotID)
            $0.set("Attribute", "createVolumePermission")
            $0.set("OperationType", operation)
            $0.set("UserGroup", list: groups, style: .ec2)
            $0.set("UserId", list: userIDs, style: .ec2)
        }
    }

    /// Adds (`Add`) or removes (`Remove`) launch permission for groups (`all` = public).
    public func changeImageLaunchPermission(
        _ imageID: String,
        _ operation: String,
        groups: [String]
    ) async throws(AWSError) {
        _ = try await client.query("ModifyImageAttribute", effect: .mutating(idempotent: true)) {
            $0.set("ImageId", imageID)
            for (index, group) in groups.enumerated() {
                $0.set("LaunchPermission.\(operation).\(index + 1).Group", group)
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

/// An instance as `DescribeInstances` reports it.
public struct EC2Instance: Sendable, Hashable {
    public var id: String
    public var state: String
    public var vpcID: String?
    public var subnetID: String?
    public var securityGroupIDs: [String]
    /// Each network interface with its security groups.
    public var networkInterfaces: [NetworkInterface]
    public var instanceProfileARN: String?
    public var tags: [String: String]
    public var httpTokens: String? { metadataOptions?.httpTokens }
    public var metadataOptions: MetadataOptions?
    public var volumes: [(deviceName: String, volumeID: String, deleteOnTermination: Bool)] {
        blockDevices.map { ($0.deviceName, $0.volumeID, $0.deleteOnTermination) }
    }
    var blockDevices: [BlockDevice]

    public struct NetworkInterface: Sendable, Hashable {
        public var id: String
        public var securityGroupIDs: [String]
    }

    /// The instance metadata service settings remedy changes.
    public struct MetadataOptions: Sendable, Hashable {
        /// `required` (IMDSv2 only) or `optional`.
        public var httpTokens: String
        /// `enabled` or `disabled`.
        public var httpEndpoint: String
        public var hopLimit: Int

        public init(httpTokens: String, httpEndpoint: String, hopLimit: Int) {
            self.httpTokens = httpTokens
            self.httpEndpoint = httpEndpoint
            self.hopLimit = hopLimit
        }
    }

    struct BlockDevice: Sendable, Hashable {
        var deviceName: String
        var volumeID: String
        var deleteOnTermination: Bool
    }

    init(_ item: AWSXMLElement) {
        id = item.string("instanceId") ?? ""
        state = item.string("instanceState", "name") ?? ""
        vpcID = item.string("vpcId")
        subnetID = item.string("subnetId")
        securityGroupIDs = item.list("groupSet").compactMap { $0.string("groupId") }
        networkInterfaces = item.list("networkInterfaceSet").map {
            NetworkInterface(
                id: $0.string("networkInterfaceId") ?? "",
                securityGroupIDs: $0.list("groupSet").compactMap { $0.string("groupId") }
            )
        }
        instanceProfileARN = item.string("iamInstanceProfile", "arn")
        tags = EC2Client.tags(item)
        metadataOptions = item.string("metadataOptions", "httpTokens").map { tokens in
            MetadataOptions(
                httpTokens: tokens,
                httpEndpoint: item.string("metadataOptions", "httpEndpoint") ?? "enabled",
                hopLimit: item.string("metadataOptions", "httpPutResponseHopLimit").flatMap(Int.init) ?? 1
            )
        }
        blockDevices = item.list("blockDeviceMapping").map {
            BlockDevice(
                deviceName: $0.string("deviceName") ?? "",
                volumeID: $0.string("ebs", "volumeId") ?? "",
                deleteOnTermination: $0.string("ebs", "deleteOnTermination") == "true"
            )
        }
    }
}

/// A network ACL and its entries.
public struct EC2NetworkACL: Sendable, Hashable {
    public var id: String
    public var entries: [Entry]

    /// One numbered rule: inbound or outbound, allow or deny, for an IPv4 or IPv6 range.
    public struct Entry: Sendable, Hashable {
        public var ruleNumber: Int
        public var isEgress: Bool
        /// `allow` or `deny`.
        public var action: String
        public var protocolNumber: String
        public var cidr: String?
    }

    init(_ item: AWSXMLElement) {
        id = item.string("networkAclId") ?? ""
        entries = item.list("entrySet").map {
            Entry(
                ruleNumber: $0.string("ruleNumber").flatMap(Int.init) ?? 0,
                isEgress: $0.string("egress") == "true",
                action: $0.string("ruleAction") ?? "",
                protocolNumber: $0.string("protocol") ?? "-1",
                cidr: $0.string("cidrBlock") ?? $0.string("ipv6CidrBlock")
            )
        }
    }
}

/// Who a snapshot's create-volume or an image's launch permission names.
public struct EC2Permissions: Sendable, Hashable {
    /// Groups; `all` makes the resource public.
    public var groups: [String]
    public var userIDs: [String]

    init(_ items: [AWSXMLElement]) {
        groups = items.compactMap { $0.string("group") }
        userIDs = items.compactMap { $0.string("userId") }
    }
}

/// A security group and its rules.
public struct EC2SecurityGroup: Sendable, Hashable {
    public var id: String
    public var name: String
    public var vpcID: String?
    public var ingress: [IPPermission]
    public var egress: [IPPermission]

    public init(id: String, name: String, vpcID: String?, ingress: [IPPermission], egress: [IPPermission]) {
        self.id = id
        self.name = name
        self.vpcID = vpcID
        self.ingress = ingress
        self.egress = egress
    }

    init(_ item: AWSXMLElement) {
        id = item.string("groupId") ?? ""
        name = item.string("groupName") ?? ""
        vpcID = item.string("vpcId")
        ingress = item.list("ipPermissions").map(IPPermission.init)
        egress = item.list("ipPermissionsEgress").map(IPPermission.init)
    }
}

/// One security group rule: protocol, port range and the address ranges it applies to.
public struct IPPermission: Sendable, Hashable {
    /// `tcp`, `udp`, `icmp`, or `-1` for all.
    public var ipProtocol: String
    public var fromPort: Int?
    public var toPort: Int?
    public var ipv4Ranges: [String]
    public var ipv6Ranges: [String]
    public var groupIDs: [String]

    public init(
        ipProtocol: String,
        fromPort: Int? = nil,
        toPort: Int? = nil,
        ipv4Ranges: [String] = [],
        ipv6Ranges: [String] = [],
        groupIDs: [String] = []
    ) {
        self.ipProtocol = ipProtocol
        self.fromPort = fromPort
        self.toPort = toPort
        self.ipv4Ranges = ipv4Ranges
        self.ipv6Ranges = ipv6Ranges
        self.groupIDs = groupIDs
    }

    /// Everything, everywhere: the first stage of the quarantine swap, and a new group's default egress.
    public static let allTraffic = IPPermission(ipProtocol: "-1", ipv4Ranges: ["0.0.0.0/0"])

    /// Whether the two rules allow the same traffic: ports are ignored for all-protocol rules, lists are sets.
    public func allowsTheSame(as other: IPPermission) -> Bool {
        ipProtocol == other.ipProtocol
            && (ipProtocol == "-1" || (fromPort == other.fromPort && toPort == other.toPort))
            && Set(ipv4Ranges) == Set(other.ipv4Ranges) && Set(ipv6Ranges) == Set(other.ipv6Ranges)
            && Set(groupIDs) == Set(other.groupIDs)
    }

    /// Whether the rule covers `port` (all-traffic rules cover every port).
    public func covers(port: Int) -> Bool {
        if ipProtocol == "-1" { return true }
        guard let fromPort, let toPort else { return false }
        return (fromPort...toPort).contains(port) || (fromPort == -1 && toPort == -1)
    }

    init(_ item: AWSXMLElement) {
        ipProtocol = item.string("ipProtocol") ?? "-1"
        fromPort = item.string("fromPort").flatMap(Int.init)
        toPort = item.string("toPort").flatMap(Int.init)
        ipv4Ranges = item.list("ipRanges").compactMap { $0.string("cidrIp") }
        ipv6Ranges = item.list("ipv6Ranges").compactMap { $0.string("cidrIpv6") }
        groupIDs = item.list("groups").compactMap { $0.string("groupId") }
    }

    func encode(into parameters: inout FormParameters, prefix: String) {
        parameters.set("\(prefix).IpProtocol", ipProtocol)
        if let fromPort { parameters.set("\(prefix).FromPort", fromPort) }
        if let toPort { parameters.set("\(prefix).ToPort", toPort) }
        for (index, cidr) in ipv4Ranges.enumerated() { parameters.set("\(prefix).IpRanges.\(index + 1).CidrIp", cidr) }
        for (index, cidr) in ipv6Ranges.enumerated() {
            parameters.set("\(prefix).Ipv6Ranges.\(index + 1).CidrIpv6", cidr)
        }
        for (index, group) in groupIDs.enumerated() {
            parameters.set("\(prefix).Groups.\(index + 1).GroupId", group)
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
