import RemedyCore

/// Systems Manager operations (`json` 1.1): document sharing.
public struct SSMClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The value of a service setting (`/ssm/documents/console/public-sharing-permission`: `Enable` or `Disable`).
    public func serviceSetting(_ id: String) async throws(AWSError) -> String? {
        let reply = try await client.json("GetServiceSetting", effect: .readOnly, body: ["SettingId": .string(id)])
        return reply["ServiceSetting"]?["SettingValue"]?.stringValue
    }

    public func setServiceSetting(_ id: String, _ value: String) async throws(AWSError) {
        _ = try await client.json(
            "UpdateServiceSetting",
            effect: .mutating(idempotent: true),
            body: ["SettingId": .string(id), "SettingValue": .string(value)]
        )
    }

    /// Whether the document is shared with everyone (`all` among the accounts it is shared with).
    public func isDocumentPublic(_ name: String) async throws(AWSError) -> Bool {
        let reply = try await client.json(
            "DescribeDocumentPermission",
            effect: .readOnly,
            body: ["Name": .string(name), "PermissionType": "Share"]
        )
        return (reply["AccountIds"]?.arrayValue ?? []).contains { $0.stringValue?.lowercased() == "all" }
    }

    /// Shares the document with everyone, or stops; the accounts it is shared with by id stay.
    public func setDocumentPublic(_ name: String, _ isPublic: Bool) async throws(AWSError) {
        _ = try await client.json(
            "ModifyDocumentPermission",
            effect: .mutating(idempotent: true),
            body: [
                "Name": .string(name), "PermissionType": "Share",
                (isPublic ? "AccountIdsToAdd" : "AccountIdsToRemove"): ["All"],
            ]
        )
    }
}
