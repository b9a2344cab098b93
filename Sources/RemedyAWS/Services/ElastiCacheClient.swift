import RemedyCore

/// Amazon ElastiCache operations (`query`): cluster and replication group settings.
public struct ElastiCacheClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// Settings of a cache cluster as `DescribeCacheClusters` reports them, by the API's member names.
    public func clusterSettings(_ names: [String], cluster: String) async throws(AWSError) -> [String: String] {
        let result = try await client.query("DescribeCacheClusters", effect: .readOnly) {
            $0.set("CacheClusterId", cluster)
        }
        guard let found = result["CacheClusters"]?.all("CacheCluster").first else {
            throw client.missing("DescribeCacheClusters", "CacheClusters.CacheCluster")
        }
        return found.strings(names)
    }

    /// Sets cache cluster settings (`SnapshotRetentionLimit`, `AutoMinorVersionUpgrade`) at once.
    public func modifyCluster(_ cluster: String, _ settings: [String: String]) async throws(AWSError) {
        _ = try await client.query("ModifyCacheCluster", effect: .mutating(idempotent: true)) {
            $0.set("CacheClusterId", cluster)
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) { $0.set(name, value) }
            $0.set("ApplyImmediately", true)
        }
    }

    /// The replication group's automatic failover: `enabled`, `disabled`, `enabling` or `disabling`.
    public func automaticFailover(replicationGroup: String) async throws(AWSError) -> String? {
        let result = try await client.query("DescribeReplicationGroups", effect: .readOnly) {
            $0.set("ReplicationGroupId", replicationGroup)
        }
        guard let found = result["ReplicationGroups"]?.all("ReplicationGroup").first else {
            throw client.missing("DescribeReplicationGroups", "ReplicationGroups.ReplicationGroup")
        }
        return found.string("AutomaticFailover")
    }

    public func setAutomaticFailover(replicationGroup: String, _ enabled: Bool) async throws(AWSError) {
        _ = try await client.query("ModifyReplicationGroup", effect: .mutating(idempotent: true)) {
            $0.set("ReplicationGroupId", replicationGroup)
            $0.set("AutomaticFailoverEnabled", enabled)
            $0.set("ApplyImmediately", true)
        }
    }
}
