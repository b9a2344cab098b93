import RemedyCore

/// `ec2.tag`: marks an instance (and optionally its volumes) with the case, for people and for crash-resume probes.
public struct TagInstance: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.tag",
        summary: "Tag an instance with the case id and status",
        parameters: [
            ParameterSpec("instance", .identifier(.instanceID), summary: "the instance to tag"),
            ParameterSpec("tags", .map(.string), summary: "tags to set, such as remedy:case and Status"),
        ],
        permissions: ["ec2:CreateTags", "ec2:DescribeTags"],
        isMutating: true,
        isReversible: true
    )
}

/// `ec2.snapshot_volumes`: evidence first, a snapshot of every attached volume.
public struct SnapshotVolumes: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.snapshot_volumes",
        summary: "Snapshot every EBS volume attached to an instance, tagged with the case",
        parameters: [
            ParameterSpec("instance", .identifier(.instanceID), summary: "the instance whose volumes to snapshot"),
            ParameterSpec("tags", .map(.string), required: false, summary: "tags for the snapshots"),
            ParameterSpec("description", .string, required: false, summary: "snapshot description"),
        ],
        outputs: [
            OutputSpec("snapshot_ids", .list(.identifier(.snapshotID)), summary: "the snapshots created"),
            OutputSpec("volume_ids", .list(.identifier(.volumeID)), summary: "the volumes snapshotted"),
        ],
        permissions: ["ec2:CreateSnapshots", "ec2:CreateTags", "ec2:DescribeSnapshots"],
        isMutating: true,
        callsCanDuplicate: true
    )
}

/// `ec2.enable_termination_protection`: keeps the evidence alive.
public struct EnableTerminationProtection: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.enable_termination_protection",
        summary: "Turn on termination protection, keep volumes on termination and make shutdown stop the instance",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "the instance to preserve")],
        permissions: [
            "ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:ModifyInstanceAttribute", "ec2:CreateTags",
        ],
        isMutating: true,
        isReversible: true
    )
}

/// `ec2.detach_from_autoscaling`: so the group neither replaces nor terminates the instance.
public struct DetachFromAutoScaling: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.detach_from_autoscaling",
        summary: "Detach an instance from its Auto Scaling group, keeping the group's desired capacity",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "the instance to detach")],
        outputs: [
            OutputSpec(
                "group",
                .identifier(.autoScalingGroupName),
                nullable: true,
                summary: "the group it left; null when it was in none"
            )
        ],
        permissions: [
            "autoscaling:DescribeAutoScalingInstances", "autoscaling:DetachInstances", "autoscaling:AttachInstances",
            "ec2:DescribeInstances", "ec2:CreateTags",
        ],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto's Auto Scaling was not probed")
    )
}

/// `ec2.deregister_from_target_groups`: stops the load balancer sending traffic to the instance.
public struct DeregisterFromTargetGroups: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.deregister_from_target_groups",
        summary: "Deregister an instance from every ELBv2 target group that routes to it",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "the instance to deregister")],
        outputs: [OutputSpec("target_groups", .list(.identifier(.arn)), summary: "target groups it left")],
        permissions: [
            "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets",
        ],
        isMutating: true,
        isReversible: true,
        isDisruptive: true,
        testedAgainst: .botocoreStub(because: "moto's ELBv2 was not probed")
    )
}

/// `ec2.detach_instance_profile`: takes the instance's role away from an attacker on the host.
public struct DetachInstanceProfile: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.detach_instance_profile",
        summary: "Disassociate the instance profile from an instance",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "the instance")],
        outputs: [
            OutputSpec(
                "instance_profile_arn",
                .string,
                nullable: true,
                summary: "the profile removed, for undo; null when it had none"
            ),
            OutputSpec(
                "role_name",
                .identifier(.iamRoleName),
                nullable: true,
                summary: "the profile's role, to revoke its sessions; null when there is none"
            ),
        ],
        permissions: [
            "ec2:DescribeIamInstanceProfileAssociations", "ec2:DisassociateIamInstanceProfile",
            "ec2:AssociateIamInstanceProfile", "ec2:DescribeInstances", "ec2:CreateTags", "iam:GetInstanceProfile",
            "iam:PassRole",
        ],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}

/// `ec2.quarantine`: the two-stage security-group swap that also cuts tracked connections.
public struct QuarantineInstance: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.quarantine",
        summary: "Move every interface of an instance to an isolation group with no rules, via an allow-all group "
            + "that makes open connections untracked",
        parameters: [
            ParameterSpec("instance", .identifier(.instanceID), summary: "the instance to isolate"),
            ParameterSpec(
                "isolation_group_name",
                .string,
                default: "remedy-isolation",
                summary: "name of the per-VPC isolation group, created when missing"
            ),
        ],
        outputs: [
            OutputSpec("isolation_group", .identifier(.securityGroupID), summary: "the isolation group used"),
            OutputSpec("original_groups", .map(.list(.identifier(.securityGroupID))), summary: "groups per interface"),
        ],
        permissions: [
            "ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces",
            "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupEgress", "ec2:ModifyNetworkInterfaceAttribute", "ec2:ModifyInstanceAttribute",
            "ec2:CreateTags", "ec2:DeleteSecurityGroup",
        ],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}

/// `ec2.enforce_imdsv2`: stops SSRF-style credential theft from instance metadata.
public struct EnforceIMDSv2: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.enforce_imdsv2",
        summary: "Require IMDSv2 session tokens on an instance",
        parameters: [
            ParameterSpec("instance", .identifier(.instanceID), summary: "the instance"),
            ParameterSpec("hop_limit", .integer, default: 1, summary: "PUT response hop limit"),
        ],
        permissions: ["ec2:DescribeInstances", "ec2:ModifyInstanceMetadataOptions"],
        isMutating: true,
        isReversible: true
    )
}

/// `ec2.stop`: last, behind approval, once evidence is safe (memory is lost on stop).
public struct StopInstance: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.stop",
        summary: "Stop an instance",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "the instance to stop")],
        permissions: ["ec2:DescribeInstances", "ec2:StopInstances", "ec2:StartInstances"],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}
