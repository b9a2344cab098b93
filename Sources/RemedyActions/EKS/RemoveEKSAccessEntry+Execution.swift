import RemedyAWS
import RemedyCore

// GuardDuty names the Kubernetes user, not the access entry: an IAM role's sessions arrive as
// `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`, while the entry names `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
// Both are read down to (account, user or role, name), which IAM keeps unique whatever the path, and the entry
// is found among the cluster's own. The username only picks an entry; what reaches the delete is the ARN EKS gave.
extension RemoveEKSAccessEntry: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let cluster = try parameters.identifier("cluster", .eksClusterName)
        guard let principal = Principal(try parameters.string("user")) else {
            return notRemoved(because: notIAM)
        }
        let eks = try context.clients.eks()
        guard let principalARN = try await entry(of: principal, in: cluster, eks) else {
            return notRemoved(because: noEntry)
        }
        let prior = try await readingCall { () async throws(AWSError) in
            PriorEntry(
                entry: try await eks.accessEntry(cluster, principalARN: principalARN),
                policies: try await eks.associatedAccessPolicies(cluster, principalARN: principalARN)
            )
        }
        try await context.recordPriorState(prior.json)
        do {
            try await eks.deleteAccessEntry(cluster, principalARN: principalARN)
        } catch  where error.code == "ResourceNotFoundException" {
            // Gone since the read, by an earlier attempt whose answer was lost or by someone else: the outcome holds.
        } catch {
            throw ActionFailure(error, isMutating: true)
        }
        return ActionResult(outputs: prior.outputs, priorState: prior.json)
    }

    /// Done when the principal has no access entry on the cluster.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let cluster = try parameters.identifier("cluster", .eksClusterName)
        guard let principal = Principal(try parameters.string("user")) else {
            return .done(notRemoved(because: notIAM))
        }
        guard try await entry(of: principal, in: cluster, try context.clients.eks()) == nil else { return .notDone }
        return .done(
            ActionResult(
                outputs: ["removed": .null, "principal_arn": .null, "access_policies": [], "reason": .null],
                verified: true
            )
        )
    }

    /// Creates the entry again as it was, type, username, groups and tags, and associates its access policies.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard let prior = PriorEntry(priorState) else { return }
        let cluster = try parameters.identifier("cluster", .eksClusterName)
        let eks = try context.clients.eks()
        do {
            try await eks.createAccessEntry(
                cluster,
                prior.entry,
                clientRequestToken: "\(context.request.idempotencyKey)-undo"
            )
        } catch  where error.code == "ResourceInUseException" {
            // Already back (an earlier undo, or its owner recreated it): the policies below still apply.
        } catch {
            throw ActionFailure(error, isMutating: true)
        }
        for policy in prior.policies {
            try await mutatingCall { () async throws(AWSError) in
                try await eks.associateAccessPolicy(cluster, principalARN: prior.entry.principalARN, policy)
            }
        }
    }

    static let notIAM =
        "the user is not an IAM principal (system:anonymous, a service account or a Kubernetes user): its access "
        + "comes from Kubernetes RBAC, which only the Kubernetes API changes"
    static let noEntry =
        "the IAM principal has no access entry: it reaches the cluster through the aws-auth ConfigMap, which only the "
        + "Kubernetes API changes"

    static func notRemoved(because reason: String) -> ActionResult {
        ActionResult(
            outputs: ["removed": false, "principal_arn": .null, "access_policies": [], "reason": .string(reason)]
        )
    }

    /// The principal ARN of the cluster's access entry for `principal`, or nil when it has none.
    static func entry(
        of principal: Principal,
        in cluster: String,
        _ eks: EKSClient
    ) async throws(ActionFailure) -> String? {
        let entries = try await readingCall { () async throws(AWSError) in try await eks.accessEntries(cluster) }
        return entries.first { Principal($0) == principal }
    }

    /// An IAM user or role, as IAM keeps names unique: account, kind and name.
    struct Principal: Hashable {
        var account: String
        var isRole: Bool
        var name: String

        /// Reads an IAM user or role ARN, or an assumed-role session ARN; nil for anything else.
        init?(_ text: String) {
            guard let arn = ARN(text) else { return nil }
            let path = arn.resource.split(separator: "/", omittingEmptySubsequences: false)
            switch (arn.service, path.first) {
            case ("sts", "assumed-role") where path.count == 3:
                (isRole, name) = (true, String(path[1]))
            case ("iam", "role") where path.count >= 2:
                (isRole, name) = (true, String(path[path.count - 1]))
            case ("iam", "user") where path.count >= 2:
                (isRole, name) = (false, String(path[path.count - 1]))
            default:
                return nil
            }
            guard !name.isEmpty else { return nil }
            account = arn.account
        }
    }

    /// The deleted entry and its access policies, as the prior state journals them.
    struct PriorEntry {
        var entry: EKSClient.AccessEntry
        var policies: [EKSClient.AssociatedAccessPolicy]

        init(entry: EKSClient.AccessEntry, policies: [EKSClient.AssociatedAccessPolicy]) {
            self.entry = entry
            self.policies = policies
        }

        init?(_ json: JSONValue) {
            guard let arn = json["principal_arn"]?.stringValue else { return nil }
            entry = EKSClient.AccessEntry(
                principalARN: arn,
                type: json["type"]?.stringValue,
                username: json["username"]?.stringValue,
                kubernetesGroups: json["kubernetes_groups"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                tags: json["tags"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
            )
            policies = (json["access_policies"]?.arrayValue ?? []).compactMap { policy in
                guard let arn = policy["policy_arn"]?.stringValue else { return nil }
                return EKSClient.AssociatedAccessPolicy(
                    policyARN: arn,
                    scopeType: policy["scope"]?.stringValue ?? "cluster",
                    namespaces: policy["namespaces"]?.arrayValue?.compactMap(\.stringValue) ?? []
                )
            }
        }

        var json: JSONValue {
            var members: [String: JSONValue] = [
                "principal_arn": .string(entry.principalARN),
                "kubernetes_groups": .array(entry.kubernetesGroups.map(JSONValue.string)),
                "tags": .object(entry.tags.mapValues(JSONValue.string)),
                "access_policies": .array(
                    policies.map { policy in
                        [
                            "policy_arn": .string(policy.policyARN), "scope": .string(policy.scopeType),
                            "namespaces": .array(policy.namespaces.map(JSONValue.string)),
                        ]
                    }
                ),
            ]
            if let type = entry.type { members["type"] = .string(type) }
            if let username = entry.username { members["username"] = .string(username) }
            return .object(members)
        }

        var outputs: [String: JSONValue] {
            [
                "removed": true, "principal_arn": .string(entry.principalARN),
                "access_policies": .array(policies.map { .string($0.policyARN) }), "reason": .null,
            ]
        }
    }
}
