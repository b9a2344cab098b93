/// A security finding in remedy's normalised form, whatever feed it came from.
///
/// Matching and expressions read these fields; `raw` keeps the original document so nothing the feed said is lost.
public struct Finding: Sendable, Hashable {
    public var id: String
    public var source: FindingSource
    /// GuardDuty type (`UnauthorizedAccess:EC2/SSHBruteForce`) or ASFF `Types`.
    public var types: [String]
    /// Security Hub control id (`S3.8`), rule id, or Config rule name.
    public var controlID: String?
    public var title: String?
    public var severity: Severity
    public var account: String
    public var region: String
    public var partition: Partition
    public var resources: [FindingResource]
    public var createdAt: String?
    public var updatedAt: String
    /// Which field `updatedAt` was read from: a hand-built or third-party event may lack `updatedAt`.
    public var updatedAtOrigin: TimestampOrigin
    /// A sample finding (GuardDuty's `CreateSampleFindings`): it plans and dry-runs, and is never acted on live.
    public var isSample: Bool
    public var workflowStatus: String?
    /// The product that produced the finding (ASFF `ProductArn`), when known.
    public var productARN: String?
    public var raw: JSONValue

    public init(
        id: String,
        source: FindingSource,
        types: [String],
        controlID: String? = nil,
        title: String? = nil,
        severity: Severity,
        account: String,
        region: String,
        partition: Partition,
        resources: [FindingResource],
        createdAt: String? = nil,
        updatedAt: String,
        updatedAtOrigin: TimestampOrigin = .updatedAt,
        isSample: Bool = false,
        workflowStatus: String? = nil,
        productARN: String? = nil,
        raw: JSONValue
    ) {
        self.id = id
        self.source = source
        self.types = types
        self.controlID = controlID
        self.title = title
        self.severity = severity
        self.account = account
        self.region = region
        self.partition = partition
        self.resources = resources
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.updatedAtOrigin = updatedAtOrigin
        self.isSample = isSample
        self.workflowStatus = workflowStatus
        self.productARN = productARN
        self.raw = raw
    }

    /// What identifies one delivery of a finding: a redelivery with the same key starts no second run.
    ///
    /// It names the field the time came from when that is not `updatedAt`, so a finding keyed on its creation time
    /// is never taken for an update stamped at the same moment.
    ///
    /// An attack sequence arrives as one finding per member resource (the member first), one delivery each.
    public var dedupeKey: String {
        var key = "\(source.rawValue)|\(id)|\(updatedAt)"
        if updatedAtOrigin != .updatedAt { key += "|\(updatedAtOrigin.rawValue)" }
        if isAttackSequence, let member = resources.first { key += "|member:\(member.type):\(member.id)" }
        return key
    }

    /// A GuardDuty Extended Threat Detection finding (`AttackSequence:...`), about several member resources.
    public var isAttackSequence: Bool { source == .guardduty && types.contains { $0.hasPrefix("AttackSequence:") } }

    /// Where a finding's `updatedAt` came from, most precise first.
    public enum TimestampOrigin: String, Sendable, Hashable {
        case updatedAt
        /// The finding has no update time: its creation time stands in.
        case createdAt
        /// Neither: the time of the envelope it came in (EventBridge `time`, SNS `Timestamp`).
        case envelope
    }
}

/// Where a finding came from.
public enum FindingSource: String, Sendable, Hashable, CaseIterable, Codable {
    case guardduty
    case securityhub
    case config
    case inspector
    case macie
    case custom
}

/// A resource a finding is about.
public struct FindingResource: Sendable, Hashable {
    /// ASFF resource type name (`AwsEc2Instance`, `AwsS3Bucket`, `AwsIamAccessKey`, ...).
    public var type: String
    /// The resource's own identifier (`i-...`, bucket name, access key id) or, when the feed gives only that, its ARN.
    public var id: String
    public var arn: String?
    public var region: String?
    public var tags: [String: String]?
    /// Type-specific details as the feed gave them (ASFF `Details`, GuardDuty `resource`).
    public var details: JSONValue

    public init(
        type: String,
        id: String,
        arn: String? = nil,
        region: String? = nil,
        tags: [String: String]? = nil,
        details: JSONValue = .null
    ) {
        self.type = type
        self.id = id
        self.arn = arn
        self.region = region
        self.tags = tags
        self.details = details
    }
}
