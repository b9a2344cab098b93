import RemedyCore

/// Amazon ECR operations (`json` 1.1): repository settings.
public struct ECRClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// Whether the repository scans each image pushed to it.
    public func scansOnPush(repository: String) async throws(AWSError) -> Bool {
        let reply = try await client.json(
            "DescribeRepositories",
            effect: .readOnly,
            body: ["repositoryNames": [.string(repository)]]
        )
        guard let found = reply["repositories"]?.arrayValue?.first else {
            throw client.missing("DescribeRepositories", "repositories[0]")
        }
        return found["imageScanningConfiguration"]?["scanOnPush"]?.boolValue ?? false
    }

    public func setScanOnPush(repository: String, _ enabled: Bool) async throws(AWSError) {
        _ = try await client.json(
            "PutImageScanningConfiguration",
            effect: .mutating(idempotent: true),
            body: ["repositoryName": .string(repository), "imageScanningConfiguration": ["scanOnPush": .bool(enabled)]]
        )
    }
}
