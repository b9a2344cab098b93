import RemedyCore

/// SQS operations (`json` 1.0, query-compatible errors).
public struct SQSClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public struct Message: Sendable, Hashable {
        public var id: String
        public var receiptHandle: String
        public var body: String
    }

    public func createQueue(name: String) async throws(AWSError) -> String {
        let reply = try await client.json(
            "CreateQueue",
            effect: .mutating(idempotent: true),
            body: ["QueueName": .string(name)]
        )
        guard let url = reply["QueueUrl"]?.stringValue else { throw client.missing("CreateQueue", "QueueUrl") }
        return url
    }

    /// The URL of queue `name` of `account`.
    public func queueURL(name: String, account: String) async throws(AWSError) -> String {
        let reply = try await client.json(
            "GetQueueUrl",
            effect: .readOnly,
            body: ["QueueName": .string(name), "QueueOwnerAWSAccountId": .string(account)]
        )
        guard let url = reply["QueueUrl"]?.stringValue else { throw client.missing("GetQueueUrl", "QueueUrl") }
        return url
    }

    /// The queue's attributes by name (`SqsManagedSseEnabled`, `KmsMasterKeyId`...).
    public func queueAttributes(queueURL: String) async throws(AWSError) -> [String: String] {
        let reply = try await client.json(
            "GetQueueAttributes",
            effect: .readOnly,
            body: ["QueueUrl": .string(queueURL), "AttributeNames": ["All"]]
        )
        return reply["Attributes"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
    }

    public func setQueueAttributes(queueURL: String, _ attributes: [String: String]) async throws(AWSError) {
        _ = try await client.json(
            "SetQueueAttributes",
            effect: .mutating(idempotent: true),
            body: ["QueueUrl": .string(queueURL), "Attributes": .object(attributes.mapValues(JSONValue.string))]
        )
    }

    public func sendMessage(queueURL: String, body: String) async throws(AWSError) -> String {
        let reply = try await client.json(
            "SendMessage",
            effect: .mutating(idempotent: false),
            body: ["QueueUrl": .string(queueURL), "MessageBody": .string(body)]
        )
        return reply["MessageId"]?.stringValue ?? ""
    }

    public func receiveMessages(
        queueURL: String,
        maximum: Int = 10,
        waitSeconds: Int = 0,
        visibilityTimeout: Int? = nil
    )
        async throws(AWSError) -> [Message]
    {
        var body: [String: JSONValue] = [
            "QueueUrl": .string(queueURL), "MaxNumberOfMessages": .number(Double(maximum)),
            "WaitTimeSeconds": .number(Double(waitSeconds)),
        ]
        if let visibilityTimeout { body["VisibilityTimeout"] = .number(Double(visibilityTimeout)) }
        let reply = try await client.json("ReceiveMessage", effect: .readOnly, body: .object(body))
        return (reply["Messages"]?.arrayValue ?? []).map {
            Message(
                id: $0["MessageId"]?.stringValue ?? "",
                receiptHandle: $0["ReceiptHandle"]?.stringValue ?? "",
                body: $0["Body"]?.stringValue ?? ""
            )
        }
    }

    public func deleteMessage(queueURL: String, receiptHandle: String) async throws(AWSError) {
        _ = try await client.json(
            "DeleteMessage",
            effect: .mutating(idempotent: true),
            body: ["QueueUrl": .string(queueURL), "ReceiptHandle": .string(receiptHandle)]
        )
    }

    public func changeMessageVisibility(queueURL: String, receiptHandle: String, seconds: Int) async throws(AWSError) {
        _ = try await client.json(
            "ChangeMessageVisibility",
            effect: .mutating(idempotent: true),
            body: [
                "QueueUrl": .string(queueURL), "ReceiptHandle": .string(receiptHandle),
                "VisibilityTimeout": .number(Double(seconds)),
            ]
        )
    }
}
