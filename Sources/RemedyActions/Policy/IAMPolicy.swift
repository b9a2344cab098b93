import RemedyCore

/// The least-privilege IAM policy for a target role: exactly the permissions the given actions declare.
///
/// Permissions that AWS scopes to a resource type are narrowed to ARNs of that type (instances, users, buckets,
/// functions, ...); the rest (Describe and List calls, account-level settings) need `*`.
public struct IAMPolicy: Sendable, Hashable {
    public struct Statement: Sendable, Hashable {
        public var actions: [String]
        public var resource: String
    }

    public var statements: [Statement]

    /// - Parameters:
    ///   - account: narrows ARNs to one account; `*` when nil.
    public init(actions: [ActionDescriptor], partition: Partition = .aws, account: String? = nil) {
        let permissions = Set(actions.flatMap(\.permissions))
        var byResource: [String: [String]] = [:]
        for permission in permissions {
            let resource = Self.resourcePatterns[permission].map {
                $0.replacingOccurrences(of: "{partition}", with: partition.rawValue)
                    .replacingOccurrences(of: "{account}", with: account ?? "*")
            }
            byResource[resource ?? "*", default: []].append(permission)
        }
        statements = byResource.map { Statement(actions: $0.value.sorted(), resource: $0.key) }
            .sorted { ($0.resource == "*" ? "" : $0.resource) < ($1.resource == "*" ? "" : $1.resource) }
    }

    /// The policy document, with a statement id per resource type.
    public var json: JSONValue {
        [
            "Version": "2012-10-17",
            "Statement": .array(
                statements.enumerated().map { index, statement in
                    [
                        "Sid": .string("Remedy\(index + 1)"),
                        "Effect": "Allow",
                        "Action": .array(statement.actions.map(JSONValue.string)),
                        "Resource": .string(statement.resource),
                    ]
                }
            ),
        ]
    }

    /// Resource types that AWS lets each action be scoped to (Service Authorization Reference, "Resource types"
    /// column); an action not listed is granted on `*`.
    static let resourcePatterns: [String: String] = {
        var patterns: [String: String] = [:]
        func scope(_ pattern: String, _ actions: String...) {
            for action in actions { patterns[action] = pattern }
        }
        scope(
            "arn:{partition}:ec2:*:{account}:instance/*",
            "ec2:ModifyInstanceAttribute",
            "ec2:ModifyInstanceMetadataOptions",
            "ec2:StopInstances",
            "ec2:StartInstances",
            "ec2:GetConsoleOutput",
            "ec2:AssociateIamInstanceProfile",
            "ec2:DisassociateIamInstanceProfile"
        )
        scope(
            "arn:{partition}:ec2:*:{account}:security-group/*",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupEgress"
        )
        scope("arn:{partition}:ec2:*::snapshot/*", "ec2:ModifySnapshotAttribute")
        scope("arn:{partition}:ec2:*::image/*", "ec2:ModifyImageAttribute")
        scope(
            "arn:{partition}:ec2:*:{account}:network-acl/*",
            "ec2:CreateNetworkAclEntry",
            "ec2:DeleteNetworkAclEntry"
        )
        scope(
            "arn:{partition}:iam::{account}:user/*",
            "iam:UpdateAccessKey",
            "iam:ListAccessKeys",
            "iam:PutUserPolicy",
            "iam:DeleteUserPolicy",
            "iam:GetUserPolicy",
            "iam:DeleteLoginProfile",
            "iam:GetLoginProfile",
            "iam:ListMFADevices",
            "iam:DeactivateMFADevice",
            "iam:AttachUserPolicy"
        )
        scope(
            "arn:{partition}:iam::{account}:role/*",
            "iam:PutRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:GetRolePolicy",
            "iam:PassRole"
        )
        scope("arn:{partition}:iam::{account}:instance-profile/*", "iam:GetInstanceProfile")
        scope(
            "arn:{partition}:s3:::*",
            "s3:PutBucketPublicAccessBlock",
            "s3:GetBucketPublicAccessBlock",
            "s3:PutEncryptionConfiguration",
            "s3:GetEncryptionConfiguration",
            "s3:GetBucketPolicy",
            "s3:PutBucketPolicy",
            "s3:DeleteBucketPolicy",
            "s3:GetBucketPolicyStatus",
            "s3:GetBucketObjectLockConfiguration",
            "s3:ListBucket"
        )
        scope("arn:{partition}:s3:::*/*", "s3:PutObject", "s3:GetObject", "s3:PutObjectRetention")
        scope(
            "arn:{partition}:lambda:*:{account}:function:*",
            "lambda:GetPolicy",
            "lambda:RemovePermission",
            "lambda:AddPermission",
            "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency",
            "lambda:GetFunctionConcurrency",
            "lambda:GetFunction"
        )
        scope(
            "arn:{partition}:kms:*:{account}:key/*",
            "kms:EnableKeyRotation",
            "kms:DisableKeyRotation",
            "kms:GetKeyRotationStatus"
        )
        scope(
            "arn:{partition}:secretsmanager:*:{account}:secret:*",
            "secretsmanager:RotateSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:PutSecretValue"
        )
        scope("arn:{partition}:sns:*:{account}:*", "sns:Publish")
        scope(
            "arn:{partition}:cloudtrail:*:{account}:trail/*",
            "cloudtrail:StartLogging",
            "cloudtrail:StopLogging",
            "cloudtrail:GetTrailStatus"
        )
        scope("arn:{partition}:wafv2:*:{account}:*/ipset/*/*", "wafv2:GetIPSet", "wafv2:UpdateIPSet")
        scope(
            "arn:{partition}:autoscaling:*:{account}:autoScalingGroup:*:autoScalingGroupName/*",
            "autoscaling:DetachInstances",
            "autoscaling:AttachInstances"
        )
        scope(
            "arn:{partition}:elasticloadbalancing:*:{account}:targetgroup/*/*",
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:RegisterTargets"
        )
        scope(
            "arn:{partition}:guardduty:*:{account}:detector/*",
            "guardduty:ArchiveFindings",
            "guardduty:UpdateDetector",
            "guardduty:GetDetector"
        )
        scope("arn:{partition}:securityhub:*:{account}:hub/default", "securityhub:BatchUpdateFindings")
        return patterns
    }()
}
