import RemedyCore

/// Amazon Macie operations (`rest-json`): the account's Macie session.
public struct MacieClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// `ENABLED` or `PAUSED`, or nil when Macie was never enabled in the region (Macie answers that with
    /// `AccessDeniedException`, "Macie is not enabled").
    public func sessionStatus() async throws(AWSError) -> String? {
        do {
            let reply = try await client.restJSON("GetMacieSession", effect: .readOnly, method: "GET", path: "/macie")
            return reply["status"]?.stringValue
        } catch  where error.code == "AccessDeniedException" && error.message.contains("not enabled") {
            return nil
        }
    }

    /// Enables Macie in the region; `clientToken` makes a retried call one call.
    public func enable(clientToken: String) async throws(AWSError) {
        _ = try await client.restJSON(
            "EnableMacie",
            effect: .mutating(idempotent: true),
            method: "POST",
            path: "/macie",
            body: ["clientToken": .string(clientToken), "status": "ENABLED"]
        )
    }

    /// Sets an existing session `ENABLED` or `PAUSED` (paused keeps its findings and settings).
    public func setStatus(_ status: String) async throws(AWSError) {
        _ = try await client.restJSON(
            "UpdateMacieSession",
            effect: .mutating(idempotent: true),
            method: "PATCH",
            path: "/macie",
            body: ["status": .string(status)]
        )
    }
}
