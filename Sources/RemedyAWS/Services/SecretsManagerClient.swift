import Foundation
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

    /// A secret's rotation schedule: whether it is on, every how many days or on which schedule expression, and
    /// the function that rotates it.
    public struct Rotation: Sendable, Hashable {
        public var isEnabled: Bool
        public var days: Int?
        public var scheduleExpression: String?
        public var lambdaARN: String?
    }

    public func rotation(_ secretID: String) async throws(AWSError) -> Rotation {
        let reply = try await client.json("DescribeSecret", effect: .readOnly, body: ["SecretId": .string(secretID)])
        let rules = reply["RotationRules"] ?? .null
        return Rotation(
            isEnabled: reply["RotationEnabled"]?.boolValue ?? false,
            days: rules["AutomaticallyAfterDays"]?.integerValue,
            scheduleExpression: rules["ScheduleExpression"]?.stringValue,
            lambdaARN: reply["RotationLambdaARN"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        )
    }

    /// Rotates the secret every `days` days with `lambdaARN`, the first rotation on that schedule, not now.
    public func scheduleRotation(_ secretID: String, lambdaARN: String, days: Int) async throws(AWSError) {
        _ = try await client.json(
            "RotateSecret",
            effect: .mutating(idempotent: true),
            body: [
                "SecretId": .string(secretID), "RotationLambdaARN": .string(lambdaARN),
                "RotationRules": ["AutomaticallyAfterDays": .number(Double(days))], "RotateImmediately": false,
            ]
        )
    }

    /// Turns automatic rotation off; the secret's value and versions stay.
    public func cancelRotation(_ secretID: String) async throws(AWSError) {
        _ = try await client.json(
            "CancelRotateSecret",
            effect: .mutating(idempotent: true),
            body: ["SecretId": .string(secretID)]
        )
    }

    /// When the secret was last read (Secrets Manager keeps the date only), and when it will be deleted if it is
    /// scheduled for deletion.
    public func usage(_ secretID: String) async throws(AWSError) -> (lastAccessedDate: Date?, deletedDate: Date?) {
        let reply = try await client.json("DescribeSecret", effect: .readOnly, body: ["SecretId": .string(secretID)])
        func date(_ name: String) -> Date? { reply[name]?.doubleValue.map { Date(timeIntervalSince1970: $0) } }
        return (date("LastAccessedDate"), date("DeletedDate"))
    }

    /// Schedules deletion after `recoveryDays` (7-30), during which `restore` cancels it; returns the deletion date.
    public func scheduleDeletion(_ secretID: String, recoveryDays: Int) async throws(AWSError) -> Date? {
        let reply = try await client.json(
            "DeleteSecret",
            effect: .mutating(idempotent: true),
            body: ["SecretId": .string(secretID), "RecoveryWindowInDays": .number(Double(recoveryDays))]
        )
        return reply["DeletionDate"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
    }

    public func restore(_ secretID: String) async throws(AWSError) {
        _ = try await client.json(
            "RestoreSecret",
            effect: .mutating(idempotent: true),
            body: ["SecretId": .string(secretID)]
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
