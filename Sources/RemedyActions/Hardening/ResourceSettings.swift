import RemedyAWS
import RemedyCore

// Hardening actions of one shape (``SettingAction``): read a setting, change it when it falls short, undo writes
// back the value before. Each is one self-describing type: its descriptor and how to read and write the setting.

/// `dynamodb.enable_deletion_protection` (DynamoDB.6).
public struct EnableDynamoDBDeletionProtection: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "dynamodb.enable_deletion_protection",
        summary: "Turn on deletion protection for a DynamoDB table",
        parameters: [ParameterSpec("table", .identifier(.dynamoDBTable), summary: "the table")],
        outputs: [changedOutput],
        permissions: ["dynamodb:DescribeTable", "dynamodb:UpdateTable"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> DynamoDBClient {
        try clients.dynamoDB()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("table", .dynamoDBTable)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] {
        ["DeletionProtectionEnabled": true]
    }
    public static func read(
        _ table: String,
        with dynamoDB: DynamoDBClient
    ) async throws(AWSError) -> [String: JSONValue] {
        ["DeletionProtectionEnabled": .bool(try await dynamoDB.isDeletionProtected(table: table))]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to table: String,
        with dynamoDB: DynamoDBClient
    ) async throws(AWSError) {
        try await dynamoDB.setDeletionProtection(table: table, settings["DeletionProtectionEnabled"] == true)
    }
}

/// `ecr.enable_scan_on_push` (ECR.1).
public struct EnableECRScanOnPush: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "ecr.enable_scan_on_push",
        summary: "Scan every image pushed to an ECR repository for vulnerabilities",
        parameters: [ParameterSpec("repository", .identifier(.ecrRepository), summary: "the repository")],
        outputs: [changedOutput],
        permissions: ["ecr:DescribeRepositories", "ecr:PutImageScanningConfiguration"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> ECRClient { try clients.ecr() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("repository", .ecrRepository)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["scanOnPush": true] }
    public static func read(_ repository: String, with ecr: ECRClient) async throws(AWSError) -> [String: JSONValue] {
        ["scanOnPush": .bool(try await ecr.scansOnPush(repository: repository))]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to repository: String,
        with ecr: ECRClient
    ) async throws(AWSError) {
        try await ecr.setScanOnPush(repository: repository, settings["scanOnPush"] == true)
    }
}

/// `logs.set_retention` (CloudWatch.16): keep a log group's events at least so long.
public struct SetLogGroupRetention: SettingAction {
    /// The retention periods CloudWatch Logs accepts, in days (`PutRetentionPolicy`, botocore's model).
    static let allowedDays = [
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ]

    public static let descriptor = ActionDescriptor(
        name: "logs.set_retention",
        summary: "Keep a log group's events at least the given number of days (one that keeps them longer, or "
            + "forever, is left as it is)",
        parameters: [
            ParameterSpec("log_group", .identifier(.logGroupName), summary: "the log group"),
            ParameterSpec(
                "days",
                .oneOf(allowedDays.map(String.init)),
                required: false,
                summary: "the least retention, in days; 365 if absent (as Security Hub's CloudWatch.16 asks)"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> CloudWatchLogsClient {
        try clients.cloudWatchLogs()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("log_group", .logGroupName)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] {
        ["retentionInDays": .number(Double(parameters.optionalString("days").flatMap { Int($0) } ?? 365))]
    }
    /// Unset (`null`) keeps events forever, which meets any minimum.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        guard let days = current.doubleValue else { return current == .null }
        return days >= (wanted.doubleValue ?? 0)
    }
    public static func read(
        _ logGroup: String,
        with logs: CloudWatchLogsClient
    ) async throws(AWSError) -> [String: JSONValue] {
        ["retentionInDays": try await logs.retentionDays(logGroup: logGroup).map { .number(Double($0)) } ?? .null]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to logGroup: String,
        with logs: CloudWatchLogsClient
    ) async throws(AWSError) {
        try await logs.setRetention(logGroup: logGroup, days: settings["retentionInDays"]?.integerValue)
    }
}

/// `ec2.disable_subnet_public_ip` (EC2.15).
public struct DisableSubnetPublicIP: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.disable_subnet_public_ip",
        summary: "Stop a subnet giving new instances a public IPv4 address by default",
        parameters: [ParameterSpec("subnet", .identifier(.subnetID), summary: "the subnet")],
        outputs: [changedOutput],
        permissions: ["ec2:DescribeSubnets", "ec2:ModifySubnetAttribute"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> EC2Client { try clients.ec2() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("subnet", .subnetID)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["MapPublicIpOnLaunch": false] }
    public static func read(_ subnet: String, with ec2: EC2Client) async throws(AWSError) -> [String: JSONValue] {
        ["MapPublicIpOnLaunch": .bool(try await ec2.mapsPublicIPOnLaunch(subnetID: subnet))]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to subnet: String,
        with ec2: EC2Client
    ) async throws(AWSError) {
        try await ec2.setMapPublicIPOnLaunch(subnetID: subnet, settings["MapPublicIpOnLaunch"] == true)
    }
}

/// `cloudtrail.enable_log_file_validation` (CloudTrail.4).
public struct EnableLogFileValidation: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "cloudtrail.enable_log_file_validation",
        summary: "Make a trail write digest files that prove its log files unaltered",
        parameters: [ParameterSpec("trail", .identifier(.trailName), summary: "the trail's name or ARN")],
        outputs: [changedOutput],
        permissions: ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> CloudTrailClient {
        try clients.cloudTrail()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("trail", .trailName)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] {
        ["LogFileValidationEnabled": true]
    }
    public static func read(
        _ trail: String,
        with cloudTrail: CloudTrailClient
    ) async throws(AWSError) -> [String: JSONValue] {
        ["LogFileValidationEnabled": .bool(try await cloudTrail.validatesLogFiles(trail: trail))]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to trail: String,
        with cloudTrail: CloudTrailClient
    ) async throws(AWSError) {
        try await cloudTrail.setLogFileValidation(trail: trail, settings["LogFileValidationEnabled"] == true)
    }
}

/// `sns.enable_encryption` (SNS.1): encrypt a topic's messages at rest.
public struct EnableTopicEncryption: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "sns.enable_encryption",
        summary:
            "Encrypt an SNS topic at rest with a KMS key (a topic already encrypted with any key is left as it is)",
        parameters: [
            ParameterSpec("topic", .identifier(.topicARN), summary: "the topic's ARN"),
            ParameterSpec(
                "kms_key",
                .identifier(.kmsKey),
                required: false,
                summary: "the key; SNS's AWS managed key (alias/aws/sns) if absent"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["sns:GetTopicAttributes", "sns:SetTopicAttributes"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> SNSClient { try clients.sns() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("topic", .topicARN)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] {
        ["KmsMasterKeyId": .string(parameters.optionalString("kms_key") ?? "alias/aws/sns")]
    }
    /// Any key encrypts the topic; replacing a team's own key with another would be a change nobody asked for.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        !(current.stringValue ?? "").isEmpty
    }
    public static func read(_ topic: String, with sns: SNSClient) async throws(AWSError) -> [String: JSONValue] {
        [
            "KmsMasterKeyId": try await sns.topicAttribute("KmsMasterKeyId", topicARN: topic).map(JSONValue.string)
                ?? .null
        ]
    }
    /// An empty key id turns encryption off again (undo of a topic that had none).
    public static func write(
        _ settings: [String: JSONValue],
        to topic: String,
        with sns: SNSClient
    ) async throws(AWSError) {
        try await sns.setTopicAttribute(
            "KmsMasterKeyId",
            settings["KmsMasterKeyId"]?.stringValue ?? "",
            topicARN: topic
        )
    }
}

/// `autoscaling.enable_elb_health_check` (AutoScaling.1).
public struct EnableELBHealthCheck: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "autoscaling.enable_elb_health_check",
        summary: "Make an Auto Scaling group replace instances its load balancer finds unhealthy, not only failed ones",
        parameters: [ParameterSpec("group", .identifier(.autoScalingGroupName), summary: "the group")],
        outputs: [changedOutput],
        permissions: ["autoscaling:DescribeAutoScalingGroups", "autoscaling:UpdateAutoScalingGroup"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> AutoScalingClient {
        try clients.autoScaling()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("group", .autoScalingGroupName)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["HealthCheckType": "ELB"] }
    public static func read(
        _ group: String,
        with autoScaling: AutoScalingClient
    ) async throws(AWSError) -> [String: JSONValue] {
        ["HealthCheckType": try await autoScaling.healthCheckType(group: group).map(JSONValue.string) ?? .null]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to group: String,
        with autoScaling: AutoScalingClient
    ) async throws(AWSError) {
        try await autoScaling.setHealthCheckType(group: group, settings["HealthCheckType"]?.stringValue ?? "EC2")
    }
}

/// `s3.enable_access_logging` (S3.9, CloudTrail.7).
public struct EnableBucketAccessLogging: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "s3.enable_access_logging",
        summary:
            "Send a bucket's server access logs to a log bucket (a bucket already logging anywhere is left as it is)",
        parameters: [
            ParameterSpec("bucket", .identifier(.bucketName), summary: "the bucket"),
            ParameterSpec(
                "target_bucket",
                .identifier(.bucketName),
                summary: "the log bucket; its policy must let logging.s3.amazonaws.com write"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["s3:GetBucketLogging", "s3:PutBucketLogging"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> S3Client { try clients.s3() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("bucket", .bucketName)
    }
    /// Logs go under the bucket's name, so one log bucket serves many.
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        let bucket = try parameters.identifier("bucket", .bucketName)
        let target = try parameters.identifier("target_bucket", .bucketName)
        // A bucket logging into itself logs its own log writes, without end.
        guard target != bucket else {
            throw ActionFailure(
                .permanent,
                code: "LogBucketIsTheBucket",
                message: "bucket \(bucket) cannot log to itself; it is the log bucket, which needs no access log"
            )
        }
        return ["LoggingEnabled": ["TargetBucket": .string(target), "TargetPrefix": .string("\(bucket)/")]]
    }
    /// Logging to any bucket meets the control; redirecting a team's logs would be a change nobody asked for.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        current != .null
    }
    public static func read(_ bucket: String, with s3: S3Client) async throws(AWSError) -> [String: JSONValue] {
        guard let logging = try await s3.accessLogging(bucket: bucket) else { return ["LoggingEnabled": .null] }
        return [
            "LoggingEnabled": [
                "TargetBucket": .string(logging.targetBucket), "TargetPrefix": .string(logging.targetPrefix),
            ]
        ]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to bucket: String,
        with s3: S3Client
    ) async throws(AWSError) {
        let logging = settings["LoggingEnabled"] ?? .null
        let target = logging["TargetBucket"]?.stringValue.map { ($0, logging["TargetPrefix"]?.stringValue ?? "") }
        try await s3.setAccessLogging(bucket: bucket, target: target)
    }
}

/// `cloudtrail.enable_encryption` (CloudTrail.2).
public struct EnableTrailEncryption: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "cloudtrail.enable_encryption",
        summary: "Encrypt a trail's log files with a KMS key (a trail already encrypted with any key is left as it is)",
        parameters: [
            ParameterSpec("trail", .identifier(.trailName), summary: "the trail's name or ARN"),
            ParameterSpec(
                "kms_key",
                .identifier(.kmsKey),
                summary: "the key; its policy must let cloudtrail.amazonaws.com encrypt with it"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> CloudTrailClient {
        try clients.cloudTrail()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("trail", .trailName)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        ["KmsKeyId": .string(try parameters.identifier("kms_key", .kmsKey))]
    }
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        !(current.stringValue ?? "").isEmpty
    }
    public static func read(
        _ trail: String,
        with cloudTrail: CloudTrailClient
    ) async throws(AWSError) -> [String: JSONValue] {
        ["KmsKeyId": try await cloudTrail.kmsKey(trail: trail).map(JSONValue.string) ?? .null]
    }
    /// An empty key id goes back to S3's own encryption (undo of a trail that had no key).
    public static func write(
        _ settings: [String: JSONValue],
        to trail: String,
        with cloudTrail: CloudTrailClient
    ) async throws(AWSError) {
        try await cloudTrail.setKMSKey(trail: trail, settings["KmsKeyId"]?.stringValue ?? "")
    }
}

/// `apigateway.protect_stage` (APIGateway.1, APIGateway.5): a REST API stage's default method settings.
public struct ProtectAPIStage: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "apigateway.protect_stage",
        summary: "Encrypt a REST API stage's cache at rest, or log its execution errors to CloudWatch",
        parameters: [
            ParameterSpec("stage", .identifier(.apiGatewayStage), summary: "the stage, as API_ID/STAGE"),
            ParameterSpec(
                "encrypt_cache",
                .boolean,
                required: false,
                summary: "true: encrypt cached responses (APIGateway.5)"
            ),
            ParameterSpec(
                "execution_logging",
                .boolean,
                required: false,
                summary: "true: log errors at least (APIGateway.1; the account needs API Gateway's CloudWatch role)"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["apigateway:GET", "apigateway:PATCH"],
        isMutating: true,
        isReversible: true
    )

    static let asks: [AskedSetting] = [
        ("encrypt_cache", "caching/dataEncrypted", true),
        ("execution_logging", "logging/loglevel", "ERROR"),
    ]

    /// The stage's `API_ID/STAGE`, split.
    public struct Stage: Sendable {
        let api: String
        let name: String
        init(_ text: String) {
            let parts = text.split(separator: "/")
            (api, name) = (String(parts.first ?? ""), String(parts.last ?? ""))
        }
    }

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> APIGatewayClient {
        try clients.apiGateway()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("stage", .apiGatewayStage)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        try parameters.asked(asks, by: descriptor.name)
    }
    /// `INFO` logs more than the errors asked.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        guard setting == "logging/loglevel" else { return current == wanted }
        return current == "ERROR" || current == "INFO"
    }
    public static func read(
        _ stage: String,
        with apiGateway: APIGatewayClient
    ) async throws(AWSError) -> [String: JSONValue] {
        let target = Stage(stage)
        let settings = try await apiGateway.defaultMethodSettings(api: target.api, stage: target.name)
        return [
            "caching/dataEncrypted": .bool(settings["cacheDataEncrypted"]?.boolValue ?? false),
            "logging/loglevel": .string(settings["loggingLevel"]?.stringValue ?? "OFF"),
        ]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to stage: String,
        with apiGateway: APIGatewayClient
    ) async throws(AWSError) {
        let target = Stage(stage)
        try await apiGateway.patchDefaultMethodSettings(
            api: target.api,
            stage: target.name,
            settings.mapValues { $0.stringValue ?? ($0 == true ? "true" : "false") }
        )
    }
}

/// `s3.notify_deletions` (S3.11): a bucket without event notifications tells an SNS topic of every object deletion.
public struct NotifyBucketDeletions: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "s3.notify_deletions",
        summary: "Make a bucket without event notifications notify an SNS topic of every object deletion (a bucket "
            + "notifying anything is left as it is)",
        parameters: [
            ParameterSpec("bucket", .identifier(.bucketName), summary: "the bucket"),
            ParameterSpec(
                "topic",
                .identifier(.topicARN),
                summary: "the topic; its policy must let s3.amazonaws.com publish"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["s3:GetBucketNotification", "s3:PutBucketNotification"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> S3Client { try clients.s3() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("bucket", .bucketName)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        ["DeletionTopic": .string(try parameters.identifier("topic", .topicARN))]
    }
    /// Any notification meets the control; a team's configuration is never replaced.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool { current != .null }
    public static func read(_ bucket: String, with s3: S3Client) async throws(AWSError) -> [String: JSONValue] {
        ["DeletionTopic": try await s3.hasEventNotifications(bucket: bucket) ? "configured" : .null]
    }
    /// `null` (undo of a bucket that notified nothing) clears the configuration again.
    public static func write(
        _ settings: [String: JSONValue],
        to bucket: String,
        with s3: S3Client
    ) async throws(AWSError) {
        try await s3.setDeletionNotifications(bucket: bucket, topicARN: settings["DeletionTopic"]?.stringValue)
    }
}
