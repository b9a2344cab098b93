import RemedyCore

/// `evidence.collect`: what a forensic analyst wants before anything changes, in an evidence bucket.
public struct CollectEvidence: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "evidence.collect",
        summary: "Write instance metadata, console output, the finding and the run's journal excerpt to an evidence "
            + "bucket, with Object Lock retention when the bucket has it",
        parameters: [
            ParameterSpec("instance", .identifier(.instanceID), required: false, summary: "the instance, if any"),
            ParameterSpec("bucket", .identifier(.bucketName), summary: "the evidence bucket"),
            ParameterSpec(
                "bucket_owner",
                .identifier(.accountID),
                required: false,
                summary: "the account that must own the bucket (default: the finding's account); S3 refuses the "
                    + "upload when another account owns a bucket of that name"
            ),
            ParameterSpec("prefix", .string, default: "remedy/", summary: "key prefix"),
            ParameterSpec(
                "retention_days",
                .integer,
                default: 90,
                summary: "Object Lock retention when the bucket has Object Lock but no default retention rule"
            ),
        ],
        outputs: [OutputSpec("objects", .list(.string), summary: "the keys written")],
        permissions: [
            "ec2:DescribeInstances", "ec2:GetConsoleOutput", "s3:PutObject", "s3:PutObjectRetention",
            "s3:GetBucketObjectLockConfiguration", "s3:GetObject", "s3:ListBucket",
        ],
        isMutating: true
    )
}

/// `ec2.share_snapshots`: hands forensic snapshots to a forensics account.
public struct ShareSnapshots: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.share_snapshots",
        summary: "Share EBS snapshots with a forensics account",
        parameters: [
            ParameterSpec("snapshots", .list(.identifier(.snapshotID)), summary: "the snapshots"),
            ParameterSpec("account", .identifier(.accountID), summary: "the forensics account"),
        ],
        permissions: ["ec2:ModifySnapshotAttribute", "ec2:DescribeSnapshotAttribute"],
        isMutating: true,
        isReversible: true
    )
}

/// `secretsmanager.rotate_secret`.
public struct RotateSecret: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "secretsmanager.rotate_secret",
        summary: "Rotate a Secrets Manager secret now with its configured rotation function",
        parameters: [ParameterSpec("secret", .identifier(.secretID), summary: "secret name or ARN")],
        outputs: [OutputSpec("version_id", .string, summary: "the new version")],
        permissions: ["secretsmanager:RotateSecret", "secretsmanager:DescribeSecret"],
        isMutating: true,
        testedAgainst: .botocoreStub(because: "moto's Secrets Manager was not probed")
    )
}

/// `cloudtrail.start_logging` (CloudTrail.1, Stealth:IAMUser/CloudTrailLoggingDisabled).
///
/// Not reversible on purpose: stopping a trail is the attacker's move, and an undo would put
/// `cloudtrail:StopLogging` into the responder role's policy.
public struct StartCloudTrailLogging: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "cloudtrail.start_logging",
        summary: "Start logging on a CloudTrail trail",
        parameters: [ParameterSpec("trail", .identifier(.trailName), summary: "trail name or ARN")],
        permissions: ["cloudtrail:GetTrailStatus", "cloudtrail:StartLogging"],
        isMutating: true,
        testedAgainst: .botocoreStub(because: "moto's CloudTrail was not probed")
    )
}

/// `guardduty.enable_detector` (GuardDuty.1).
public struct EnableGuardDutyDetector: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "guardduty.enable_detector",
        summary: "Create a GuardDuty detector in the region, or enable the existing one",
        outputs: [OutputSpec("detector_id", .identifier(.detectorID), summary: "the detector")],
        permissions: [
            "guardduty:ListDetectors", "guardduty:GetDetector", "guardduty:CreateDetector", "guardduty:UpdateDetector",
        ],
        isMutating: true,
        testedAgainst: .botocoreStub(because: "tested with the other GuardDuty calls, which moto lacks")
    )
}
