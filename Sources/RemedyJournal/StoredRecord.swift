import Foundation
import GRDB
import RemedyCore

/// A record's columns exactly as the file holds them, for verification.
///
/// Each text column is read as its bytes and must be TEXT holding valid UTF-8: SQLite's own text accessor stops at
/// a NUL and repairs invalid UTF-8, so an edit hidden behind either (or a column turned BLOB, which the journal's
/// queries no longer match) would otherwise verify as the original. Such a record hashes to nothing: edited.
struct StoredRecord {
    static let query = """
        SELECT sequence,
            CAST(recordedAt AS BLOB) AS recordedAt, CAST(runId AS BLOB) AS runId, CAST(kind AS BLOB) AS kind,
            CAST(payload AS BLOB) AS payload, CAST(previousHash AS BLOB) AS previousHash,
            CAST(hash AS BLOB) AS hash,
            typeof(recordedAt) = 'text' AND typeof(runId) IN ('text', 'null') AND typeof(kind) = 'text'
                AND typeof(payload) = 'text' AND typeof(previousHash) = 'text' AND typeof(hash) = 'text' AS textual
        FROM record ORDER BY sequence
        """

    let sequence: Int64
    let recordedAt: String?
    let runID: String?
    let kind: String?
    let payloadText: String?
    let previousHash: String?
    let hash: String?
    let isTextual: Bool

    init(_ row: Row) {
        func text(_ column: String) -> String? {
            (row[column] as Data?).flatMap { String(validating: $0, as: UTF8.self) }
        }
        sequence = row["sequence"]
        recordedAt = text("recordedAt")
        runID = text("runId")
        kind = text("kind")
        payloadText = text("payload")
        previousHash = text("previousHash")
        hash = text("hash")
        isTextual = (row["textual"] as Bool?) ?? false
    }

    /// The hash of what the record holds: of its stored text, or, when that is not the record's hash, of its
    /// payload parsed and written canonically, as an export is checked; empty when a column is not the text the
    /// journal writes or the payload does not parse.
    var contentHash: String {
        guard isTextual, let recordedAt, let kind, let payloadText, let previousHash, let hash else { return "" }
        func hashed(_ payloadText: String) -> String {
            JournalHasher.hash(
                canonicalText: JournalRecord.canonicalText(
                    sequence: sequence,
                    recordedAt: recordedAt,
                    runID: runID,
                    kind: kind,
                    payloadText: payloadText,
                    previousHash: previousHash
                )
            )
        }
        let stored = hashed(payloadText)
        guard stored != hash, let payload = try? JournalDatabase.parsePayload(payloadText) else { return stored }
        return hashed(payload.jsonText())
    }
}
