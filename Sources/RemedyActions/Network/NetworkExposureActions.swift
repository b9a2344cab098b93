import RemedyCore

/// `ec2.revoke_open_ingress`: removes world-open rules (0.0.0.0/0, ::/0), on given ports or all.
public struct RevokeOpenIngress: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.revoke_open_ingress",
        summary: "Revoke ingress rules open to 0.0.0.0/0 or ::/0 on a security group",
        parameters: [
            ParameterSpec("security_group", .identifier(.securityGroupID), summary: "the group"),
            ParameterSpec(
                "ports",
                .list(.port),
                required: false,
                summary: "only rules covering these ports; all if absent"
            ),
        ],
        outputs: [OutputSpec("revoked_rules", .list(.any), summary: "the rules removed, for undo")],
        permissions: [
            "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress",
        ],
        isMutating: true,
        isReversible: true
    )
}

/// `ec2.empty_default_security_group`: the VPC default group should carry no rules (EC2.2).
public struct EmptyDefaultSecurityGroup: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.empty_default_security_group",
        summary: "Revoke every ingress and egress rule of a VPC's default security group",
        parameters: [ParameterSpec("security_group", .identifier(.securityGroupID), summary: "the default group")],
        outputs: [OutputSpec("revoked_rules", .list(.any), summary: "the rules removed, for undo")],
        permissions: [
            "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
        ],
        isMutating: true,
        isReversible: true
    )
}

/// `wafv2.block_ip`: adds an attacker's address to an IP set a block rule uses, honouring the lock token.
public struct BlockIPInWAF: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "wafv2.block_ip",
        summary: "Add an IP address to a WAFv2 IP set used by a block rule",
        parameters: [
            ParameterSpec("ip_set_arn", .identifier(.webACLIPSetARN), summary: "the IP set"),
            ParameterSpec("address", .identifier(.ipAddress), summary: "the address to block"),
        ],
        permissions: ["wafv2:GetIPSet", "wafv2:UpdateIPSet"],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto's WAFv2 was not probed")
    )
}

/// `ec2.nacl_deny_ip`: a deny entry in the subnet's network ACL; it affects the whole subnet, so gate it.
public struct DenyIPInNetworkACL: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.nacl_deny_ip",
        summary: "Add an inbound deny entry for an address to the network ACL of an instance's subnet",
        parameters: [
            ParameterSpec("instance", .identifier(.instanceID), summary: "the instance whose subnet to protect"),
            ParameterSpec("address", .identifier(.ipAddress), summary: "the address to deny"),
            ParameterSpec("rule_number", .integer, default: 90, summary: "NACL rule number, below the allow rules"),
        ],
        outputs: [
            OutputSpec("network_acl", .identifier(.networkACLID), summary: "the ACL changed"),
            OutputSpec("rule_number", .integer, summary: "the deny entry's rule number"),
        ],
        permissions: [
            "ec2:DescribeInstances", "ec2:DescribeNetworkAcls", "ec2:CreateNetworkAclEntry",
            "ec2:DeleteNetworkAclEntry",
        ],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}
