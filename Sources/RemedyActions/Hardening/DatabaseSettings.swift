import RemedyAWS
import RemedyCore

/// The protections an RDS instance or cluster can be asked to turn on.
///
/// Only ever turned on: a playbook cannot turn one off through these actions.
public protocol DatabaseProtections: SettingAction where Client == RDSClient {
    static var kind: RDSClient.Kind { get }
    static var identifierKind: ResourceIdentifierKind { get }
    /// Each protection's parameter, the API's name for it, and `true`.
    static var protections: [AskedSetting] { get }
}

extension DatabaseProtections {
    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> RDSClient { try clients.rds() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier(kind == .instance ? "instance" : "cluster", identifierKind)
    }
    public static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue] {
        try parameters.asked(protections, by: descriptor.name)
    }
    public static func read(_ identifier: String, with rds: RDSClient) async throws(AWSError) -> [String: JSONValue] {
        try await rds.flags(protections.map(\.setting), of: kind, identifier).mapValues(JSONValue.bool)
    }
    public static func write(
        _ settings: [String: JSONValue],
        to identifier: String,
        with rds: RDSClient
    ) async throws(AWSError) {
        try await rds.setFlags(settings.mapValues { $0 == true }, of: kind, identifier)
    }
}

/// `rds.protect_instance` (RDS.5, RDS.8, RDS.13).
public struct ProtectDBInstance: DatabaseProtections {
    public static let kind = RDSClient.Kind.instance
    public static let identifierKind = ResourceIdentifierKind.dbInstanceIdentifier
    public static let protections: [AskedSetting] = [
        ("deletion_protection", "DeletionProtection", true),
        ("auto_minor_version_upgrade", "AutoMinorVersionUpgrade", true),
        ("multi_az", "MultiAZ", true),
    ]

    public static let descriptor = ActionDescriptor(
        name: "rds.protect_instance",
        summary:
            "Turn on an RDS DB instance's deletion protection, automatic minor version upgrades or Multi-AZ, at once",
        parameters: [
            ParameterSpec("instance", .identifier(.dbInstanceIdentifier), summary: "the DB instance"),
            ParameterSpec("deletion_protection", .boolean, required: false, summary: "true: refuse deletion (RDS.8)"),
            ParameterSpec(
                "auto_minor_version_upgrade",
                .boolean,
                required: false,
                summary: "true: apply minor engine upgrades in the maintenance window (RDS.13)"
            ),
            ParameterSpec(
                "multi_az",
                .boolean,
                required: false,
                summary: "true: keep a standby in another zone (RDS.5; doubles the instance's cost)"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["rds:DescribeDBInstances", "rds:ModifyDBInstance"],
        isMutating: true,
        isReversible: true
    )
}

/// `rds.protect_cluster` (RDS.7, RDS.16).
public struct ProtectDBCluster: DatabaseProtections {
    public static let kind = RDSClient.Kind.cluster
    public static let identifierKind = ResourceIdentifierKind.dbClusterIdentifier
    public static let protections: [AskedSetting] = [
        ("deletion_protection", "DeletionProtection", true),
        ("copy_tags_to_snapshot", "CopyTagsToSnapshot", true),
    ]

    public static let descriptor = ActionDescriptor(
        name: "rds.protect_cluster",
        summary: "Turn on an RDS DB cluster's deletion protection or the copying of its tags to snapshots, at once",
        parameters: [
            ParameterSpec("cluster", .identifier(.dbClusterIdentifier), summary: "the DB cluster"),
            ParameterSpec("deletion_protection", .boolean, required: false, summary: "true: refuse deletion (RDS.7)"),
            ParameterSpec(
                "copy_tags_to_snapshot",
                .boolean,
                required: false,
                summary: "true: snapshots carry the cluster's tags (RDS.16)"
            ),
        ],
        outputs: [changedOutput],
        permissions: ["rds:DescribeDBClusters", "rds:ModifyDBCluster"],
        isMutating: true,
        isReversible: true
    )
}
