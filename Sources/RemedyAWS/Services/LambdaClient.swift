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

    /// What `GetFunction` says of a function's code and identity (its `Configuration` and `Code`).
    public struct FunctionDescription: Sendable, Hashable {
        public var arn: String?
        public var codeSHA256: String?
        public var codeSize: Int?
        public var version: String?
        public var revisionID: String?
        public var lastModified: String?
        public var runtime: String?
        public var handler: String?
        public var role: String?
        public var packageType: String?
        /// Where the code can be fetched: a pre-signed S3 URL for a .zip package (valid for minutes), or the
        /// image's URI.
        public var codeLocation: String?
        public var imageURI: String?
    }

    public func function(_ function: String) async throws(AWSError) -> FunctionDescription {
        let reply = try await client.restJSON(
            "GetFunction",
            effect: .readOnly,
            method: "GET",
            path: functionPath(function, "")
        )
        let configuration = reply["Configuration"] ?? .null
        let code = reply["Code"] ?? .null
        return FunctionDescription(
            arn: configuration["FunctionArn"]?.stringValue,
            codeSHA256: configuration["CodeSha256"]?.stringValue,
            codeSize: configuration["CodeSize"]?.integerValue,
            version: configuration["Version"]?.stringValue,
            revisionID: configuration["RevisionId"]?.stringValue,
            lastModified: configuration["LastModified"]?.stringValue,
            runtime: configuration["Runtime"]?.stringValue,
            handler: configuration["Handler"]?.stringValue,
            role: configuration["Role"]?.stringValue,
            packageType: configuration["PackageType"]?.stringValue,
            codeLocation: code["Location"]?.stringValue,
            imageURI: code["ImageUri"]?.stringValue
        )
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
