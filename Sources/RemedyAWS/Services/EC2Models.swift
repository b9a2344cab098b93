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

/// Whether a permission change grants or takes away: `OperationType` of `ModifySnapshotAttribute`, the member name
/// (`Add`, `Remove`) of `ModifyImageAttribute`'s `LaunchPermission`.
public enum PermissionChange: String, Sendable, Hashable {
    case add
    case remove

    var launchPermissionMember: String {
        switch self {
        case .add: "Add"
        case .remove: "Remove"
        }
    }
}
