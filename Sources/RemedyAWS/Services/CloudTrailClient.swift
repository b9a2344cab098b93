import RemedyCore

/// CloudTrail operations (`json` 1.1).
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
