import RemedyCore

/// Secrets Manager operations (`json` 1.1).
public struct SecretsManagerClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// A secret's versions and rotation settings (`DescribeSecret`).
    public struct SecretDescription: Sendable, Hashable {
        public var arn: String
        /// Staging labels (`AWSCURRENT`, `AWSPENDING`, `AWSPREVIOUS`) by version id.
        public var versionStages: [String: [String]]
        public var rotationEnabled: Bool
        public var rotationLambdaARN: String?
    }

    public func describeSecret(_ secretID: String) async throws(AWSError) -> SecretDescription {
        let reply = try await client.json("DescribeSecret", effect: .readOnly, body: ["SecretId": .string(secretID)])
        return SecretDescription(
            arn: reply["ARN"]?.stringValue ?? "",
            versionStages: (reply["VersionIdsToStages"]?.objectValue ?? [:]).mapValues {
                $0.arrayValue?.compactMap(\.stringValue) ?? []
            },
            rotationEnabled: reply["RotationEnabled"]?.boolValue ?? false,
            rotationLambdaARN: reply["RotationLambdaARN"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        )
    }

    /// Starts an immediate rotation; returns the new version id.
    public func rotateSecret(_ secretID: String, clientRequestToken: String) async throws(AWSError) -> String {
        let reply = try await client.json(
            "RotateSecret",
            effect: .mutating(idempotent: true),
            body: [
                "SecretId": .string(secretID), "ClientRequestToken": .string(clientRequestToken),
                "RotateImmediately": true,
            ]
        )
        return reply["VersionId"]?.stringValue ?? ""
    }
}
