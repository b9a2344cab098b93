import RemedyCore

/// EKS access entries (`rest-json`): which IAM principals may reach a cluster's Kubernetes API, and with which
/// access policies.
public struct EKSClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// What `DescribeAccessEntry` says of an entry, enough to create it again.
    public struct AccessEntry: Sendable, Hashable {
        public var principalARN: String
        public var type: String?
        public var username: String?
        public var kubernetesGroups: [String]
        public var tags: [String: String]

        public init(
            principalARN: String,
            type: String?,
            username: String?,
            kubernetesGroups: [String],
            tags: [String: String]
        ) {
            self.principalARN = principalARN
            self.type = type
            self.username = username
            self.kubernetesGroups = kubernetesGroups
            self.tags = tags
        }
    }

    /// An access policy associated with an entry, and the namespaces it applies in (none: the whole cluster).
    public struct AssociatedAccessPolicy: Sendable, Hashable {
        public var policyARN: String
        public var scopeType: String
        public var namespaces: [String]

        public init(policyARN: String, scopeType: String, namespaces: [String]) {
            self.policyARN = policyARN
            self.scopeType = scopeType
            self.namespaces = namespaces
        }
    }

    private func entriesPath(_ cluster: String) -> String {
        "/clusters/\(URIEncoding.encode(cluster))/access-entries"
    }

    private func entryPath(_ cluster: String, _ principalARN: String) -> String {
        "\(entriesPath(cluster))/\(URIEncoding.encode(principalARN))"
    }

    /// The principal ARNs of every access entry of the cluster, following `nextToken`.
    public func accessEntries(_ cluster: String) async throws(AWSError) -> [String] {
        var principals: [String] = []
        var token: String?
        repeat {
            var query = [("maxResults", "100")]
            if let token { query.append(("nextToken", token)) }
            let reply = try await client.restJSON(
                "ListAccessEntries",
                effect: .readOnly,
                method: "GET",
                path: entriesPath(cluster),
                query: URIEncoding.query(query)
            )
            principals += reply["accessEntries"]?.arrayValue?.compactMap(\.stringValue) ?? []
            token = reply["nextToken"]?.stringValue
        } while token != nil
        return principals
    }

    public func accessEntry(_ cluster: String, principalARN: String) async throws(AWSError) -> AccessEntry {
        let reply = try await client.restJSON(
            "DescribeAccessEntry",
            effect: .readOnly,
            method: "GET",
            path: entryPath(cluster, principalARN)
        )
        let entry = reply["accessEntry"] ?? .null
        return AccessEntry(
            principalARN: entry["principalArn"]?.stringValue ?? principalARN,
            type: entry["type"]?.stringValue,
            username: entry["username"]?.stringValue,
            kubernetesGroups: entry["kubernetesGroups"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            tags: entry["tags"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        )
    }

    /// Every access policy associated with the entry, following `nextToken`.
    public func associatedAccessPolicies(
        _ cluster: String,
        principalARN: String
    ) async throws(AWSError) -> [AssociatedAccessPolicy] {
        var policies: [AssociatedAccessPolicy] = []
        var token: String?
        repeat {
            var query = [("maxResults", "100")]
            if let token { query.append(("nextToken", token)) }
            let reply = try await client.restJSON(
                "ListAssociatedAccessPolicies",
                effect: .readOnly,
                method: "GET",
                path: "\(entryPath(cluster, principalARN))/access-policies",
                query: URIEncoding.query(query)
            )
            for policy in reply["associatedAccessPolicies"]?.arrayValue ?? [] {
                guard let arn = policy["policyArn"]?.stringValue else { continue }
                policies.append(
                    AssociatedAccessPolicy(
                        policyARN: arn,
                        scopeType: policy["accessScope"]?["type"]?.stringValue ?? "cluster",
                        namespaces: policy["accessScope"]?["namespaces"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    )
                )
            }
            token = reply["nextToken"]?.stringValue
        } while token != nil
        return policies
    }

    /// Deletes the entry, and with it every access policy association it had.
    public func deleteAccessEntry(_ cluster: String, principalARN: String) async throws(AWSError) {
        _ = try await client.restJSON(
            "DeleteAccessEntry",
            effect: .mutating(idempotent: true),
            method: "DELETE",
            path: entryPath(cluster, principalARN)
        )
    }

    /// Creates the entry as described.
    ///
    /// EKS takes Kubernetes groups and a username only for `STANDARD` entries
    /// (the node types get theirs from EKS); `clientRequestToken` makes a retried create one create.
    public func createAccessEntry(
        _ cluster: String,
        _ entry: AccessEntry,
        clientRequestToken: String
    ) async throws(AWSError) {
        var body: [String: JSONValue] = [
            "principalArn": .string(entry.principalARN), "clientRequestToken": .string(clientRequestToken),
        ]
        if let type = entry.type { body["type"] = .string(type) }
        if (entry.type ?? "STANDARD") == "STANDARD" {
            if !entry.kubernetesGroups.isEmpty {
                body["kubernetesGroups"] = .array(entry.kubernetesGroups.map(JSONValue.string))
            }
            if let username = entry.username { body["username"] = .string(username) }
        }
        if !entry.tags.isEmpty { body["tags"] = .object(entry.tags.mapValues(JSONValue.string)) }
        _ = try await client.restJSON(
            "CreateAccessEntry",
            effect: .mutating(idempotent: true),
            method: "POST",
            path: entriesPath(cluster),
            body: .object(body)
        )
    }

    /// Associates an access policy with an entry (associating one already associated replaces its scope).
    public func associateAccessPolicy(
        _ cluster: String,
        principalARN: String,
        _ policy: AssociatedAccessPolicy
    ) async throws(AWSError) {
        var scope: [String: JSONValue] = ["type": .string(policy.scopeType)]
        if !policy.namespaces.isEmpty { scope["namespaces"] = .array(policy.namespaces.map(JSONValue.string)) }
        _ = try await client.restJSON(
            "AssociateAccessPolicy",
            effect: .mutating(idempotent: true),
            method: "POST",
            path: "\(entryPath(cluster, principalARN))/access-policies",
            body: ["policyArn": .string(policy.policyARN), "accessScope": .object(scope)]
        )
    }
}
