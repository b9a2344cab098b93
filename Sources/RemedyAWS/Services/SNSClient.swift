import RemedyCore

/// SNS operations (`query`).
public struct SNSClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public func createTopic(name: String) async throws(AWSError) -> String {
        let result = try await client.query("CreateTopic", effect: .mutating(idempotent: true)) { $0.set("Name", name) }
        guard let arn = result.string("TopicArn") else { throw client.missing("CreateTopic", "TopicArn") }
        return arn
    }

    /// One attribute of a topic (`KmsMasterKeyId`...), or nil when the topic does not have it.
    public func topicAttribute(_ name: String, topicARN: String) async throws(AWSError) -> String? {
        try await topicAttributes(topicARN: topicARN)[name]
    }

    /// Every attribute of a topic, by name.
    public func topicAttributes(topicARN: String) async throws(AWSError) -> [String: String] {
        let result = try await client.query("GetTopicAttributes", effect: .readOnly) { $0.set("TopicArn", topicARN) }
        var attributes: [String: String] = [:]
        for entry in result["Attributes"]?.all("entry") ?? [] {
            if let key = entry.string("key") { attributes[key] = entry.string("value") ?? "" }
        }
        return attributes
    }

    public func setTopicAttribute(_ name: String, _ value: String, topicARN: String) async throws(AWSError) {
        _ = try await client.query("SetTopicAttributes", effect: .mutating(idempotent: true)) {
            $0.set("TopicArn", topicARN)
            $0.set("AttributeName", name)
            $0.set("AttributeValue", value)
        }
    }

    /// Publishes a message; returns its id.
    ///
    /// A FIFO topic (`.fifo`) needs a message group, and drops a second message with the same deduplication id
    /// within five minutes.
    public func publish(
        topicARN: String,
        subject: String?,
        message: String,
        messageGroupID: String? = nil,
        deduplicationID: String? = nil
    ) async throws(AWSError) -> String {
        let result = try await client.query("Publish", effect: .mutating(idempotent: false)) {
            $0.set("TopicArn", topicARN)
            $0.set("Subject", ifPresent: subject.map { String($0.prefix(100)) })
            $0.set("Message", message)
            $0.set("MessageGroupId", ifPresent: messageGroupID)
            $0.set("MessageDeduplicationId", ifPresent: deduplicationID)
        }
        return result.string("MessageId") ?? ""
    }
}
