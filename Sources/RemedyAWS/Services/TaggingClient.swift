import RemedyCore

/// Resource Groups Tagging API operations (`json` 1.1): tags of any taggable resource, by ARN.
public struct TaggingClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The resource's tags; empty when it has none (the API then lists no mapping for it).
    public func tags(of arn: String) async throws(AWSError) -> [String: String] {
        let reply = try await client.json(
            "GetResources",
            effect: .readOnly,
            body: ["ResourceARNList": [.string(arn)]]
        )
        let mapping = reply["ResourceTagMappingList"]?.arrayValue?.first { $0["ResourceARN"]?.stringValue == arn }
        var tags: [String: String] = [:]
        for tag in mapping?["Tags"]?.arrayValue ?? [] {
            if let key = tag["Key"]?.stringValue { tags[key] = tag["Value"]?.stringValue ?? "" }
        }
        return tags
    }

    /// Adds or replaces `tags` on the resource; a resource the API could not tag is an error.
    public func tag(_ arn: String, _ tags: [String: String]) async throws(AWSError) {
        let reply = try await client.json(
            "TagResources",
            effect: .mutating(idempotent: true),
            body: ["ResourceARNList": [.string(arn)], "Tags": .object(tags.mapValues(JSONValue.string))]
        )
        try failure(reply, "TagResources", arn)
    }

    public func untag(_ arn: String, keys: [String]) async throws(AWSError) {
        let reply = try await client.json(
            "UntagResources",
            effect: .mutating(idempotent: true),
            body: ["ResourceARNList": [.string(arn)], "TagKeys": .array(keys.map(JSONValue.string))]
        )
        try failure(reply, "UntagResources", arn)
    }

    /// The API answers 200 and lists what it could not change in `FailedResourcesMap`.
    private func failure(_ reply: JSONValue, _ operation: String, _ arn: String) throws(AWSError) {
        guard let failed = reply["FailedResourcesMap"]?[arn] else { return }
        throw AWSError(
            service: "tagging",
            operation: operation,
            statusCode: 200,
            code: failed["ErrorCode"]?.stringValue ?? "TaggingFailed",
            message: failed["ErrorMessage"]?.stringValue ?? "\(arn) was not tagged",
            kind: .permanent
        )
    }
}
