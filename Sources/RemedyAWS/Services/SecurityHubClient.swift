import RemedyCore

/// Security Hub operations (`rest-json`).
public struct SecurityHubClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// Security Hub takes at most this many finding identifiers in one `BatchUpdateFindings` call.
    public static let batchUpdateLimit = 100

    /// Sets the workflow status of findings and adds a note; returns the ids Security Hub could not update, with
    /// its reason.
    ///
    /// More than ``batchUpdateLimit`` findings go in several calls. A blank note is left out: Security Hub requires
    /// a note's text to contain a non-space character.
    public func batchUpdateFindings(
        findings: [(id: String, productARN: String)],
        workflowStatus: String,
        note: String?,
        updatedBy: String = "remedy"
    ) async throws(AWSError) -> [(id: String, reason: String)] {
        var unprocessed: [(id: String, reason: String)] = []
        var start = findings.startIndex
        while start < findings.endIndex {
            let end = min(start + Self.batchUpdateLimit, findings.endIndex)
            unprocessed += try await batchUpdate(
                Array(findings[start..<end]),
                workflowStatus: workflowStatus,
                note: note,
                updatedBy: updatedBy
            )
            start = end
        }
        return unprocessed
    }

    private func batchUpdate(
        _ findings: [(id: String, productARN: String)],
        workflowStatus: String,
        note: String?,
        updatedBy: String
    ) async throws(AWSError) -> [(id: String, reason: String)] {
        var body: [String: JSONValue] = [
            "FindingIdentifiers": .array(
                findings.map { ["Id": .string($0.id), "ProductArn": .string($0.productARN)] }
            ),
            "Workflow": ["Status": .string(workflowStatus)],
        ]
        if let note, note.contains(where: { !$0.isWhitespace }) {
            let author = updatedBy.contains(where: { !$0.isWhitespace }) ? updatedBy : "remedy"
            body["Note"] = ["Text": .string(String(note.prefix(512))), "UpdatedBy": .string(author)]
        }
        let reply = try await client.restJSON(
            "BatchUpdateFindings",
            effect: .mutating(idempotent: true),
            method: "PATCH",
            path: "/findings/batchupdate",
            body: .object(body)
        )
        return (reply["UnprocessedFindings"]?.arrayValue ?? []).map {
            (
                $0["FindingIdentifier"]?["Id"]?.stringValue ?? "",
                $0["ErrorMessage"]?.stringValue ?? $0["ErrorCode"]?.stringValue ?? ""
            )
        }
    }

    /// Findings by id, as ASFF documents.
    public func getFindings(ids: [String]) async throws(AWSError) -> [JSONValue] {
        let filters: JSONValue = ["Id": .array(ids.map { ["Value": .string($0), "Comparison": "EQUALS"] })]
        let reply = try await client.restJSON(
            "GetFindings",
            effect: .readOnly,
            method: "POST",
            path: "/findings",
            body: ["Filters": filters]
        )
        return reply["Findings"]?.arrayValue ?? []
    }
}
