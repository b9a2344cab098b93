import RemedyCore

/// Amazon API Gateway operations (`rest-json`): REST API stage settings.
public struct APIGatewayClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    private func stagePath(_ api: String, _ stage: String) -> String {
        "/restapis/\(URIEncoding.encode(api))/stages/\(URIEncoding.encode(stage))"
    }

    /// The stage's default method settings (`*/*`): `cacheDataEncrypted`, `loggingLevel` (`OFF`, `ERROR`, `INFO`)...
    public func defaultMethodSettings(api: String, stage: String) async throws(AWSError) -> JSONValue {
        let reply = try await client.restJSON("GetStage", effect: .readOnly, method: "GET", path: stagePath(api, stage))
        return reply["methodSettings"]?["*/*"] ?? [:]
    }

    /// Applies `replace` patch operations to the stage's default method settings (`/*/*/caching/dataEncrypted`...).
    public func patchDefaultMethodSettings(
        api: String,
        stage: String,
        _ values: [String: String]
    ) async throws(AWSError) {
        let operations = values.sorted { $0.key < $1.key }.map { path, value -> JSONValue in
            ["op": "replace", "path": .string("/*/*/\(path)"), "value": .string(value)]
        }
        _ = try await client.restJSON(
            "UpdateStage",
            effect: .mutating(idempotent: true),
            method: "PATCH",
            path: stagePath(api, stage),
            body: ["patchOperations": .array(operations)]
        )
    }
}
