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

/// GuardDuty operations (`rest-json`, camelCase members).
public struct GuardDutyClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// GuardDuty takes at most this many finding ids in one `GetFindings` or `ArchiveFindings` call.
    public static let findingIDLimit = 50

    /// Every detector id in the region, following `nextToken` across pages.
    public func listDetectors() async throws(AWSError) -> [String] {
        var ids: [String] = []
        var nextToken: String?
        repeat {
            let reply = try await client.restJSON(
                "ListDetectors",
                effect: .readOnly,
                method: "GET",
                path: "/detector",
                query: nextToken.map { URIEncoding.query([("nextToken", $0)]) } ?? ""
            )
            ids += reply["detectorIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            nextToken = reply["nextToken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while nextToken != nil
        return ids
    }

    public func createDetector(clientToken: String) async throws(AWSError) -> String {
        let reply = try await client.restJSON(
            "CreateDetector",
            effect: .mutating(idempotent: true),
            method: "POST",
            path: "/detector",
            body: ["enable": true, "clientToken": .string(clientToken)]
        )
        guard let id = reply["detectorId"]?.stringValue else { throw client.missing("CreateDetector", "detectorId") }
        return id
    }

    /// The detector's status: `ENABLED` or `DISABLED`.
    public func detectorStatus(_ detectorID: String) async throws(AWSError) -> String {
        let reply = try await client.restJSON(
            "GetDetector",
            effect: .readOnly,
            method: "GET",
            path: "/detector/\(URIEncoding.encode(detectorID))"
        )
        guard let status = reply["status"]?.stringValue else { throw client.missing("GetDetector", "status") }
        return status
    }

    public func enableDetector(_ detectorID: String) async throws(AWSError) {
        _ = try await client.restJSON(
            "UpdateDetector",
            effect: .mutating(idempotent: true),
            method: "POST",
            path: "/detector/\(URIEncoding.encode(detectorID))",
            body: ["enable": true]
        )
    }

    /// The findings with these ids, in batches of ``findingIDLimit``; ids GuardDuty does not know are left out.
    public func getFindings(detectorID: String, ids: [String]) async throws(AWSError) -> [JSONValue] {
        var findings: [JSONValue] = []
        for batch in Self.batches(ids) {
            let reply = try await client.restJSON(
                "GetFindings",
                effect: .readOnly,
                method: "POST",
                path: "/detector/\(URIEncoding.encode(detectorID))/findings/get",
                body: ["findingIds": .array(batch.map(JSONValue.string))]
            )
            findings += reply["findings"]?.arrayValue ?? []
        }
        return findings
    }

    /// Archives the findings with these ids, in batches of ``findingIDLimit``.
    public func archiveFindings(detectorID: String, ids: [String]) async throws(AWSError) {
        for batch in Self.batches(ids) {
            _ = try await client.restJSON(
                "ArchiveFindings",
                effect: .mutating(idempotent: true),
                method: "POST",
                path: "/detector/\(URIEncoding.encode(detectorID))/findings/archive",
                body: ["findingIds": .array(batch.map(JSONValue.string))]
            )
        }
    }

    /// Returns archived findings to the current list, in batches of ``findingIDLimit``.
    public func unarchiveFindings(detectorID: String, ids: [String]) async throws(AWSError) {
        for batch in Self.batches(ids) {
            _ = try await client.restJSON(
                "UnarchiveFindings",
                effect: .mutating(idempotent: true),
                method: "POST",
                path: "/detector/\(URIEncoding.encode(detectorID))/findings/unarchive",
                body: ["findingIds": .array(batch.map(JSONValue.string))]
            )
        }
    }

    static func batches(_ ids: [String]) -> [ArraySlice<String>] {
        stride(from: 0, to: ids.count, by: findingIDLimit).map { ids[$0..<min($0 + findingIDLimit, ids.count)] }
    }
}
