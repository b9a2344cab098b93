import RemedyCore

/// `s3.block_public_access`: all four bucket-level flags on.
public struct BlockBucketPublicAccess: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "s3.block_public_access",
        summary: "Turn on all four S3 Block Public Access settings for a bucket",
        parameters: [ParameterSpec("bucket", .identifier(.bucketName), summary: "the bucket")],
        outputs: [OutputSpec("previous_configuration", .any, summary: "the settings before, for undo")],
        permissions: ["s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
        isMutating: true,
        isReversible: true
    )
}

/// `s3control.block_public_access`: the same four flags for the whole account (S3.1).
public struct BlockAccountPublicAccess: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "s3control.block_public_access",
        summary: "Turn on all four S3 Block Public Access settings for an account",
        parameters: [ParameterSpec("account", .identifier(.accountID), summary: "the account")],
        outputs: [OutputSpec("previous_configuration", .any, summary: "the settings before, for undo")],
        permissions: ["s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"],
        isMutating: true,
        isReversible: true
    )
}

/// `s3.enable_default_encryption`: SSE-S3 or SSE-KMS by default.
public struct EnableBucketDefaultEncryption: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "s3.enable_default_encryption",
        summary: "Set a bucket's default encryption (SSE-S3, or SSE-KMS with a key)",
        parameters: [
            ParameterSpec("bucket", .identifier(.bucketName), summary: "the bucket"),
            ParameterSpec(
                "kms_key",
                .identifier(.kmsKey),
                required: false,
                summary: "KMS key for SSE-KMS; SSE-S3 if absent"
            ),
        ],
        outputs: [OutputSpec("previous_configuration", .any, summary: "the encryption before, for undo")],
        permissions: ["s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"],
        isMutating: true,
        isReversible: true
    )
}

/// `s3.remove_public_policy_statements`: keeps the rest of the bucket policy.
public struct RemovePublicBucketPolicyStatements: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "s3.remove_public_policy_statements",
        summary: "Remove bucket policy statements that allow a public principal; delete the policy if none remain",
        parameters: [ParameterSpec("bucket", .identifier(.bucketName), summary: "the bucket")],
        outputs: [
            OutputSpec("removed_statements", .list(.any), summary: "the statements removed"),
            OutputSpec("previous_policy", .string, summary: "the policy before, for undo"),
        ],
        permissions: ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
        isMutating: true,
        isReversible: true
    )
}

/// `s3.deny_principal`: cuts one IAM principal off a bucket with a Deny statement of remedy's own, kept apart from
/// the owner's statements by its `Sid`, so that undo removes exactly it.
public struct DenyPrincipalOnBucket: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "s3.deny_principal",
        summary: "Add a bucket policy statement denying every S3 action on the bucket to one IAM principal",
        parameters: [
            ParameterSpec("bucket", .identifier(.bucketName), summary: "the bucket"),
            ParameterSpec(
                "principal_id",
                .identifier(.principalID),
                summary: "the principal's unique id, as a GuardDuty finding's accessKeyDetails.principalId gives it"
            ),
        ],
        outputs: [OutputSpec("statement_id", .string, summary: "the Sid of remedy's statement")],
        permissions: ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}

/// `ec2.make_snapshot_private`: removes group `all` from createVolumePermission (EC2.1).
public struct MakeSnapshotPrivate: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.make_snapshot_private",
        summary: "Remove public create-volume permission from an EBS snapshot",
        parameters: [ParameterSpec("snapshot", .identifier(.snapshotID), summary: "the snapshot")],
        permissions: ["ec2:DescribeSnapshotAttribute", "ec2:ModifySnapshotAttribute"],
        isMutating: true,
        isReversible: true
    )
}

/// `ec2.make_image_private`: removes group `all` from launchPermission.
public struct MakeImagePrivate: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.make_image_private",
        summary: "Remove public launch permission from an AMI",
        parameters: [ParameterSpec("image", .identifier(.imageID), summary: "the AMI")],
        permissions: ["ec2:DescribeImageAttribute", "ec2:ModifyImageAttribute"],
        isMutating: true,
        isReversible: true
    )
}

/// `ec2.enable_ebs_encryption_by_default` (EC2.7).
public struct EnableEBSEncryptionByDefault: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.enable_ebs_encryption_by_default",
        summary: "Encrypt new EBS volumes by default in the region",
        permissions: [
            "ec2:GetEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault", "ec2:DisableEbsEncryptionByDefault",
        ],
        isMutating: true,
        isReversible: true
    )
}

/// `lambda.capture_evidence`: the function's code identity and role, journaled with the step as evidence before
/// anything about the function changes.
public struct CaptureLambdaEvidence: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "lambda.capture_evidence",
        summary: "Record a Lambda function's code hash, version, package location and execution role",
        parameters: [ParameterSpec("function", .identifier(.lambdaFunction), summary: "the function name or ARN")],
        outputs: [
            OutputSpec("function_arn", .string, summary: "the function's ARN"),
            OutputSpec("code_sha256", .string, summary: "the deployment package's SHA-256, base64"),
            OutputSpec("version", .string, summary: "the version described ($LATEST unless a version was named)"),
            OutputSpec("revision_id", .string, nullable: true, summary: "the revision of the code and configuration"),
            OutputSpec("last_modified", .string, nullable: true, summary: "when the function last changed"),
            OutputSpec("runtime", .string, nullable: true, summary: "the runtime (null for a container image)"),
            OutputSpec(
                "code_location",
                .string,
                nullable: true,
                summary: "the package's S3 object (the pre-signed URL without its signature) or the image URI"
            ),
            OutputSpec("role_arn", .string, nullable: true, summary: "the execution role's ARN"),
            OutputSpec("role_name", .identifier(.iamRoleName), nullable: true, summary: "the execution role's name"),
        ],
        permissions: ["lambda:GetFunction"],
        isMutating: false
    )
}

/// `kms.enable_key_rotation` (KMS.4).
public struct EnableKeyRotation: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "kms.enable_key_rotation",
        summary: "Turn on automatic rotation of a customer managed KMS key",
        parameters: [ParameterSpec("key", .identifier(.kmsKey), summary: "the key id or ARN")],
        permissions: ["kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:DisableKeyRotation"],
        isMutating: true,
        isReversible: true
    )
}

/// `lambda.remove_public_permissions` (Lambda.1).
public struct RemovePublicLambdaPermissions: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "lambda.remove_public_permissions",
        summary: "Remove resource policy statements that let anyone invoke a Lambda function",
        parameters: [ParameterSpec("function", .identifier(.lambdaFunction), summary: "function name or ARN")],
        outputs: [OutputSpec("removed_statements", .list(.any), summary: "the statements removed, for undo")],
        permissions: ["lambda:GetPolicy", "lambda:RemovePermission", "lambda:AddPermission"],
        isMutating: true,
        isReversible: true
    )
}

/// `lambda.throttle`: reserved concurrency 0 stops a compromised function; undo restores the prior value.
public struct ThrottleLambda: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "lambda.throttle",
        summary: "Set a function's reserved concurrency to 0",
        parameters: [ParameterSpec("function", .identifier(.lambdaFunction), summary: "function name or ARN")],
        outputs: [OutputSpec("previous_concurrency", .any, summary: "reserved concurrency before, null if none")],
        permissions: [
            "lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
        ],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}
