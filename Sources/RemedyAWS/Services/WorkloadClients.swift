import RemedyCore

/// Lambda operations (`rest-json`).
public struct LambdaClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    private func functionPath(_ function: String, _ suffix: String) -> String {
        "/2015-03-31/functions/\(URIEncoding.encode(function))\(suffix)"
    }

    /// Reserved concurrency, or nil when the function has none.
    public func functionConcurrency(_ function: String) async throws(AWSError) -> Int? {
        let reply = try await client.restJSON(
            "GetFunctionConcurrency",
            effect: .readOnly,
            method: "GET",
            path: "/2019-09-30/functions/\(URIEncoding.encode(function))/concurrency"
        )
        return reply["ReservedConcurrentExecutions"]?.doubleValue.map { Int($0) }
    }

    public func putFunctionConcurrency(_ function: String, reserved: Int) async throws(AWSError) {
        _ = try await client.restJSON(
            "PutFunctionConcurrency",
            effect: .mutating(idempotent: true),
            method: "PUT",
            path: functionPath(function, "/concurrency"),
            body: ["ReservedConcurrentExecutions": .number(Double(reserved))]
        )
    }

    public func deleteFunctionConcurrency(_ function: String) async throws(AWSError) {
        _ = try await client.restJSON(
            "DeleteFunctionConcurrency",
            effect: .mutating(idempotent: true),
            method: "DELETE",
            path: functionPath(function, "/concurrency")
        )
    }

    /// The resource policy document, or nil when the function has none.
    public func policy(_ function: String) async throws(AWSError) -> String? {
        do {
            let reply = try await client.restJSON(
                "GetPolicy",
                effect: .readOnly,
                method: "GET",
                path: functionPath(function, "/policy")
            )
            return reply["Policy"]?.stringValue
        } catch  where error.code == "ResourceNotFoundException" {
            return nil
        }
    }

    public func removePermission(_ function: String, statementID: String) async throws(AWSError) {
        _ = try await client.restJSON(
            "RemovePermission",
            effect: .mutating(idempotent: true),
            method: "DELETE",
            path: functionPath(function, "/policy/\(URIEncoding.encode(statementID))")
        )
    }
}

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

/// KMS, WAFv2, CloudTrail and Secrets Manager operations (`json` 1.1).
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

    public func enableKeyRotation(_ keyID: String) async throws(AWSError) {
        _ = try await client.json(
            "EnableKeyRotation",
            effect: .mutating(idempotent: true),
            body: ["KeyId": .string(keyID)]
        )
    }
}

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

public struct CloudTrailClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public func isLogging(trail: String) async throws(AWSError) -> Bool {
        let reply = try await client.json("GetTrailStatus", effect: .readOnly, body: ["Name": .string(trail)])
        return reply["IsLogging"]?.boolValue ?? false
    }

    public func startLogging(trail: String) async throws(AWSError) {
        _ = try await client.json("StartLogging", effect: .mutating(idempotent: true), body: ["Name": .string(trail)])
    }

    public func stopLogging(trail: String) async throws(AWSError) {
        _ = try await client.json("StopLogging", effect: .mutating(idempotent: true), body: ["Name": .string(trail)])
    }
}

public struct SecretsManagerClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
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

/// SNS, Auto Scaling and ELBv2 operations (`query`).
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

public struct AutoScalingClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The Auto Scaling group of an instance, or nil when it is in none.
    public func group(ofInstance instanceID: String) async throws(AWSError) -> String? {
        let result = try await client.query("DescribeAutoScalingInstances", effect: .readOnly) {
            $0.set("InstanceIds", list: [instanceID], style: .query)
        }
        return result.list("AutoScalingInstances").first?.string("AutoScalingGroupName")
    }

    /// Detaches without lowering desired capacity, so the group replaces the instance rather than shrinking.
    public func detachInstance(_ instanceID: String, group: String) async throws(AWSError) {
        _ = try await client.query("DetachInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceIds", list: [instanceID], style: .query)
            $0.set("AutoScalingGroupName", group)
            $0.set("ShouldDecrementDesiredCapacity", false)
        }
    }
}

public struct ELBv2Client: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public func deregisterTarget(_ instanceID: String, targetGroupARN: String) async throws(AWSError) {
        _ = try await client.query("DeregisterTargets", effect: .mutating(idempotent: true)) {
            $0.set("TargetGroupArn", targetGroupARN)
            $0.set("Targets.member.1.Id", instanceID)
        }
    }
}
