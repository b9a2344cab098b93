import RemedyCore

/// Security Hub operations (`rest-json`).
public struct SecurityHubClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// Sets the workflow status of findings and adds a note; returns the ids Security Hub could not update, with
    /// its reason.
    public func batchUpdateFindings(
        findings: [(id: String, productARN: String)],
        workflowStatus: String,
        note: String?,
        updatedBy: String = "remedy"
    ) async throws(AWSError) -> [(id: String, reason: String)] {
        var body: [String: JSONValue] = [
            "FindingIdentifiers": .array(
                findings.map { ["Id": .string($0.id), "ProductArn": .string($0.productARN)] }
            ),
            "Workflow": ["Status": .string(workflowStatus)],
        ]
        if let note { body["Note"] = ["Text": .string(String(note.prefix(512))), "UpdatedBy": .string(updatedBy)] }
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

    public func listDetectors() async throws(AWSError) -> [String] {
        let reply = try await client.restJSON("ListDetectors", effect: .readOnly, method: "GET", path: "/detector")
        return reply["detectorIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
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

    public func enableDetector(_ detectorID: String) async throws(AWSError) {
        _ = try await client.restJSON(
            "UpdateDetector",
            effect: .mutating(idempotent: true),
            method: "POST",
            path: "/detector/\(URIEncoding.encode(detectorID))",
            body: ["enable": true]
        )
    }

    public func getFindings(detectorID: String, ids: [String]) async throws(AWSError) -> [JSONValue] {
        let reply = try await client.restJSON(
            "GetFindings",
            effect: .readOnly,
            method: "POST",
            path: "/detector/\(URIEncoding.encode(detectorID))/findings/get",
            body: ["findingIds": .array(ids.map(JSONValue.string))]
        )
        return reply["findings"]?.arrayValue ?? []
    }

    public func archiveFindings(detectorID: String, ids: [String]) async throws(AWSError) {
        _ = try await client.restJSON(
            "ArchiveFindings",
            effect: .mutating(idempotent: true),
            method: "POST",
            path: "/detector/\(URIEncoding.encode(detectorID))/findings/archive",
            body: ["findingIds": .array(ids.map(JSONValue.string))]
        )
    }
}
