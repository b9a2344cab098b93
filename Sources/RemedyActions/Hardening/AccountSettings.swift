import RemedyAWS
import RemedyCore

/// `config.enable_recording` (Config.1): AWS Config records every supported resource of the region with its
/// service-linked role, delivering to an S3 bucket.
///
/// A recorder or delivery channel already there is kept (only started); undo stops recording and leaves them,
/// since deleting a recorder is the account owner's decision.
public struct EnableConfigRecording: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "config.enable_recording",
        summary: "Record every supported resource of the region with AWS Config and its service-linked role, "
            + "delivering to a bucket (a recorder already there is started, not replaced)",
        parameters: [
            ParameterSpec("account", .identifier(.accountID), summary: "the account (the run's)"),
            ParameterSpec(
                "bucket",
                .identifier(.bucketName),
                summary: "the bucket Config delivers to, used only when the region has no delivery channel"
            ),
        ],
        outputs: [changedOutput],
        permissions: [
            "config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus",
            "config:DescribeDeliveryChannels", "config:PutConfigurationRecorder", "config:PutDeliveryChannel",
            "config:StartConfigurationRecorder", "config:StopConfigurationRecorder", "iam:CreateServiceLinkedRole",
            "iam:PassRole",
        ],
        isMutating: true,
        isReversible: true
    )

    /// Config and IAM for the account, and its partition for the role's ARN.
    public struct Clients: Sendable {
        let config: ConfigClient
        let iam: IAMClient
        let partition: Partition
    }

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> Clients {
        let config = try clients.config()
        return Clients(config: config, iam: try clients.iam(), partition: Partition(region: config.client.region))
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("account", .accountID)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        ["Recording": ["Bucket": .string(try parameters.identifier("bucket", .bucketName))]]
    }
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool { current == true }
    public static func read(_ account: String, with clients: Clients) async throws(AWSError) -> [String: JSONValue] {
        ["Recording": .bool(try await clients.config.recorder()?.isRecording ?? false)]
    }
    /// A bucket sets up what is missing and starts recording; `false` (undo) stops it.
    public static func write(
        _ settings: [String: JSONValue],
        to account: String,
        with clients: Clients
    ) async throws(AWSError) {
        let existing = try await clients.config.recorder()
        guard let bucket = settings["Recording"]?["Bucket"]?.stringValue else {
            if let existing { try await clients.config.stopRecorder(name: existing.name) }
            return
        }
        let name = existing?.name ?? "default"
        if existing == nil {
            try await clients.iam.ensureServiceLinkedRole(service: "config.amazonaws.com")
            try await clients.config.putRecorder(
                name: name,
                role: "arn:\(clients.partition.rawValue):iam::\(account):role/aws-service-role/config.amazonaws.com/"
                    + "AWSServiceRoleForConfig"
            )
        }
        if existing?.hasDeliveryChannel != true {
            try await clients.config.putDeliveryChannel(name: "default", bucket: bucket)
        }
        try await clients.config.startRecorder(name: name)
    }
}

/// `dynamodb.enable_autoscaling` (DynamoDB.1): a provisioned table's read and write capacity follow demand.
public struct EnableDynamoDBAutoScaling: SettingAction {
    static let dimensions = ["dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits"]
    static let metrics = [
        "dynamodb:table:ReadCapacityUnits": "DynamoDBReadCapacityUtilization",
        "dynamodb:table:WriteCapacityUnits": "DynamoDBWriteCapacityUtilization",
    ]

    public static let descriptor = ActionDescriptor(
        name: "dynamodb.enable_autoscaling",
        summary: "Scale a provisioned DynamoDB table's read and write capacity with demand (70% utilisation, from "
            + "today's capacity up to ten times it); an on-demand table already scales",
        parameters: [ParameterSpec("table", .identifier(.dynamoDBTable), summary: "the table")],
        outputs: [changedOutput],
        permissions: [
            "dynamodb:DescribeTable", "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:RegisterScalableTarget", "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:DeregisterScalableTarget",
        ],
        isMutating: true,
        isReversible: true
    )

    public struct Clients: Sendable {
        let dynamoDB: DynamoDBClient
        let scaling: ApplicationAutoScalingClient
    }

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> Clients {
        Clients(dynamoDB: try clients.dynamoDB(), scaling: try clients.applicationAutoScaling())
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("table", .dynamoDBTable)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] {
        ["ScaledDimensions": .array(dimensions.map(JSONValue.string))]
    }
    /// On demand (`PAY_PER_REQUEST`) scales by itself; otherwise both dimensions must scale.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        if current == "PAY_PER_REQUEST" { return true }
        let scaled = Set(current.arrayValue?.compactMap(\.stringValue) ?? [])
        return dimensions.allSatisfy(scaled.contains)
    }
    public static func read(_ table: String, with clients: Clients) async throws(AWSError) -> [String: JSONValue] {
        if try await clients.dynamoDB.capacity(table: table).billingMode == "PAY_PER_REQUEST" {
            return ["ScaledDimensions": "PAY_PER_REQUEST"]
        }
        let scaled = try await clients.scaling.scalableDimensions(namespace: "dynamodb", resource: "table/\(table)")
        return ["ScaledDimensions": .array(scaled.filter(dimensions.contains).sorted().map(JSONValue.string))]
    }
    /// Registers the dimensions listed that are not yet scaled, and deregisters those not listed (undo).
    public static func write(
        _ settings: [String: JSONValue],
        to table: String,
        with clients: Clients
    ) async throws(AWSError) {
        let resource = "table/\(table)"
        let wanted = Set(settings["ScaledDimensions"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let scaled = Set(try await clients.scaling.scalableDimensions(namespace: "dynamodb", resource: resource))
        let capacity = try await clients.dynamoDB.capacity(table: table)
        for dimension in dimensions {
            if wanted.contains(dimension), !scaled.contains(dimension) {
                let current = max(1, dimension.hasSuffix("ReadCapacityUnits") ? capacity.read : capacity.write)
                try await clients.scaling.registerTarget(
                    namespace: "dynamodb",
                    resource: resource,
                    dimension: dimension,
                    minimum: current,
                    maximum: min(current * 10, 40_000)
                )
                try await clients.scaling.putTargetTrackingPolicy(
                    name: "remedy-\(dimension.split(separator: ":").last ?? "")",
                    namespace: "dynamodb",
                    resource: resource,
                    dimension: dimension,
                    metric: metrics[dimension] ?? "",
                    target: 70
                )
            } else if !wanted.contains(dimension), scaled.contains(dimension) {
                try await clients.scaling.deregisterTarget(
                    namespace: "dynamodb",
                    resource: resource,
                    dimension: dimension
                )
            }
        }
    }
}

/// `tagging.add_tags` (DynamoDB.5, GuardDuty.2, GuardDuty.4): tags added to any taggable resource by ARN.
///
/// Each tag key is a setting: a key the resource already has keeps its value (the team's), and undo removes only
/// the keys the step added.
public struct AddResourceTags: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "tagging.add_tags",
        summary: "Add tags to a resource by ARN, keeping every tag it has (a key it has keeps its value)",
        parameters: [
            ParameterSpec("resource", .identifier(.arn), summary: "the resource's ARN"),
            ParameterSpec("tags", .map(.string), summary: "the tags to add"),
        ],
        outputs: [changedOutput],
        permissions: [
            "tag:GetResources", "tag:TagResources", "tag:UntagResources", "dynamodb:TagResource",
            "dynamodb:UntagResource", "guardduty:TagResource", "guardduty:UntagResource",
        ],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto's tagging API cannot untag, nor tag GuardDuty resources")
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> TaggingClient {
        try clients.tagging()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("resource", .arn)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        let tags = parameters.stringMap("tags")
        guard !tags.isEmpty else {
            throw ActionFailure(.permanent, code: "NothingAsked", message: "tagging.add_tags needs at least one tag")
        }
        return tags.mapValues(JSONValue.string)
    }
    /// A key the resource has is the team's: its value stays.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool { current != .null }
    public static func read(_ arn: String, with tagging: TaggingClient) async throws(AWSError) -> [String: JSONValue] {
        try await tagging.tags(of: arn).mapValues(JSONValue.string)
    }
    /// Values tag; `null` values (undo) remove their keys.
    public static func write(
        _ settings: [String: JSONValue],
        to arn: String,
        with tagging: TaggingClient
    ) async throws(AWSError) {
        let added = settings.compactMapValues(\.stringValue)
        let removed = settings.filter { $0.value == .null }.keys.sorted()
        if !added.isEmpty { try await tagging.tag(arn, added) }
        if !removed.isEmpty { try await tagging.untag(arn, keys: removed) }
    }
}
