import RemedyAWS
import RemedyCore

// Hardening actions that make a resource keep a record: logs delivered, metrics collected, secrets rotated, data
// aged out of the expensive tiers (``SettingAction``). Each names what the account provides by parameter; the
// playbooks name it by convention (docs/hardening.md).

/// `cloudtrail.deliver_to_logs` (CloudTrail.5).
public struct DeliverTrailToLogs: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "cloudtrail.deliver_to_logs",
        summary:
            "Deliver a trail's events to a CloudWatch Logs group (a trail delivering to any group is left as it is)",
        parameters: [
            ParameterSpec("trail", .identifier(.trailName), summary: "the trail's name or ARN"),
            ParameterSpec("log_group", .identifier(.arn), summary: "the log group's ARN (`...:log-group:NAME:*`)"),
            ParameterSpec("role", .identifier(.roleARN), summary: "the role CloudTrail assumes to write to the group"),
        ],
        outputs: [changedOutput],
        permissions: ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail", "iam:PassRole"],
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
        [
            "CloudWatchLogs": [
                "LogGroupArn": .string(try parameters.identifier("log_group", .arn)),
                "RoleArn": .string(try parameters.identifier("role", .roleARN)),
            ]
        ]
    }
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool { current != .null }
    public static func read(
        _ trail: String,
        with cloudTrail: CloudTrailClient
    ) async throws(AWSError) -> [String: JSONValue] {
        guard let delivery = try await cloudTrail.logsDelivery(trail: trail) else { return ["CloudWatchLogs": .null] }
        return ["CloudWatchLogs": ["LogGroupArn": .string(delivery.logGroupARN), "RoleArn": .string(delivery.roleARN)]]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to trail: String,
        with cloudTrail: CloudTrailClient
    ) async throws(AWSError) {
        let delivery = settings["CloudWatchLogs"] ?? .null
        try await cloudTrail.setLogsDelivery(
            trail: trail,
            delivery["LogGroupArn"]?.stringValue.map { ($0, delivery["RoleArn"]?.stringValue ?? "") }
        )
    }
}

/// `rds.enable_enhanced_monitoring` (RDS.6).
public struct EnableEnhancedMonitoring: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "rds.enable_enhanced_monitoring",
        summary: "Collect an RDS DB instance's OS metrics every minute (an instance monitored at any interval is left "
            + "as it is)",
        parameters: [
            ParameterSpec("instance", .identifier(.dbInstanceIdentifier), summary: "the DB instance"),
            ParameterSpec("role", .identifier(.roleARN), summary: "the role RDS assumes to publish the metrics"),
        ],
        outputs: [changedOutput],
        permissions: ["rds:DescribeDBInstances", "rds:ModifyDBInstance", "iam:PassRole"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> RDSClient { try clients.rds() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("instance", .dbInstanceIdentifier)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        [
            "EnhancedMonitoring": [
                "MonitoringInterval": 60, "MonitoringRoleArn": .string(try parameters.identifier("role", .roleARN)),
            ]
        ]
    }
    /// Any interval collects the metrics the control asks for.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        (current["MonitoringInterval"]?.doubleValue ?? 0) > 0
    }
    public static func read(_ instance: String, with rds: RDSClient) async throws(AWSError) -> [String: JSONValue] {
        let values = try await rds.settings(["MonitoringInterval", "MonitoringRoleArn"], of: .instance, instance)
        guard let interval = values["MonitoringInterval"].flatMap({ Int($0) }), interval > 0 else {
            return ["EnhancedMonitoring": .null]
        }
        var monitoring: [String: JSONValue] = ["MonitoringInterval": .number(Double(interval))]
        if let role = values["MonitoringRoleArn"] { monitoring["MonitoringRoleArn"] = .string(role) }
        return ["EnhancedMonitoring": .object(monitoring)]
    }
    /// `null` (undo of an instance that had none) sets the interval to 0, which turns monitoring off.
    public static func write(
        _ settings: [String: JSONValue],
        to instance: String,
        with rds: RDSClient
    ) async throws(AWSError) {
        let monitoring = settings["EnhancedMonitoring"] ?? .null
        var values = ["MonitoringInterval": String(monitoring["MonitoringInterval"]?.integerValue ?? 0)]
        if let role = monitoring["MonitoringRoleArn"]?.stringValue { values["MonitoringRoleArn"] = role }
        try await rds.modify(values, of: .instance, instance)
    }
}

/// `s3.add_lifecycle_rule` (S3.13): a bucket without a lifecycle configuration gets remedy's, which moves objects
/// to Intelligent-Tiering and clears abandoned multipart uploads, and never expires an object.
public struct AddBucketLifecycleRule: SettingAction {
    static let rule =
        "<Rule><ID>remedy-intelligent-tiering</ID><Filter/><Status>Enabled</Status>"
        + "<Transition><Days>30</Days><StorageClass>INTELLIGENT_TIERING</StorageClass></Transition>"
        + "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
        + "</Rule>"

    public static let descriptor = ActionDescriptor(
        name: "s3.add_lifecycle_rule",
        summary: "Give a bucket without a lifecycle configuration one that moves objects to Intelligent-Tiering "
            + "after 30 days and clears incomplete uploads after 7; nothing is ever deleted",
        parameters: [ParameterSpec("bucket", .identifier(.bucketName), summary: "the bucket")],
        outputs: [changedOutput],
        permissions: ["s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> S3Client { try clients.s3() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("bucket", .bucketName)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["HasLifecycle": true] }
    public static func read(_ bucket: String, with s3: S3Client) async throws(AWSError) -> [String: JSONValue] {
        ["HasLifecycle": .bool(try await s3.hasLifecycle(bucket: bucket))]
    }
    /// `false` (undo of a bucket that had none) deletes the configuration again.
    public static func write(
        _ settings: [String: JSONValue],
        to bucket: String,
        with s3: S3Client
    ) async throws(AWSError) {
        if settings["HasLifecycle"] == true {
            try await s3.putLifecycle(bucket: bucket, rules: rule)
        } else {
            try await s3.deleteLifecycle(bucket: bucket)
        }
    }
}

/// `secretsmanager.schedule_rotation` (SecretsManager.1, SecretsManager.4).
public struct ScheduleSecretRotation: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "secretsmanager.schedule_rotation",
        summary: "Rotate a secret at least every 90 days with the rotation function it has, from its next scheduled "
            + "rotation (not now)",
        parameters: [
            ParameterSpec("secret", .identifier(.secretID), summary: "the secret's name or ARN"),
            ParameterSpec(
                "days",
                .integer,
                required: false,
                summary: "rotate at least every so many days, 1-365; 90 if absent (SecretsManager.4's default)"
            ),
        ],
        outputs: [changedOutput],
        permissions: [
            "secretsmanager:DescribeSecret", "secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret",
        ],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> SecretsManagerClient {
        try clients.secretsManager()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("secret", .secretID)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        let days = parameters.values["days"] == nil ? 90 : try parameters.integer("days")
        guard (1...365).contains(days) else {
            throw ActionFailure(.permanent, code: "InvalidParameter", message: "days must be 1-365, not \(days)")
        }
        return ["RotationDays": .number(Double(days))]
    }
    /// Rotating more often meets the period; a schedule expression (read as text) is the owner's own schedule.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        if current.stringValue != nil { return true }
        guard let days = current.doubleValue else { return false }
        return days <= (wanted.doubleValue ?? 0)
    }
    public static func read(
        _ secret: String,
        with secrets: SecretsManagerClient
    ) async throws(AWSError) -> [String: JSONValue] {
        let rotation = try await secrets.rotation(secret)
        guard rotation.isEnabled else { return ["RotationDays": .null] }
        if let days = rotation.days { return ["RotationDays": .number(Double(days))] }
        return ["RotationDays": rotation.scheduleExpression.map(JSONValue.string) ?? .null]
    }
    /// A period schedules rotation with the secret's own function (none is an error the owner must answer);
    /// `null` (undo of a secret that did not rotate) turns rotation off.
    public static func write(
        _ settings: [String: JSONValue],
        to secret: String,
        with secrets: SecretsManagerClient
    ) async throws(AWSError) {
        guard let days = settings["RotationDays"]?.integerValue else {
            try await secrets.cancelRotation(secret)
            return
        }
        guard let function = try await secrets.rotation(secret).lambdaARN else {
            throw AWSError(
                service: "secretsmanager",
                operation: "RotateSecret",
                statusCode: nil,
                code: "NoRotationFunction",
                message: "secret \(secret) has no rotation function; its owner must give it one (a Lambda function "
                    + "that knows how to change the credential) before it can rotate",
                kind: .permanent
            )
        }
        try await secrets.scheduleRotation(secret, lambdaARN: function, days: days)
    }
}

/// `ec2.enable_flow_logs` (EC2.6): all of a VPC's traffic recorded to an S3 bucket.
///
/// The flow log is tagged `remedy:managed`; undo deletes the VPC's flow logs so tagged, which, since the step
/// found none, are the ones it created.
public struct EnableVPCFlowLogs: SettingAction {
    static let tags = ["remedy:managed": "true"]

    public static let descriptor = ActionDescriptor(
        name: "ec2.enable_flow_logs",
        summary: "Record all of a VPC's traffic to an S3 bucket with a flow log (a VPC with any flow log is left as "
            + "it is)",
        parameters: [
            ParameterSpec("vpc", .identifier(.vpcID), summary: "the VPC"),
            ParameterSpec(
                "bucket",
                .identifier(.bucketName),
                summary: "the bucket; its policy must let delivery.logs.amazonaws.com write"
            ),
        ],
        outputs: [changedOutput],
        permissions: [
            "ec2:DescribeFlowLogs", "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:CreateTags",
            "logs:CreateLogDelivery", "logs:DeleteLogDelivery",
        ],
        isMutating: true,
        isReversible: true
    )

    public struct Target: Sendable {
        let ec2: EC2Client
        let partition: Partition
    }

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> Target {
        let ec2 = try clients.ec2()
        return Target(ec2: ec2, partition: Partition(region: ec2.client.region))
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("vpc", .vpcID)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        ["FlowLogs": ["Bucket": .string(try parameters.identifier("bucket", .bucketName))]]
    }
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool { current != .null }
    public static func read(_ vpc: String, with target: Target) async throws(AWSError) -> [String: JSONValue] {
        let logs = try await target.ec2.flowLogs(vpcID: vpc)
        return ["FlowLogs": logs.isEmpty ? .null : ["Count": .number(Double(logs.count))]]
    }
    /// A bucket creates the flow log; `null` (undo) deletes the ones remedy created.
    public static func write(
        _ settings: [String: JSONValue],
        to vpc: String,
        with target: Target
    ) async throws(AWSError) {
        if let bucket = settings["FlowLogs"]?["Bucket"]?.stringValue {
            try await target.ec2.createFlowLog(
                vpcID: vpc,
                s3Destination: "arn:\(target.partition.rawValue):s3:::\(bucket)",
                tags: tags
            )
        } else {
            let created = try await target.ec2.flowLogs(vpcID: vpc).filter { $0.tags["remedy:managed"] == "true" }
            guard !created.isEmpty else { return }
            try await target.ec2.deleteFlowLogs(ids: created.map(\.id))
        }
    }
}

/// `redshift.enable_audit_logging` (Redshift.4).
public struct EnableRedshiftAuditLogging: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "redshift.enable_audit_logging",
        summary: "Send a Redshift cluster's connection and user audit logs to a bucket (a cluster logging anywhere "
            + "is left as it is)",
        parameters: [
            ParameterSpec("cluster", .identifier(.redshiftCluster), summary: "the cluster"),
            ParameterSpec(
                "bucket",
                .identifier(.bucketName),
                summary: "the bucket; its policy must let redshift.amazonaws.com put objects"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["redshift:DescribeLoggingStatus", "redshift:EnableLogging", "redshift:DisableLogging"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> RedshiftClient {
        try clients.redshift()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("cluster", .redshiftCluster)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        ["AuditLogBucket": .string(try parameters.identifier("bucket", .bucketName))]
    }
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool { current != .null }
    public static func read(
        _ cluster: String,
        with redshift: RedshiftClient
    ) async throws(AWSError) -> [String: JSONValue] {
        ["AuditLogBucket": try await redshift.auditLogBucket(cluster: cluster).map(JSONValue.string) ?? .null]
    }
    /// `null` (undo of a cluster that logged nothing) stops the logging.
    public static func write(
        _ settings: [String: JSONValue],
        to cluster: String,
        with redshift: RedshiftClient
    ) async throws(AWSError) {
        try await redshift.setAuditLogBucket(cluster: cluster, settings["AuditLogBucket"]?.stringValue)
    }
}
