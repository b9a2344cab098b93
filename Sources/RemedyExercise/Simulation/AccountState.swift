import RemedyAWS
import RemedyCore

/// Everything the simulated account holds: the resources a scenario describes and what the actions change.
///
/// A plain value: the simulated service endpoints change it, the report compares its first and last versions.
public struct AccountState: Sendable, Hashable {
    public var accountID: String
    public var region: String
    public var partition: String
    public var vpcs: [String: VPC] = [:]
    public var securityGroups: [String: SecurityGroup] = [:]
    public var instances: [String: Instance] = [:]
    public var volumes: [String: Volume] = [:]
    public var snapshots: [String: Snapshot] = [:]
    public var images: [String: Image] = [:]
    public var users: [String: User] = [:]
    public var roles: [String: Role] = [:]
    public var instanceProfiles: [String: InstanceProfile] = [:]
    public var buckets: [String: Bucket] = [:]
    public var accountPublicAccessBlock: PublicAccessBlock?
    public var lambdaFunctions: [String: LambdaFunction] = [:]
    public var autoScalingGroups: [String: AutoScalingGroup] = [:]
    public var targetGroups: [String: TargetGroup] = [:]
    public var trails: [String: Trail] = [:]
    public var snsTopics: Set<String> = []
    public var guardDutyDetector: String
    public var guardDutyFindings: [String: GuardDutyFinding] = [:]
    public var securityHubFindings: [String: SecurityHubFinding] = [:]
    /// Counter for the ids the simulation creates (security groups, snapshots, association ids).
    var nextSerial = 1

    public init(accountID: String, region: String, partition: String = "aws", guardDutyDetector: String) {
        self.accountID = accountID
        self.region = region
        self.partition = partition
        self.guardDutyDetector = guardDutyDetector
    }

    public struct VPC: Sendable, Hashable {
        public var id: String
    }

    /// One security group rule, as EC2 stores it: the same value the real EC2 client reads and writes.
    public typealias Rule = IPPermission

    public struct SecurityGroup: Sendable, Hashable {
        public var id: String
        public var name: String
        public var vpcID: String
        public var description: String
        public var ingress: [Rule]
        public var egress: [Rule]
        public var tags: [String: String]
    }

    public struct NetworkInterface: Sendable, Hashable {
        public var id: String
        public var securityGroupIDs: [String]
    }

    public struct BlockDevice: Sendable, Hashable {
        public var deviceName: String
        public var volumeID: String
        public var deleteOnTermination: Bool
    }

    public struct Instance: Sendable, Hashable {
        public var id: String
        /// `running`, `stopped`, ...
        public var state: String
        public var vpcID: String
        public var subnetID: String
        /// The first interface is the primary one, whose groups are the instance's.
        public var interfaces: [NetworkInterface]
        public var instanceProfileARN: String?
        public var profileAssociationID: String?
        public var blockDevices: [BlockDevice]
        public var tags: [String: String]
        public var httpTokens: String
        public var httpEndpoint: String
        public var hopLimit: Int
        public var terminationProtection: Bool
        public var shutdownBehavior: String

        public var securityGroupIDs: [String] { interfaces.first?.securityGroupIDs ?? [] }
    }

    public struct Volume: Sendable, Hashable {
        public var id: String
        public var sizeGiB: Int
        public var tags: [String: String]
    }

    public struct Snapshot: Sendable, Hashable {
        public var id: String
        public var volumeID: String
        public var description: String
        public var tags: [String: String]
        public var createVolumeGroups: [String]
        public var createVolumeUserIDs: [String]
        public var isPublic: Bool { createVolumeGroups.contains("all") }
    }

    public struct Image: Sendable, Hashable {
        public var id: String
        public var launchGroups: [String]
        public var isPublic: Bool { launchGroups.contains("all") }
    }

    public struct AccessKey: Sendable, Hashable {
        public var id: String
        /// `Active` or `Inactive`.
        public var status: String
        public var createDate: String
        public var lastUsed: String?
    }

    public struct User: Sendable, Hashable {
        public var name: String
        public var accessKeys: [AccessKey]
        public var hasLoginProfile: Bool
        /// MFA device serial numbers.
        public var mfaDevices: [String]
        public var inlinePolicies: [String: String]
    }

    public struct Role: Sendable, Hashable {
        public var name: String
        public var inlinePolicies: [String: String]
        /// IAM actions (`ec2:ModifyInstanceMetadataOptions`) this role lacks: calls needing them are refused.
        public var missingPermissions: Set<String>
    }

    public struct InstanceProfile: Sendable, Hashable {
        public var name: String
        public var roles: [String]
    }

    public struct PublicAccessBlock: Sendable, Hashable {
        public var blockPublicACLs: Bool
        public var ignorePublicACLs: Bool
        public var blockPublicPolicy: Bool
        public var restrictPublicBuckets: Bool

        public static let allBlocked = PublicAccessBlock(
            blockPublicACLs: true,
            ignorePublicACLs: true,
            blockPublicPolicy: true,
            restrictPublicBuckets: true
        )

        var isComplete: Bool { blockPublicACLs && ignorePublicACLs && blockPublicPolicy && restrictPublicBuckets }

        var summary: String {
            isComplete
                ? "all four on"
                : [
                    blockPublicACLs ? "BlockPublicAcls" : nil, ignorePublicACLs ? "IgnorePublicAcls" : nil,
                    blockPublicPolicy ? "BlockPublicPolicy" : nil,
                    restrictPublicBuckets ? "RestrictPublicBuckets" : nil,
                ].compactMap { $0 }.joined(separator: ",").nonEmpty ?? "all off"
        }
    }

    public struct Bucket: Sendable, Hashable {
        public var name: String
        /// The policy document as stored (JSON text), or nil.
        public var policy: String?
        public var publicAccessBlock: PublicAccessBlock?
        public var tags: [String: String]

        /// Whether the policy grants anything to everyone, and nothing blocks it.
        public var isPublic: Bool {
            if publicAccessBlock?.restrictPublicBuckets == true { return false }
            return policy.map(PolicyDocument.grantsPublicAccess) ?? false
        }
    }

    public struct LambdaFunction: Sendable, Hashable {
        public var name: String
        public var policy: String?
        public var reservedConcurrency: Int?
    }

    public struct AutoScalingGroup: Sendable, Hashable {
        public var name: String
        /// Instance id to lifecycle state (`InService`, `Detached`).
        public var instances: [String: String]
    }

    public struct TargetGroup: Sendable, Hashable {
        public var arn: String
        public var targets: [Target]

        public struct Target: Sendable, Hashable {
            public var id: String
            public var port: Int?
            /// `healthy`, `draining`, ...
            public var state: String
        }
    }

    public struct Trail: Sendable, Hashable {
        public var name: String
        public var isLogging: Bool
    }

    public struct GuardDutyFinding: Sendable, Hashable {
        public var id: String
        /// The finding as GuardDuty returns it (camelCase).
        public var document: JSONValue
        public var archived: Bool
    }

    public struct SecurityHubFinding: Sendable, Hashable {
        public var id: String
        public var productARN: String
        public var document: JSONValue
        public var workflowStatus: String
        /// The workflow status the finding arrived with.
        public var reportedStatus: String
        public var notes: [String]
    }

    mutating func serial() -> Int {
        defer { nextSerial += 1 }
        return nextSerial
    }

    /// A fresh id such as `sg-0e5e0000000000001`: the prefix, `0e5e` (for "exercise"), a zero-padded serial.
    mutating func newID(_ prefix: String) -> String {
        let number = String(serial(), radix: 16)
        return "\(prefix)-0e5e" + String(repeating: "0", count: max(0, 13 - number.count)) + number
    }

    /// Whether the instance is isolated: in one security group that lets nothing in or out.
    public func isIsolated(_ instanceID: String) -> Bool {
        guard let instance = instances[instanceID], !instance.interfaces.isEmpty else { return false }
        return instance.interfaces.allSatisfy { interface in
            guard interface.securityGroupIDs.count == 1, let group = securityGroups[interface.securityGroupIDs[0]]
            else { return false }
            return group.ingress.isEmpty && group.egress.isEmpty
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// Reading IAM and resource policy documents as the simulation needs.
enum PolicyDocument {
    /// Whether any Allow statement names everyone (`"*"` or `{"AWS": "*"}`) with no condition narrowing it.
    static func grantsPublicAccess(_ text: String) -> Bool {
        guard let document = try? JSONParser().parse(Array(text.utf8)) else { return false }
        return statements(document).contains(where: isPublicAllow)
    }

    static func statements(_ document: JSONValue) -> [JSONValue] {
        switch document["Statement"] {
        case .array(let list)?: list
        case let statement? where statement.objectValue != nil: [statement]
        default: []
        }
    }

    static func isPublicAllow(_ statement: JSONValue) -> Bool {
        guard statement["Effect"]?.stringValue == "Allow", statement["Condition"] == nil else { return false }
        switch statement["Principal"] {
        case .string("*")?: return true
        case .object(let members)?:
            let aws = members["AWS"]
            return aws == .string("*") || (aws?.arrayValue?.contains { $0.stringValue == "*" } ?? false)
        default: return false
        }
    }
}

extension IPPermission {
    /// `tcp 22-22 0.0.0.0/0`, `all 0.0.0.0/0`: how the report's state diff shows a rule.
    var summary: String {
        let ports =
            ipProtocol == "-1"
            ? "all" : "\(ipProtocol) \(fromPort.map(String.init) ?? "*")-\(toPort.map(String.init) ?? "*")"
        return "\(ports) \((ipv4Ranges + ipv6Ranges + groupIDs).joined(separator: ","))"
    }
}
