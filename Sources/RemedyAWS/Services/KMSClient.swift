import RemedyCore

/// KMS operations (`json` 1.1).
public struct KMSClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public func createKey(description: String) async throws(AWSError) -> String {
        let reply = try await client.json(
            "CreateKey",
            effect: .mutating(idempotent: false),
            body: ["Description": .string(description)]
        )
        guard let arn = reply["KeyMetadata"]?["Arn"]?.stringValue else {
            throw client.missing("CreateKey", "KeyMetadata.Arn")
        }
        return arn
    }

    public func isKeyRotationEnabled(_ keyID: String) async throws(AWSError) -> Bool {
        let reply = try await client.json("GetKeyRotationStatus", effect: .readOnly, body: ["KeyId": .string(keyID)])
        return reply["KeyRotationEnabled"]?.boolValue ?? false
    }

    public func disableKeyRotation(_ keyID: String) async throws(AWSError) {
        _ = try await client.json(
            "DisableKeyRotation",
            effect: .mutating(idempotent: true),
            body: ["KeyId": .string(keyID)]
        )
    }

    public func enableKeyRotation(_ keyID: String) async throws(AWSError) {
        _ = try await client.json(
            "EnableKeyRotation",
            effect: .mutating(idempotent: true),
            body: ["KeyId": .string(keyID)]
        )
    }
}
