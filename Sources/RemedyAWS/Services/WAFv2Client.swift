import RemedyCore

/// WAFv2 operations (`json` 1.1).
public struct WAFv2Client: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public struct IPSet: Sendable, Hashable {
        public var name: String
        public var id: String
        public var scope: String
        public var addresses: [String]
        /// UpdateIPSet replaces every mutable field, so a description left out of the update is erased: it is read
        /// here and sent back.
        public var description: String?
        /// Must accompany the update; a stale token makes WAF refuse it (`WAFOptimisticLockException`).
        public var lockToken: String
    }

    public func getIPSet(name: String, id: String, scope: String) async throws(AWSError) -> IPSet {
        let reply = try await client.json(
            "GetIPSet",
            effect: .readOnly,
            body: ["Name": .string(name), "Id": .string(id), "Scope": .string(scope)]
        )
        return IPSet(
            name: name,
            id: id,
            scope: scope,
            addresses: reply["IPSet"]?["Addresses"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            description: reply["IPSet"]?["Description"]?.stringValue,
            lockToken: reply["LockToken"]?.stringValue ?? ""
        )
    }

    /// Replaces the set's addresses; returns the lock token for the next update.
    @discardableResult
    public func updateIPSet(_ set: IPSet) async throws(AWSError) -> String {
        var body: [String: JSONValue] = [
            "Name": .string(set.name), "Id": .string(set.id), "Scope": .string(set.scope),
            "Addresses": .array(set.addresses.map(JSONValue.string)), "LockToken": .string(set.lockToken),
        ]
        if let description = set.description, !description.isEmpty { body["Description"] = .string(description) }
        let reply = try await client.json("UpdateIPSet", effect: .mutating(idempotent: true), body: .object(body))
        return reply["NextLockToken"]?.stringValue ?? ""
    }
}
