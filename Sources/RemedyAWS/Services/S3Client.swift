// Over 400 lines: one client, every S3 operation remedy calls and the XML shapes they share.
import RemedyCore

/// Typed S3 operations (`rest-xml`, S3 signing rules).
///
/// Buckets are addressed virtual-hosted style (`bucket.s3.region.amazonaws.com`) except for names with dots (TLS
/// certificates do not cover them) and under an endpoint override, which use path style (`/bucket`).
public struct S3Client: Sendable {
    public let client: AWSClient
    /// Sent as `x-amz-expected-bucket-owner` on every bucket call: S3 answers 403 when another account owns the
    /// bucket, so a bucket deleted and re-created under the same name elsewhere receives nothing.
    public let expectedBucketOwner: String?

    public init(_ client: AWSClient, expectedBucketOwner: String? = nil) {
        self.client = client
        self.expectedBucketOwner = expectedBucketOwner
    }

    /// The four Block Public Access settings.
    public struct PublicAccessBlock: Sendable, Hashable {
        public var blockPublicACLs: Bool
        public var ignorePublicACLs: Bool
        public var blockPublicPolicy: Bool
        public var restrictPublicBuckets: Bool

        public init(blockPublicACLs: Bool, ignorePublicACLs: Bool, blockPublicPolicy: Bool, restrictPublicBuckets: Bool)
        {
            self.blockPublicACLs = blockPublicACLs
            self.ignorePublicACLs = ignorePublicACLs
            self.blockPublicPolicy = blockPublicPolicy
            self.restrictPublicBuckets = restrictPublicBuckets
        }

        public static let allBlocked = PublicAccessBlock(
            blockPublicACLs: true,
            ignorePublicACLs: true,
            blockPublicPolicy: true,
            restrictPublicBuckets: true
        )

        init(_ element: AWSXMLElement) {
            blockPublicACLs = element.string("BlockPublicAcls") == "true"
            ignorePublicACLs = element.string("IgnorePublicAcls") == "true"
            blockPublicPolicy = element.string("BlockPublicPolicy") == "true"
            restrictPublicBuckets = element.string("RestrictPublicBuckets") == "true"
        }

        func xml(namespace: String) -> String {
            "<PublicAccessBlockConfiguration xmlns=\"\(namespace)\">"
                + "<BlockPublicAcls>\(blockPublicACLs)</BlockPublicAcls>"
                + "<IgnorePublicAcls>\(ignorePublicACLs)</IgnorePublicAcls>"
                + "<BlockPublicPolicy>\(blockPublicPolicy)</BlockPublicPolicy>"
                + "<RestrictPublicBuckets>\(restrictPublicBuckets)</RestrictPublicBuckets>"
                + "</PublicAccessBlockConfiguration>"
        }
    }

    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    /// The bucket's settings, or nil when it has none (`NoSuchPublicAccessBlockConfiguration`).
    public func publicAccessBlock(bucket: String) async throws(AWSError) -> PublicAccessBlock? {
        do {
            let root = try await get(
                bucket,
                "GetPublicAccessBlock",
                subresource: "publicAccessBlock",
                root: "PublicAccessBlockConfiguration"
            )
            return PublicAccessBlock(root)
        } catch  where error.code == "NoSuchPublicAccessBlockConfiguration" {
            return nil
        }
    }

    public func putPublicAccessBlock(bucket: String, _ configuration: PublicAccessBlock) async throws(AWSError) {
        try await put(
            bucket,
            "PutPublicAccessBlock",
            subresource: "publicAccessBlock",
            body: configuration.xml(namespace: Self.namespace)
        )
    }

    /// Removes the bucket's Block Public Access settings (undo of a bucket that had none).
    public func deletePublicAccessBlock(bucket: String) async throws(AWSError) {
        try await delete(bucket, "DeletePublicAccessBlock", subresource: "publicAccessBlock")
    }

    /// A bucket's default encryption rule.
    public struct DefaultEncryption: Sendable, Hashable {
        /// `AES256` (SSE-S3), `aws:kms` or `aws:kms:dsse`.
        public var algorithm: String
        public var kmsKeyID: String?
        public var bucketKeyEnabled: Bool

        public init(algorithm: String, kmsKeyID: String? = nil, bucketKeyEnabled: Bool = false) {
            self.algorithm = algorithm
            self.kmsKeyID = kmsKeyID
            self.bucketKeyEnabled = bucketKeyEnabled
        }

        /// SSE-KMS with the key (and an S3 Bucket Key, which cuts KMS requests), else SSE-S3.
        public static func requested(kmsKeyID: String?) -> DefaultEncryption {
            kmsKeyID.map { DefaultEncryption(algorithm: "aws:kms", kmsKeyID: $0, bucketKeyEnabled: true) }
                ?? DefaultEncryption(algorithm: "AES256")
        }

        func xml(namespace: String) -> String {
            var rule = "<SSEAlgorithm>\(XMLText.escape(algorithm))</SSEAlgorithm>"
            if let kmsKeyID { rule += "<KMSMasterKeyID>\(XMLText.escape(kmsKeyID))</KMSMasterKeyID>" }
            return
                "<ServerSideEncryptionConfiguration xmlns=\"\(namespace)\"><Rule><ApplyServerSideEncryptionByDefault>"
                + rule + "</ApplyServerSideEncryptionByDefault>"
                + (bucketKeyEnabled ? "<BucketKeyEnabled>true</BucketKeyEnabled>" : "")
                + "</Rule></ServerSideEncryptionConfiguration>"
        }
    }

    /// The default encryption rule, or nil when none is configured.
    public func bucketEncryption(bucket: String) async throws(AWSError) -> DefaultEncryption? {
        do {
            let root = try await get(
                bucket,
                "GetBucketEncryption",
                subresource: "encryption",
                root: "ServerSideEncryptionConfiguration"
            )
            guard let rule = root["Rule"], let byDefault = rule["ApplyServerSideEncryptionByDefault"],
                let algorithm = byDefault.string("SSEAlgorithm")
            else {
                return nil
            }
            return DefaultEncryption(
                algorithm: algorithm,
                kmsKeyID: byDefault.string("KMSMasterKeyID"),
                bucketKeyEnabled: rule.string("BucketKeyEnabled") == "true"
            )
        } catch  where error.code == "ServerSideEncryptionConfigurationNotFoundError" {
            return nil
        }
    }

    /// Sets SSE-KMS with the key, or SSE-S3 when `kmsKeyID` is nil.
    public func putBucketEncryption(bucket: String, kmsKeyID: String?) async throws(AWSError) {
        try await putBucketEncryption(bucket: bucket, .requested(kmsKeyID: kmsKeyID))
    }

    public func putBucketEncryption(bucket: String, _ encryption: DefaultEncryption) async throws(AWSError) {
        try await put(
            bucket,
            "PutBucketEncryption",
            subresource: "encryption",
            body: encryption.xml(namespace: Self.namespace)
        )
    }

    /// Where the bucket's server access logs go (target bucket and prefix), or nil when it logs none.
    public func accessLogging(bucket: String) async throws(AWSError) -> (targetBucket: String, targetPrefix: String)? {
        let root = try await get(bucket, "GetBucketLogging", subresource: "logging", root: "BucketLoggingStatus")
        guard let enabled = root["LoggingEnabled"], let target = enabled.string("TargetBucket") else { return nil }
        return (target, enabled.string("TargetPrefix") ?? "")
    }

    /// Sends the bucket's server access logs to `target` under `prefix`, or stops logging when `target` is nil.
    public func setAccessLogging(bucket: String, target: (bucket: String, prefix: String)?) async throws(AWSError) {
        var status = ""
        if let target {
            status =
                "<LoggingEnabled><TargetBucket>\(XMLText.escape(target.bucket))</TargetBucket>"
                + "<TargetPrefix>\(XMLText.escape(target.prefix))</TargetPrefix></LoggingEnabled>"
        }
        try await put(
            bucket,
            "PutBucketLogging",
            subresource: "logging",
            body: "<BucketLoggingStatus xmlns=\"\(Self.namespace)\">\(status)</BucketLoggingStatus>"
        )
    }

    /// Whether the bucket sends any event notification (to a topic, a queue, a function or EventBridge).
    public func hasEventNotifications(bucket: String) async throws(AWSError) -> Bool {
        let operation = "GetBucketNotificationConfiguration"
        let response = try await client.perform(
            call(bucket, operation, method: "GET", subresource: "notification", effect: .readOnly)
        )
        // moto 5.2.1 answers an empty configuration with an empty <GetBucketNotificationResponse/>: no notification.
        if let root = try? AWSXMLElement.parse(response.body), root.name == "GetBucketNotificationResponse",
            root.children.isEmpty
        {
            return false
        }
        return !(try client.xml(response, operation: operation, expectedRoot: "NotificationConfiguration")).children
            .isEmpty
    }

    /// Notifies `topicARN` of every object deletion (`s3:ObjectRemoved:*`), or, with nil, sends none.
    ///
    /// The configuration is replaced whole.
    public func setDeletionNotifications(bucket: String, topicARN: String?) async throws(AWSError) {
        let topic = topicARN.map {
            "<TopicConfiguration><Id>remedy-deletions</Id><Topic>\(XMLText.escape($0))</Topic>"
                + "<Event>s3:ObjectRemoved:*</Event></TopicConfiguration>"
        }
        try await put(
            bucket,
            "PutBucketNotificationConfiguration",
            subresource: "notification",
            body: "<NotificationConfiguration xmlns=\"\(Self.namespace)\">\(topic ?? "")</NotificationConfiguration>"
        )
    }

    /// Whether the bucket has a lifecycle configuration.
    public func hasLifecycle(bucket: String) async throws(AWSError) -> Bool {
        do {
            _ = try await get(
                bucket,
                "GetBucketLifecycleConfiguration",
                subresource: "lifecycle",
                root: "LifecycleConfiguration"
            )
            return true
        } catch  where error.code == "NoSuchLifecycleConfiguration" {
            return false
        }
    }

    /// Sets the bucket's lifecycle configuration to the rules given, as `<Rule>` elements.
    public func putLifecycle(bucket: String, rules: String) async throws(AWSError) {
        try await put(
            bucket,
            "PutBucketLifecycleConfiguration",
            subresource: "lifecycle",
            body: "<LifecycleConfiguration xmlns=\"\(Self.namespace)\">\(rules)</LifecycleConfiguration>"
        )
    }

    public func deleteLifecycle(bucket: String) async throws(AWSError) {
        try await delete(bucket, "DeleteBucketLifecycle", subresource: "lifecycle")
    }

    /// Removes the bucket's default encryption rule (undo of a bucket that had none).
    public func deleteBucketEncryption(bucket: String) async throws(AWSError) {
        try await delete(bucket, "DeleteBucketEncryption", subresource: "encryption")
    }

    /// The bucket's tags, by key; empty when it has none (`NoSuchTagSet`).
    public func tags(ofBucket bucket: String) async throws(AWSError) -> [String: String] {
        do {
            let root = try await get(bucket, "GetBucketTagging", subresource: "tagging", root: "Tagging")
            var tags: [String: String] = [:]
            for tag in root["TagSet"]?.all("Tag") ?? [] {
                if let key = tag.string("Key") { tags[key] = tag.string("Value") ?? "" }
            }
            return tags
        } catch  where error.code == "NoSuchTagSet" {
            return [:]
        }
    }

    /// The bucket policy document, or nil when there is none.
    public func bucketPolicy(bucket: String) async throws(AWSError) -> String? {
        do {
            let response = try await client.perform(
                call(bucket, "GetBucketPolicy", method: "GET", subresource: "policy", effect: .readOnly)
            )
            return String(decoding: response.body, as: UTF8.self)
        } catch  where error.code == "NoSuchBucketPolicy" {
            return nil
        }
    }

    public func putBucketPolicy(bucket: String, document: String) async throws(AWSError) {
        var request = call(
            bucket,
            "PutBucketPolicy",
            method: "PUT",
            subresource: "policy",
            effect: .mutating(idempotent: true)
        )
        request.body = Array(document.utf8)
        request.headers.append(("Content-Type", "application/json"))
        _ = try await client.perform(request)
    }

    public func deleteBucketPolicy(bucket: String) async throws(AWSError) {
        try await delete(bucket, "DeleteBucketPolicy", subresource: "policy")
    }

    /// Whether S3 considers the bucket public; strict about the answer's root element.
    public func isBucketPolicyPublic(bucket: String) async throws(AWSError) -> Bool {
        let root = try await get(bucket, "GetBucketPolicyStatus", subresource: "policyStatus", root: "PolicyStatus")
        return root.string("IsPublic") == "true"
    }

    public func putBucketVersioning(bucket: String, enabled: Bool) async throws(AWSError) {
        let body =
            "<VersioningConfiguration xmlns=\"\(Self.namespace)\"><Status>\(enabled ? "Enabled" : "Suspended")</Status></VersioningConfiguration>"
        try await put(bucket, "PutBucketVersioning", subresource: "versioning", body: body)
    }

    /// Writes an object; with `retainUntil` (ISO 8601) it is locked in `lockMode` (`COMPLIANCE` or `GOVERNANCE`)
    /// until then.
    public func putObject(
        bucket: String,
        key: String,
        body: [UInt8],
        contentType: String,
        retainUntil: String? = nil,
        lockMode: String = "COMPLIANCE"
    )
        async throws(AWSError)
    {
        var request = call(bucket, "PutObject", method: "PUT", subresource: nil, effect: .mutating(idempotent: true))
        request.path += "/" + URIEncoding.encode(key, keepSlashes: true)
        if request.path.hasPrefix("//") { request.path.removeFirst() }
        request.body = body
        request.headers.append(("Content-Type", contentType))
        if let retainUntil {
            request.headers.append(("x-amz-object-lock-mode", lockMode))
            // S3 requires a checksum on a PutObject that carries Object Lock settings.
            request.headers.append(("Content-MD5", ContentMD5.base64(body)))
            request.headers.append(("x-amz-object-lock-retain-until-date", retainUntil))
        }
        _ = try await client.perform(request)
    }

    /// A bucket's Object Lock settings: nil when Object Lock is not enabled on it.
    public struct ObjectLock: Sendable, Hashable {
        /// The default retention mode (`COMPLIANCE`, `GOVERNANCE`), when the bucket has a default rule.
        public var defaultMode: String?
        /// The default retention period in days (years counted as 365 days), when the bucket has a default rule.
        public var defaultDays: Int?
    }

    /// The bucket's Object Lock configuration, or nil when Object Lock is not enabled
    /// (`ObjectLockConfigurationNotFoundError`).
    public func objectLock(bucket: String) async throws(AWSError) -> ObjectLock? {
        do {
            let root = try await get(
                bucket,
                "GetObjectLockConfiguration",
                subresource: "object-lock",
                root: "ObjectLockConfiguration"
            )
            guard root.string("ObjectLockEnabled") == "Enabled" else { return nil }
            let days = root.string("Rule", "DefaultRetention", "Days").flatMap { Int($0) }
            let years = root.string("Rule", "DefaultRetention", "Years").flatMap { Int($0) }
            return ObjectLock(
                defaultMode: root.string("Rule", "DefaultRetention", "Mode"),
                defaultDays: days ?? years.map { $0 * 365 }
            )
        } catch  where error.code == "ObjectLockConfigurationNotFoundError" {
            return nil
        }
    }

    /// An object's bytes, or nil when there is no such key (`NoSuchKey`; S3 answers `AccessDenied` instead when
    /// the caller may not list the bucket).
    public func object(bucket: String, key: String) async throws(AWSError) -> [UInt8]? {
        var request = call(bucket, "GetObject", method: "GET", subresource: nil, effect: .readOnly)
        request.path += "/" + URIEncoding.encode(key, keepSlashes: true)
        if request.path.hasPrefix("//") { request.path.removeFirst() }
        do {
            return try await client.perform(request).body
        } catch  where error.code == "NoSuchKey" {
            return nil
        }
    }

    public func createBucket(_ bucket: String) async throws(AWSError) {
        var request = call(
            bucket,
            "CreateBucket",
            method: "PUT",
            subresource: nil,
            effect: .mutating(idempotent: false)
        )
        if client.region != "us-east-1" {
            request.body = Array(
                "<CreateBucketConfiguration xmlns=\"\(Self.namespace)\"><LocationConstraint>\(client.region)</LocationConstraint></CreateBucketConfiguration>"
                    .utf8
            )
        }
        _ = try await client.perform(request)
    }

    // MARK: Addressing

    func call(
        _ bucket: String,
        _ operation: String,
        method: String,
        subresource: String?,
        effect: AWSCall.Effect
    ) -> AWSCall {
        let pathStyle = client.endpoint.isOverride || bucket.contains(".")
        return AWSCall(
            operation: operation,
            effect: effect,
            method: method,
            path: pathStyle ? "/\(URIEncoding.encode(bucket))" : "/",
            query: subresource.map { URIEncoding.query([($0, nil)]) } ?? "",
            headers: expectedBucketOwner.map { [("x-amz-expected-bucket-owner", $0)] } ?? [],
            hostPrefix: pathStyle ? nil : bucket
        )
    }

    private func get(
        _ bucket: String,
        _ operation: String,
        subresource: String,
        root: String
    ) async throws(AWSError)
        -> AWSXMLElement
    {
        let response = try await client.perform(
            call(bucket, operation, method: "GET", subresource: subresource, effect: .readOnly)
        )
        return try client.xml(response, operation: operation, expectedRoot: root)
    }

    private func delete(_ bucket: String, _ operation: String, subresource: String) async throws(AWSError) {
        _ = try await client.perform(
            call(bucket, operation, method: "DELETE", subresource: subresource, effect: .mutating(idempotent: true))
        )
    }

    private func put(_ bucket: String, _ operation: String, subresource: String, body: String) async throws(AWSError) {
        var request = call(
            bucket,
            operation,
            method: "PUT",
            subresource: subresource,
            effect: .mutating(idempotent: true)
        )
        request.body = Array(body.utf8)
        request.headers += S3Client.checksumHeaders(for: request.body)
        _ = try await client.perform(request)
    }
}

/// S3 Control operations: account-level settings, addressed by the `x-amz-account-id` header and, on AWS, the
/// `{account}.s3-control` host.
public struct S3ControlClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    static let namespace = "http://awss3control.amazonaws.com/doc/2018-08-20/"

    public func publicAccessBlock(account: String) async throws(AWSError) -> S3Client.PublicAccessBlock? {
        do {
            let response = try await client.perform(
                call(account, "GetPublicAccessBlock", method: "GET", effect: .readOnly)
            )
            let root = try client.xml(
                response,
                operation: "GetPublicAccessBlock",
                expectedRoot: "PublicAccessBlockConfiguration"
            )
            return S3Client.PublicAccessBlock(root)
        } catch  where error.code == "NoSuchPublicAccessBlockConfiguration" {
            return nil
        }
    }

    public func putPublicAccessBlock(
        account: String,
        _ configuration: S3Client.PublicAccessBlock
    ) async throws(AWSError) {
        var request = call(account, "PutPublicAccessBlock", method: "PUT", effect: .mutating(idempotent: true))
        request.body = Array(configuration.xml(namespace: Self.namespace).utf8)
        request.headers += S3Client.checksumHeaders(for: request.body)
        _ = try await client.perform(request)
    }

    /// Removes the account's Block Public Access settings (undo of an account that had none).
    public func deletePublicAccessBlock(account: String) async throws(AWSError) {
        _ = try await client.perform(
            call(account, "DeletePublicAccessBlock", method: "DELETE", effect: .mutating(idempotent: true))
        )
    }

    func call(_ account: String, _ operation: String, method: String, effect: AWSCall.Effect) -> AWSCall {
        AWSCall(
            operation: operation,
            effect: effect,
            method: method,
            path: "/v20180820/configuration/publicAccessBlock",
            headers: [("x-amz-account-id", account)],
            hostPrefix: account
        )
    }
}

extension S3Client {
    /// `Content-MD5`, which S3 requires on its `Put*` configuration calls.
    static func checksumHeaders(for body: [UInt8]) -> [(name: String, value: String)] {
        [("Content-Type", "application/xml"), ("Content-MD5", ContentMD5.base64(body))]
    }
}

/// Escaping for text placed inside XML elements (and HTML, which needs the same five).
public enum XMLText {
    public static func escape(_ text: String) -> String {
        // Most values (ids, names, states) need no escaping.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return text
        }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            default: output.append(character)
            }
        }
        return output
    }
}
