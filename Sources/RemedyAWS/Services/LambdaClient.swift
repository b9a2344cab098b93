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
