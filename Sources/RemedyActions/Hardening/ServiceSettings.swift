import RemedyAWS
import RemedyCore

// Hardening actions on services moto 5.2.1 does not implement these calls for (ElastiCache modifications, Athena
// workgroup updates, Macie sessions, SSM service settings): tested against the stub server, which checks every
// request against botocore's model.

/// `elasticache.protect_cluster` (ElastiCache.1, ElastiCache.2).
public struct ProtectCacheCluster: SettingAction {
    static let snapshotRetentionDays = 7

    public static let descriptor = ActionDescriptor(
        name: "elasticache.protect_cluster",
        summary: "Keep a week of automatic backups of an ElastiCache cluster, or apply minor version upgrades",
        parameters: [
            ParameterSpec("cluster", .identifier(.cacheClusterID), summary: "the cache cluster"),
            ParameterSpec(
                "automatic_backups",
                .boolean,
                required: false,
                summary: "true: keep automatic backups at least 7 days (ElastiCache.1; Redis OSS and Valkey only)"
            ),
            ParameterSpec(
                "minor_version_upgrades",
                .boolean,
                required: false,
                summary: "true: apply minor engine upgrades in the maintenance window (ElastiCache.2)"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["elasticache:DescribeCacheClusters", "elasticache:ModifyCacheCluster"],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto lacks ElastiCache ModifyCacheCluster")
    )

    static let asks: [(parameter: String, setting: String, value: JSONValue)] = [
        ("automatic_backups", "SnapshotRetentionLimit", .number(Double(snapshotRetentionDays))),
        ("minor_version_upgrades", "AutoMinorVersionUpgrade", true),
    ]

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> ElastiCacheClient {
        try clients.elastiCache()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("cluster", .cacheClusterID)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        try parameters.asked(asks, by: descriptor.name)
    }
    /// More than a week of backups meets the week asked.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        guard setting == "SnapshotRetentionLimit" else { return current == wanted }
        return (current.doubleValue ?? 0) >= (wanted.doubleValue ?? 0)
    }
    public static func read(
        _ cluster: String,
        with elastiCache: ElastiCacheClient
    ) async throws(AWSError)
        -> [String: JSONValue]
    {
        QueryValues.typed(try await elastiCache.clusterSettings(asks.map(\.setting), cluster: cluster))
    }
    public static func write(
        _ settings: [String: JSONValue],
        to cluster: String,
        with elastiCache: ElastiCacheClient
    ) async throws(AWSError) {
        try await elastiCache.modifyCluster(cluster, QueryValues.text(settings))
    }
}

/// `elasticache.enable_automatic_failover` (ElastiCache.3).
public struct EnableCacheFailover: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "elasticache.enable_automatic_failover",
        summary: "Make an ElastiCache replication group promote a replica when its primary fails",
        parameters: [
            ParameterSpec("replication_group", .identifier(.cacheClusterID), summary: "the replication group")
        ],
        outputs: [changedOutput],
        permissions: ["elasticache:DescribeReplicationGroups", "elasticache:ModifyReplicationGroup"],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto lacks ElastiCache ModifyReplicationGroup")
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> ElastiCacheClient {
        try clients.elastiCache()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("replication_group", .cacheClusterID)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] {
        ["AutomaticFailoverEnabled": true]
    }
    /// `enabling` is on its way: it meets the control as `enabled` does.
    public static func read(
        _ group: String,
        with elastiCache: ElastiCacheClient
    ) async throws(AWSError)
        -> [String: JSONValue]
    {
        let state = try await elastiCache.automaticFailover(replicationGroup: group)
        return ["AutomaticFailoverEnabled": .bool(state == "enabled" || state == "enabling")]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to group: String,
        with elastiCache: ElastiCacheClient
    ) async throws(AWSError) {
        try await elastiCache.setAutomaticFailover(
            replicationGroup: group,
            settings["AutomaticFailoverEnabled"] == true
        )
    }
}

/// `athena.enable_workgroup_metrics` (Athena.4).
public struct EnableWorkGroupMetrics: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "athena.enable_workgroup_metrics",
        summary: "Make an Athena workgroup publish its query metrics to CloudWatch",
        parameters: [ParameterSpec("workgroup", .identifier(.athenaWorkGroup), summary: "the workgroup")],
        outputs: [changedOutput],
        permissions: ["athena:GetWorkGroup", "athena:UpdateWorkGroup"],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto lacks Athena UpdateWorkGroup")
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> AthenaClient {
        try clients.athena()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("workgroup", .athenaWorkGroup)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] {
        ["PublishCloudWatchMetricsEnabled": true]
    }
    public static func read(
        _ workGroup: String,
        with athena: AthenaClient
    ) async throws(AWSError)
        -> [String: JSONValue]
    {
        ["PublishCloudWatchMetricsEnabled": .bool(try await athena.publishesMetrics(workGroup: workGroup))]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to workGroup: String,
        with athena: AthenaClient
    ) async throws(AWSError) {
        try await athena.setPublishesMetrics(
            workGroup: workGroup,
            settings["PublishCloudWatchMetricsEnabled"] == true
        )
    }
}

/// `macie.enable` (Macie.1).
///
/// Undo pauses Macie rather than disabling it: disabling deletes every finding and setting Macie holds, which
/// an undo must not do.
public struct EnableMacie: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "macie.enable",
        summary: "Enable Amazon Macie in the region, or resume it when paused (undo pauses it, keeping its findings)",
        parameters: [ParameterSpec("account", .identifier(.accountID), summary: "the account (the run's)")],
        outputs: [changedOutput],
        permissions: ["macie2:GetMacieSession", "macie2:EnableMacie", "macie2:UpdateMacieSession"],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto's Macie is enabled from the start and cannot be paused")
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> MacieClient { try clients.macie() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("account", .accountID)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["status": "ENABLED"] }
    public static func read(_ account: String, with macie: MacieClient) async throws(AWSError) -> [String: JSONValue] {
        ["status": try await macie.sessionStatus().map(JSONValue.string) ?? .null]
    }
    /// `ENABLED` resumes a paused session or enables Macie; anything else (undo) pauses it.
    public static func write(
        _ settings: [String: JSONValue],
        to account: String,
        with macie: MacieClient
    ) async throws(AWSError) {
        guard settings["status"] == "ENABLED" else {
            try await macie.setStatus("PAUSED")
            return
        }
        if try await macie.sessionStatus() == nil {
            // One token per account: a retried call enables once.
            try await macie.enable(clientToken: "remedy-enable-macie-\(account)")
        } else {
            try await macie.setStatus("ENABLED")
        }
    }
}

/// `ssm.block_public_document_sharing` (SSM.7).
public struct BlockPublicDocumentSharing: SettingAction {
    static let settingID = "/ssm/documents/console/public-sharing-permission"

    public static let descriptor = ActionDescriptor(
        name: "ssm.block_public_document_sharing",
        summary: "Turn on Systems Manager's block on sharing documents publicly, for the account and region",
        parameters: [ParameterSpec("account", .identifier(.accountID), summary: "the account (the run's)")],
        outputs: [changedOutput],
        permissions: ["ssm:GetServiceSetting", "ssm:UpdateServiceSetting"],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto lacks SSM GetServiceSetting and UpdateServiceSetting")
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> SSMClient { try clients.ssm() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("account", .accountID)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["SettingValue": "Disable"] }
    public static func read(_ account: String, with ssm: SSMClient) async throws(AWSError) -> [String: JSONValue] {
        ["SettingValue": try await ssm.serviceSetting(settingID).map(JSONValue.string) ?? .null]
    }
    public static func write(
        _ settings: [String: JSONValue],
        to account: String,
        with ssm: SSMClient
    ) async throws(AWSError) {
        try await ssm.setServiceSetting(settingID, settings["SettingValue"]?.stringValue ?? "Enable")
    }
}

/// `codebuild.disable_privileged_mode` (CodeBuild.5).
public struct DisablePrivilegedBuilds: SettingAction {
    public static let descriptor = ActionDescriptor(
        name: "codebuild.disable_privileged_mode",
        summary: "Turn off privileged mode (root access to the build host's Docker daemon) for a CodeBuild project",
        parameters: [ParameterSpec("project", .identifier(.codeBuildProject), summary: "the project's name")],
        outputs: [changedOutput],
        permissions: ["codebuild:BatchGetProjects", "codebuild:UpdateProject"],
        isMutating: true,
        isReversible: true,
        isDisruptive: true,
        testedAgainst: .botocoreStub(because: "moto lacks CodeBuild UpdateProject")
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> CodeBuildClient {
        try clients.codeBuild()
    }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("project", .codeBuildProject)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["privilegedMode": false] }
    public static func read(
        _ project: String,
        with codeBuild: CodeBuildClient
    ) async throws(AWSError) -> [String: JSONValue] {
        [
            "privilegedMode": .bool(
                try await codeBuild.environment(project: project)["privilegedMode"]?.boolValue ?? false
            )
        ]
    }
    /// The rest of the environment is written back as it is.
    public static func write(
        _ settings: [String: JSONValue],
        to project: String,
        with codeBuild: CodeBuildClient
    ) async throws(AWSError) {
        guard case .object(var environment) = try await codeBuild.environment(project: project) else {
            throw AWSError(
                service: "codebuild",
                operation: "BatchGetProjects",
                statusCode: 200,
                code: "MalformedResponse",
                message: "project \(project)'s environment is not an object",
                kind: .malformedResponse
            )
        }
        environment["privilegedMode"] = .bool(settings["privilegedMode"] == true)
        try await codeBuild.setEnvironment(project: project, .object(environment))
    }
}

/// `sns.enable_delivery_status_logging` (SNS.2): SNS logs failed deliveries of the topic's messages to CloudWatch
/// Logs, for every protocol, with a role it assumes.
public struct EnableDeliveryStatusLogging: SettingAction {
    static let attributes = ["HTTP", "Lambda", "SQS", "Firehose", "Application"].map { "\($0)FailureFeedbackRoleArn" }

    public static let descriptor = ActionDescriptor(
        name: "sns.enable_delivery_status_logging",
        summary: "Log an SNS topic's failed deliveries to CloudWatch Logs for every protocol (a topic logging any is "
            + "left as it is)",
        parameters: [
            ParameterSpec("topic", .identifier(.topicARN), summary: "the topic's ARN"),
            ParameterSpec("role", .identifier(.roleARN), summary: "the role SNS assumes to write the logs"),
        ],
        outputs: [changedOutput],
        permissions: ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "iam:PassRole"],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto's SNS keeps no delivery status attributes")
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> SNSClient { try clients.sns() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("topic", .topicARN)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        let role = try parameters.identifier("role", .roleARN)
        return [
            "FailureFeedbackRoles": .object(Dictionary(uniqueKeysWithValues: attributes.map { ($0, .string(role)) }))
        ]
    }
    /// Logging for any protocol meets the control.
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool { current != .null }
    public static func read(_ topic: String, with sns: SNSClient) async throws(AWSError) -> [String: JSONValue] {
        let roles = try await sns.topicAttributes(topicARN: topic).filter {
            attributes.contains($0.key) && !$0.value.isEmpty
        }
        return ["FailureFeedbackRoles": roles.isEmpty ? .null : .object(roles.mapValues(JSONValue.string))]
    }
    /// `null` (undo of a topic that logged nothing) clears every protocol's role.
    public static func write(
        _ settings: [String: JSONValue],
        to topic: String,
        with sns: SNSClient
    ) async throws(AWSError) {
        let roles = settings["FailureFeedbackRoles"]?.objectValue ?? [:]
        for attribute in attributes {
            try await sns.setTopicAttribute(attribute, roles[attribute]?.stringValue ?? "", topicARN: topic)
        }
    }
}
