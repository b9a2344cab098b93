import RemedyCore

/// Amazon Athena operations (`json` 1.1): workgroup settings.
public struct AthenaClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// Whether the workgroup publishes its query metrics to CloudWatch.
    public func publishesMetrics(workGroup: String) async throws(AWSError) -> Bool {
        let reply = try await client.json("GetWorkGroup", effect: .readOnly, body: ["WorkGroup": .string(workGroup)])
        guard let found = reply["WorkGroup"] else { throw client.missing("GetWorkGroup", "WorkGroup") }
        return found["Configuration"]?["PublishCloudWatchMetricsEnabled"]?.boolValue ?? false
    }

    public func setPublishesMetrics(workGroup: String, _ enabled: Bool) async throws(AWSError) {
        _ = try await client.json(
            "UpdateWorkGroup",
            effect: .mutating(idempotent: true),
            body: [
                "WorkGroup": .string(workGroup),
                "ConfigurationUpdates": ["PublishCloudWatchMetricsEnabled": .bool(enabled)],
            ]
        )
    }
}
