import RemedyCore

/// DynamoDB operations (`json` 1.0): table settings.
public struct DynamoDBClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public func isDeletionProtected(table: String) async throws(AWSError) -> Bool {
        let reply = try await client.json("DescribeTable", effect: .readOnly, body: ["TableName": .string(table)])
        return reply["Table"]?["DeletionProtectionEnabled"]?.boolValue ?? false
    }

    public func setDeletionProtection(table: String, _ enabled: Bool) async throws(AWSError) {
        _ = try await client.json(
            "UpdateTable",
            effect: .mutating(idempotent: true),
            body: ["TableName": .string(table), "DeletionProtectionEnabled": .bool(enabled)]
        )
    }
}
