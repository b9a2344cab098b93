import RemedyCore

/// `rds.snapshot_instance`: a manual snapshot of a DB instance, named for the run and step, as evidence before
/// anything about the database changes.
public struct SnapshotDBInstance: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "rds.snapshot_instance",
        summary: "Take a manual snapshot of an RDS DB instance, tagged with the case, for forensics",
        parameters: [ParameterSpec("instance", .identifier(.dbInstanceIdentifier), summary: "the DB instance")],
        outputs: [OutputSpec("snapshot_id", .string, summary: "the snapshot's identifier")],
        permissions: ["rds:CreateDBSnapshot", "rds:DescribeDBSnapshots", "rds:AddTagsToResource"],
        isMutating: true
    )
}

/// `rds.make_private`: takes a DB instance's public endpoint away.
public struct MakeDBInstancePrivate: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "rds.make_private",
        summary: "Turn off an RDS DB instance's public accessibility, at once",
        parameters: [ParameterSpec("instance", .identifier(.dbInstanceIdentifier), summary: "the DB instance")],
        outputs: [
            OutputSpec("was_public", .boolean, nullable: true, summary: "whether the instance had a public endpoint"),
            OutputSpec("security_groups", .list(.identifier(.securityGroupID)), summary: "its VPC security groups"),
        ],
        permissions: ["rds:DescribeDBInstances", "rds:ModifyDBInstance"],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}
