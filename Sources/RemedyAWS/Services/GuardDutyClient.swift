import RemedyCore

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
