import Foundation

/// Typed IAM operations (the `query` protocol).
public struct IAMClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public struct AccessKey: Sendable, Hashable {
        public var id: String
        public var status: String
        public var createDate: String
    }

    public func listAccessKeys(user: String) async throws(AWSError) -> [AccessKey] {
        let result = try await client.query("ListAccessKeys", effect: .readOnly) { $0.set("UserName", user) }
        return result.list("AccessKeyMetadata").map {
            AccessKey(
                id: $0.string("AccessKeyId") ?? "",
                status: $0.string("Status") ?? "",
                createDate: $0.string("CreateDate") ?? ""
            )
        }
    }

    /// When the key was last used (ISO 8601), or nil when it never was.
    public func accessKeyLastUsed(_ accessKeyID: String) async throws(AWSError) -> String? {
        let result = try await client.query("GetAccessKeyLastUsed", effect: .readOnly) {
            $0.set("AccessKeyId", accessKeyID)
        }
        return result.string("AccessKeyLastUsed", "LastUsedDate")
    }

    /// The user who owns an access key (from `GetAccessKeyLastUsed`), or nil when IAM does not say.
    public func accessKeyOwner(_ accessKeyID: String) async throws(AWSError) -> String? {
        let result = try await client.query("GetAccessKeyLastUsed", effect: .readOnly) {
            $0.set("AccessKeyId", accessKeyID)
        }
        return result.string("UserName")
    }

    /// Sets a key `Active` or `Inactive`.
    public func updateAccessKey(user: String, accessKeyID: String, status: String) async throws(AWSError) {
        _ = try await client.query("UpdateAccessKey", effect: .mutating(idempotent: true)) {
            $0.set("UserName", user)
            $0.set("AccessKeyId", accessKeyID)
            $0.set("Status", status)
        }
    }

    /// Writes an inline policy on a user or role (`PutUserPolicy` / `PutRolePolicy`).
    public func putInlinePolicy(
        principalType: PrincipalType,
        name: String,
        policyName: String,
        document: String
    )
        async throws(AWSError)
    {
        _ = try await client.query("Put\(principalType.rawValue)Policy", effect: .mutating(idempotent: true)) {
            $0.set("\(principalType.rawValue)Name", name)
            $0.set("PolicyName", policyName)
            $0.set("PolicyDocument", document)
        }
    }

    public func deleteInlinePolicy(
        principalType: PrincipalType,
        name: String,
        policyName: String
    ) async throws(AWSError) {
        _ = try await client.query("Delete\(principalType.rawValue)Policy", effect: .mutating(idempotent: true)) {
            $0.set("\(principalType.rawValue)Name", name)
            $0.set("PolicyName", policyName)
        }
    }

    /// The document of an inline policy, URL-decoded as IAM returns it encoded.
    public func inlinePolicy(
        principalType: PrincipalType,
        name: String,
        policyName: String
    ) async throws(AWSError)
        -> String
    {
        let result = try await client.query("Get\(principalType.rawValue)Policy", effect: .readOnly) {
            $0.set("\(principalType.rawValue)Name", name)
            $0.set("PolicyName", policyName)
        }
        let encoded = result.string("PolicyDocument") ?? ""
        return URIEncoding.decode(encoded.utf8) ?? encoded
    }

    /// The document of an inline policy, or nil when the principal has no policy of that name.
    public func inlinePolicyIfPresent(
        principalType: PrincipalType,
        name: String,
        policyName: String
    ) async throws(AWSError)
        -> String?
    {
        do {
            return try await inlinePolicy(principalType: principalType, name: name, policyName: policyName)
        } catch  where error.code == "NoSuchEntity" {
            return nil
        }
    }

    public func attachUserPolicy(user: String, policyARN: String) async throws(AWSError) {
        _ = try await client.query("AttachUserPolicy", effect: .mutating(idempotent: true)) {
            $0.set("UserName", user)
            $0.set("PolicyArn", policyARN)
        }
    }

    /// Creates the service-linked role of `service` (`config.amazonaws.com`); one already there is left as it is.
    public func ensureServiceLinkedRole(service: String) async throws(AWSError) {
        do {
            _ = try await client.query("CreateServiceLinkedRole", effect: .mutating(idempotent: true)) {
                $0.set("AWSServiceName", service)
            }
        } catch  where error.code == "InvalidInput" && error.message.contains("has been taken") {
            // The role exists: what the step needs.
        }
    }

    /// Whether the user has a console password (`GetLoginProfile`; `NoSuchEntity` means none).
    public func hasLoginProfile(user: String) async throws(AWSError) -> Bool {
        do {
            _ = try await client.query("GetLoginProfile", effect: .readOnly) { $0.set("UserName", user) }
            return true
        } catch  where error.code == "NoSuchEntity" {
            return false
        }
    }

    public func deleteLoginProfile(user: String) async throws(AWSError) {
        _ = try await client.query("DeleteLoginProfile", effect: .mutating(idempotent: true)) {
            $0.set("UserName", user)
        }
    }

    public func listMFADevices(user: String) async throws(AWSError) -> [(serialNumber: String, enableDate: String)] {
        let result = try await client.query("ListMFADevices", effect: .readOnly) { $0.set("UserName", user) }
        return result.list("MFADevices").map { ($0.string("SerialNumber") ?? "", $0.string("EnableDate") ?? "") }
    }

    public func deactivateMFADevice(user: String, serialNumber: String) async throws(AWSError) {
        _ = try await client.query("DeactivateMFADevice", effect: .mutating(idempotent: true)) {
            $0.set("UserName", user)
            $0.set("SerialNumber", serialNumber)
        }
    }

    /// Decisions (`allowed`, `explicitDeny`, `implicitDeny`) of IAM's policy simulator for a principal, by action.
    ///
    /// IAM pages the results (100 by default); every page is read, following `Marker` while `IsTruncated`.
    public func simulatePrincipalPolicy(
        policySourceARN: String,
        actions: [String]
    ) async throws(AWSError)
        -> [String: String]
    {
        var decisions: [String: String] = [:]
        var marker: String?
        repeat {
            let result = try await client.query("SimulatePrincipalPolicy", effect: .readOnly) {
                $0.set("PolicySourceArn", policySourceARN)
                $0.set("ActionNames", list: actions, style: .query)
                $0.set("Marker", ifPresent: marker)
            }
            for item in result.list("EvaluationResults") {
                if let action = item.string("EvalActionName") { decisions[action] = item.string("EvalDecision") ?? "" }
            }
            marker = result.string("IsTruncated") == "true" ? result.string("Marker") : nil
        } while marker != nil
        return decisions
    }

    public enum PrincipalType: String, Sendable {
        case user = "User"
        case role = "Role"
    }
}

/// Typed STS operations.
public struct STSClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public struct CallerIdentity: Sendable, Hashable {
        public var account: String
        public var arn: String
        public var userID: String
    }

    public func getCallerIdentity() async throws(AWSError) -> CallerIdentity {
        let result = try await client.query("GetCallerIdentity", effect: .readOnly)
        guard let account = result.string("Account"), let arn = result.string("Arn") else {
            throw client.missing("GetCallerIdentity", "Account and Arn")
        }
        return CallerIdentity(account: account, arn: arn, userID: result.string("UserId") ?? "")
    }

    /// Temporary credentials for `roleARN`.
    ///
    /// The session name identifies remedy and the run in CloudTrail.
    public func assumeRole(
        roleARN: String,
        sessionName: String,
        externalID: String? = nil,
        durationSeconds: Int? = nil
    ) async throws(AWSError) -> AWSCredentials {
        let result = try await client.query("AssumeRole", effect: .readOnly) {
            $0.set("RoleArn", roleARN)
            $0.set("RoleSessionName", sessionName)
            $0.set("ExternalId", ifPresent: externalID)
            if let durationSeconds { $0.set("DurationSeconds", durationSeconds) }
        }
        return try credentials(from: result, operation: "AssumeRole")
    }

    func credentials(from result: AWSXMLElement, operation: String) throws(AWSError) -> AWSCredentials {
        guard let key = result.string("Credentials", "AccessKeyId"),
            let secret = result.string("Credentials", "SecretAccessKey")
        else { throw client.missing(operation, "Credentials") }
        return AWSCredentials(
            accessKeyID: key,
            secretAccessKey: secret,
            sessionToken: result.string("Credentials", "SessionToken"),
            expiration: result.string("Credentials", "Expiration").flatMap(ISO8601.parse)
        )
    }
}
