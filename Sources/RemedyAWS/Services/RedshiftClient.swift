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
        return Dictionary(uniqueKeysWithValues: names.compactMap { name in found.string(name).map { (name, $0) } })
    }

    /// Sets cluster settings (`PubliclyAccessible`, `AutomatedSnapshotRetentionPeriod`, `AllowVersionUpgrade`).
    public func modify(cluster: String, _ settings: [String: String]) async throws(AWSError) {
        _ = try await client.query("ModifyCluster", effect: .mutating(idempotent: true)) {
            $0.set("ClusterIdentifier", cluster)
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) { $0.set(name, value) }
        }
    }
}
