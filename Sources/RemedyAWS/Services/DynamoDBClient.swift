import RemedyCore

/// DynamoDB operations (`json` 1.0): table settings.
public struct DynamoDBClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The table's billing mode (`PROVISIONED` or `PAY_PER_REQUEST`) and provisioned read and write capacity.
    public func capacity(table: String) async throws(AWSError) -> (billingMode: String, read: Int, write: Int) {
        let reply = try await client.json("DescribeTable", effect: .readOnly, body: ["TableName": .string(table)])
        let found = reply["Table"] ?? .null
        return (
            found["BillingModeSummary"]?["BillingMode"]?.stringValue ?? "PROVISIONED",
            found["ProvisionedThroughput"]?["ReadCapacityUnits"]?.integerValue ?? 0,
            found["ProvisionedThroughput"]?["WriteCapacityUnits"]?.integerValue ?? 0
        )
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
