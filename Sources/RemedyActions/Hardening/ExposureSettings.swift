import RemedyAWS
import RemedyCore

// Hardening actions that take a resource off the public internet or out of other accounts' reach (``SettingAction``).

/// `rds.make_snapshot_private` (RDS.1).
public struct MakeDBSnapshotPrivate: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "rds.make_snapshot_private",
        summary: "Stop anyone restoring an RDS manual snapshot; the accounts it is shared with by id keep it",
        parameters: [ParameterSpec("snapshot", .identifier(.dbSnapshotIdentifier), summary: "the DB snapshot")],
        outputs: [changedOutput],
        permissions: ["rds:DescribeDBSnapshotAttributes", "rds:ModifyDBSnapshotAttribute"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> RDSClient { try clients.rds() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("snapshot", .dbSnapshotIdentifier)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["public": false] }
    public static func read(_ snapshot: String, with rds: RDSClient) async throws(AWSError) -> [String: JSONValue] {
        ["public": .bool(try await rds.isSnapshotPublic(snapshot))]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to snapshot: String,
        with rds: RDSClient
    ) async throws(AWSError) {
        try await rds.setSnapshotPublic(snapshot, settings["public"] == true)
    }
}

/// `ssm.make_document_private` (SSM.4).
public struct MakeSSMDocumentPrivate: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "ssm.make_document_private",
        summary: "Stop sharing a Systems Manager document with everyone; the accounts it is shared with by id keep it",
        parameters: [ParameterSpec("document", .identifier(.ssmDocumentName), summary: "the document's name")],
        outputs: [changedOutput],
        permissions: ["ssm:DescribeDocumentPermission", "ssm:ModifyDocumentPermission"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> SSMClient { try clients.ssm() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("document", .ssmDocumentName)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["public": false] }
    public static func read(_ document: String, with ssm: SSMClient) async throws(AWSError) -> [String: JSONValue] {
        ["public": .bool(try await ssm.isDocumentPublic(document))]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to document: String,
        with ssm: SSMClient
    ) async throws(AWSError) {
        try await ssm.setDocumentPublic(document, settings["public"] == true)
    }
}

/// `ec2.disable_transit_gateway_auto_accept` (EC2.23).
public struct DisableTransitGatewayAutoAccept: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.disable_transit_gateway_auto_accept",
        summary: "Make a transit gateway wait for review before accepting attachments other accounts share with it",
        parameters: [ParameterSpec("transit_gateway", .identifier(.transitGatewayID), summary: "the transit gateway")],
        outputs: [changedOutput],
        permissions: ["ec2:DescribeTransitGateways", "ec2:ModifyTransitGateway"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> EC2Client { try clients.ec2() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("transit_gateway", .transitGatewayID)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] {
        ["AutoAcceptSharedAttachments": false]
    }
    public static func read(_ gateway: String, with ec2: EC2Client) async throws(AWSError) -> [String: JSONValue] {
        ["AutoAcceptSharedAttachments": .bool(try await ec2.autoAcceptsSharedAttachments(transitGatewayID: gateway))]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to gateway: String,
        with ec2: EC2Client
    ) async throws(AWSError) {
        try await ec2.setAutoAcceptSharedAttachments(
            transitGatewayID: gateway,
            settings["AutoAcceptSharedAttachments"] == true
        )
    }
}

/// `sqs.enable_encryption` (SQS.1): SQS-managed server-side encryption for a queue that has none.
public struct EnableQueueEncryption: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "sqs.enable_encryption",
        summary: "Encrypt an SQS queue at rest with SQS-managed keys (a queue with a KMS key is left as it is)",
        parameters: [
            ParameterSpec("queue", .identifier(.sqsQueueName), summary: "the queue's name, in the run's account")
        ],
        outputs: [changedOutput],
        permissions: ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes"],
        isMutating: true,
        isReversible: true
    )

    /// The queue is named in the run's account; its URL comes from SQS.
    public struct Queues: Sendable {
        let sqs: SQSClient
        let account: String

        func url(_ name: String) async throws(AWSError) -> String {
            try await sqs.queueURL(name: name, account: account)
        }
    }

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> Queues {
        Queues(sqs: try clients.sqs(), account: clients.account)
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("queue", .sqsQueueName)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["SqsManagedSseEnabled": true] }
    /// A queue with a KMS key is encrypted already: it reads as SQS-managed encryption on.
    public static func read(_ queue: String, with queues: Queues) async throws(AWSError) -> [String: JSONValue] {
        let attributes = try await queues.sqs.queueAttributes(queueURL: try await queues.url(queue))
        let encrypted = attributes["SqsManagedSseEnabled"] == "true" || !(attributes["KmsMasterKeyId"] ?? "").isEmpty
        return ["SqsManagedSseEnabled": .bool(encrypted)]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to queue: String,
        with queues: Queues
    ) async throws(AWSError) {
        try await queues.sqs.setQueueAttributes(
            queueURL: try await queues.url(queue),
            ["SqsManagedSseEnabled": settings["SqsManagedSseEnabled"] == true ? "true" : "false"]
        )
    }
}

/// `redshift.protect_cluster` (Redshift.1, Redshift.3, Redshift.6).
public struct ProtectRedshiftCluster: SettingAction {
    static let minimumSnapshotRetentionDays = 7

    public static let descriptor = ActionDescriptor(
        name: "redshift.protect_cluster",
        summary: "Take a Redshift cluster's public endpoint away, keep automated snapshots at least a week, or allow "
            + "version upgrades",
        parameters: [
            ParameterSpec("cluster", .identifier(.redshiftCluster), summary: "the cluster"),
            ParameterSpec("make_private", .boolean, required: false, summary: "true: no public endpoint (Redshift.1)"),
            ParameterSpec(
                "automated_snapshots",
                .boolean,
                required: false,
                summary: "true: keep automated snapshots at least 7 days (Redshift.3)"
            ),
            ParameterSpec(
                "version_upgrades",
                .boolean,
                required: false,
                summary: "true: apply major version upgrades in the maintenance window (Redshift.6)"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["redshift:DescribeClusters", "redshift:ModifyCluster"],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )

    static let asks: [AskedSetting] = [
        ("make_private", "PubliclyAccessible", false),
        ("automated_snapshots", "AutomatedSnapshotRetentionPeriod", .number(Double(minimumSnapshotRetentionDays))),
        ("version_upgrades", "AllowVersionUpgrade", true),
    ]

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> RedshiftClient {
        try clients.redshift()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("cluster", .redshiftCluster)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        try parameters.asked(asks, by: descriptor.name)
    }
    /// A retention longer than a week meets the week asked.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        guard setting == "AutomatedSnapshotRetentionPeriod" else { return current == wanted }
        return (current.doubleValue ?? 0) >= (wanted.doubleValue ?? 0)
    }
    public static func read(
        _ cluster: String,
        with redshift: RedshiftClient
    ) async throws(AWSError) -> [String: JSONValue] {
        QueryValues.typed(try await redshift.settings(asks.map(\.setting), cluster: cluster))
    }
    public static func write(
        _ settings: [String: JSONValue],
        to cluster: String,
        with redshift: RedshiftClient
    ) async throws(AWSError) {
        try await redshift.modify(cluster: cluster, QueryValues.text(settings))
    }
}
