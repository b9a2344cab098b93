import RemedyCore

/// `eks.remove_access_entry`: takes an IAM principal's way into a cluster's Kubernetes API away.
public struct RemoveEKSAccessEntry: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "eks.remove_access_entry",
        summary: "Delete the EKS access entry, with its access policies, of the IAM principal a Kubernetes user is",
        parameters: [
            ParameterSpec("cluster", .identifier(.eksClusterName), summary: "the cluster"),
            ParameterSpec(
                "user",
                .string,
                summary: "the Kubernetes username GuardDuty reports (kubernetesUserDetails.username): an IAM user, "
                    + "role or assumed-role ARN; any other user (system:anonymous, a service account, an aws-auth "
                    + "mapping) has no access entry, and nothing changes"
            ),
        ],
        outputs: [
            OutputSpec("removed", .boolean, nullable: true, summary: "whether an access entry was deleted"),
            OutputSpec("principal_arn", .string, nullable: true, summary: "the entry's IAM principal"),
            OutputSpec("access_policies", .list(.string), summary: "the access policies the entry had"),
            OutputSpec(
                "reason",
                .string,
                nullable: true,
                summary: "why nothing was removed: what only the Kubernetes API can take away"
            ),
        ],
        permissions: [
            "eks:ListAccessEntries", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies",
            "eks:DeleteAccessEntry", "eks:CreateAccessEntry", "eks:AssociateAccessPolicy",
        ],
        isMutating: true,
        isReversible: true,
        isDisruptive: true,
        testedAgainst: .botocoreStub(because: "moto lacks EKS access entries")
    )
}
