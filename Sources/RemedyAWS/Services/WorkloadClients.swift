import RemedyCore

/// Lambda operations (`rest-json`).
public struct LambdaClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// Lambda's routes carry the API version that introduced them: `2015-03-31` for functions and policies,
    /// `2017-10-31` for PutFunctionConcurrency and DeleteFunctionConcurrency, `2019-09-30` for GetFunctionConcurrency.
    private func functionPath(_ function: String, _ suffix: String, version: String = "2015-03-31") -> String {
        "/\(version)/functions/\(URIEncoding.encode(function))\(suffix)"
    }

    /// Reserved concurrency, or nil when the function has none.
    public func functionConcurrency(_ function: String) async throws(AWSError) -> Int? {
        let reply = try await client.restJSON(
            "GetFunctionConcurrency",
            effect: .readOnly,
            method: "GET",
            path: functionPath(function, "/concurrency", version: "2019-09-30")
        )
        return reply["ReservedConcurrentExecutions"]?.integerValue
    }

    public func putFunctionConcurrency(_ function: String, reserved: Int) async throws(AWSError) {
        _ = try await client.restJSON(
            "PutFunctionConcurrency",
            effect: .mutating(idempotent: true),
            method: "PUT",
            path: functionPath(function, "/concurrency", version: "2017-10-31"),
            body: ["ReservedConcurrentExecutions": .number(Double(reserved))]
        )
    }

    public func deleteFunctionConcurrency(_ function: String) async throws(AWSError) {
        _ = try await client.restJSON(
            "DeleteFunctionConcurrency",
            effect: .mutating(idempotent: true),
            method: "DELETE",
            path: functionPath(function, "/concurrency", version: "2017-10-31")
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

    /// Grants `principal` the `action` on the function as statement `statementID`.
    ///
    /// Lambda writes its resource policy only through this call. `functionURLAuthType` limits a
    /// `lambda:InvokeFunctionUrl` grant.
    public func addPermission(
        _ function: String,
        statementID: String,
        action: String,
        principal: String,
        functionURLAuthType: String? = nil,
        invokedViaFunctionURL: Bool? = nil,
        qualifier: String? = nil
    ) async throws(AWSError) {
        var body: [String: JSONValue] = [
            "StatementId": .string(statementID), "Action": .string(action), "Principal": .string(principal),
        ]
        if let functionURLAuthType { body["FunctionUrlAuthType"] = .string(functionURLAuthType) }
        if let invokedViaFunctionURL { body["InvokedViaFunctionUrl"] = .bool(invokedViaFunctionURL) }
        _ = try await client.restJSON(
            "AddPermission",
            effect: .mutating(idempotent: false),
            method: "POST",
            path: functionPath(function, "/policy"),
            query: qualifier.map { URIEncoding.query([("Qualifier", $0)]) } ?? "",
            body: .object(body)
        )
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

}

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
        try await membership(ofInstance: instanceID)?.group
    }

    /// The instance's group and lifecycle state (`InService`, `Detaching`, `Standby`...), or nil when it is in none.
    public func membership(
        ofInstance instanceID: String
    ) async throws(AWSError)
        -> (group: String, lifecycleState: String)?
    {
        let result = try await client.query("DescribeAutoScalingInstances", effect: .readOnly) {
            $0.set("InstanceIds", list: [instanceID], style: .query)
        }
        return result.list("AutoScalingInstances").first.map {
            ($0.string("AutoScalingGroupName") ?? "", $0.string("LifecycleState") ?? "")
        }
    }

    /// Detaches without lowering desired capacity, so the group replaces the instance rather than shrinking.
    public func detachInstance(_ instanceID: String, group: String) async throws(AWSError) {
        _ = try await client.query("DetachInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceIds", list: [instanceID], style: .query)
            $0.set("AutoScalingGroupName", group)
            $0.set("ShouldDecrementDesiredCapacity", false)
        }
    }

    /// Attaches an instance to a group (which raises the group's desired capacity by one).
    public func attachInstance(_ instanceID: String, group: String) async throws(AWSError) {
        _ = try await client.query("AttachInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceIds", list: [instanceID], style: .query)
            $0.set("AutoScalingGroupName", group)
        }
    }
}

public struct ELBv2Client: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// One registered target of a target group.
    public struct Target: Sendable, Hashable {
        public var id: String
        public var port: Int?
        /// `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable`.
        public var state: String
    }

    /// Every target group's ARN in the region, following `NextMarker`.
    public func targetGroupARNs() async throws(AWSError) -> [String] {
        var arns: [String] = []
        var marker: String?
        repeat {
            let result = try await client.query("DescribeTargetGroups", effect: .readOnly) {
                $0.set("Marker", ifPresent: marker)
            }
            arns += result.list("TargetGroups").compactMap { $0.string("TargetGroupArn") }
            marker = result.string("NextMarker").flatMap { $0.isEmpty ? nil : $0 }
        } while marker != nil
        return arns
    }

    /// The targets registered with a target group, with their ports and states.
    public func targets(ofGroup targetGroupARN: String) async throws(AWSError) -> [Target] {
        let result = try await client.query("DescribeTargetHealth", effect: .readOnly) {
            $0.set("TargetGroupArn", targetGroupARN)
        }
        return result.list("TargetHealthDescriptions").map {
            Target(
                id: $0.string("Target", "Id") ?? "",
                port: $0.string("Target", "Port").flatMap(Int.init),
                state: $0.string("TargetHealth", "State") ?? ""
            )
        }
    }

    public func deregisterTarget(_ instanceID: String, targetGroupARN: String, port: Int? = nil) async throws(AWSError)
    {
        try await changeTarget("DeregisterTargets", instanceID, targetGroupARN: targetGroupARN, port: port)
    }

    public func registerTarget(_ instanceID: String, targetGroupARN: String, port: Int? = nil) async throws(AWSError) {
        try await changeTarget("RegisterTargets", instanceID, targetGroupARN: targetGroupARN, port: port)
    }

    private func changeTarget(
        _ action: String,
        _ instanceID: String,
        targetGroupARN: String,
        port: Int?
    ) async throws(AWSError) {
        _ = try await client.query(action, effect: .mutating(idempotent: true)) {
            $0.set("TargetGroupArn", targetGroupARN)
            $0.set("Targets.member.1.Id", instanceID)
            if let port { $0.set("Targets.member.1.Port", port) }
        }
    }
}
