import RemedyCore

/// Amazon Redshift operations (`query`): cluster settings.
public struct RedshiftClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// Settings of a cluster as `DescribeClusters` reports them, by the API's member names.
    public func settings(_ names: [String], cluster: String) async throws(AWSError) -> [String: String] {
        let result = try await client.query("DescribeClusters", effect: .readOnly) {
            $0.set("ClusterIdentifier", cluster)
        }
        guard let found = result["Clusters"]?.all("Cluster").first else {
            throw client.missing("DescribeClusters", "Clusters.Cluster")
        }
        return found.strings(names)
    }

    /// Sets cluster settings (`PubliclyAccessible`, `AutomatedSnapshotRetentionPeriod`, `AllowVersionUpgrade`).
    public func modify(cluster: String, _ settings: [String: String]) async throws(AWSError) {
        _ = try await client.query("ModifyCluster", effect: .mutating(idempotent: true)) {
            $0.set("ClusterIdentifier", cluster)
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) { $0.set(name, value) }
        }
    }

    /// The bucket the cluster's audit logs go to, or nil when it logs none.
    public func auditLogBucket(cluster: String) async throws(AWSError) -> String? {
        let result = try await client.query("DescribeLoggingStatus", effect: .readOnly) {
            $0.set("ClusterIdentifier", cluster)
        }
        guard result.string("LoggingEnabled") == "true" else { return nil }
        return result.string("BucketName") ?? ""
    }

    /// Sends the cluster's audit logs to `bucket` under the cluster's name, or stops them when `bucket` is nil.
    public func setAuditLogBucket(cluster: String, _ bucket: String?) async throws(AWSError) {
        if let bucket {
            _ = try await client.query("EnableLogging", effect: .mutating(idempotent: true)) {
                $0.set("ClusterIdentifier", cluster)
                $0.set("BucketName", bucket)
                $0.set("S3KeyPrefix", "\(cluster)/")
            }
        } else {
            _ = try await client.query("DisableLogging", effect: .mutating(idempotent: true)) {
                $0.set("ClusterIdentifier", cluster)
            }
        }
    }
}
