import Foundation
import GRDB
import RemedyCore

/// What the journal answers from its indexes: runs by dedupe key, by creation, unfinished; a run's records.
extension JournalDatabase {
    public func runID(forDedupeKey dedupeKey: String) async throws -> String? {
        try await writer.read { db in
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT runId FROM dedupe WHERE key = ?"),
                arguments: [dedupeKey]
            )
        }
    }

    public func runIDs() async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT runId FROM record WHERE kind = \(EventSQL.kind(.runCreated)) AND runId IS NOT NULL ORDER BY sequence"
            )
        }
    }

    public func runsCreated(after sequence: Int64, limit: Int) async throws -> [CreatedRun] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT runId, sequence FROM record
                    WHERE sequence > ? AND kind = \(EventSQL.kind(.runCreated)) AND runId IS NOT NULL ORDER BY sequence LIMIT ?
                    """,
                arguments: [sequence, limit]
            ).map { CreatedRun(runID: $0["runId"], sequence: $0["sequence"]) }
        }
    }

    public func runsCreated(before sequence: Int64?, limit: Int) async throws -> [CreatedRun] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT runId, sequence FROM record
                    WHERE kind = \(EventSQL.kind(.runCreated)) AND sequence < ? AND runId IS NOT NULL ORDER BY sequence DESC LIMIT ?
                    """,
                arguments: [sequence ?? .max, limit]
            ).map { CreatedRun(runID: $0["runId"], sequence: $0["sequence"]) }
        }
    }

    /// From the run index alone, but for the payload of each run's latest record where its kind may finish the run:
    /// no run's records are read, so a restart after a million runs does not parse a million findings.
    public func unfinishedRuns(after sequence: Int64, limit: Int) async throws -> [UnfinishedRun] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT created.runId, created.sequence AS createdSequence, latest.kind AS latestKind
                    FROM record AS created
                    JOIN record AS latest ON latest.sequence = (
                        SELECT MAX(sequence) FROM record WHERE runId = created.runId
                    )
                    WHERE created.kind = \(EventSQL.kind(.runCreated)) AND created.runId IS NOT NULL
                        AND created.sequence > ?
                        AND NOT (
                            latest.kind = \(EventSQL.kind(.runSucceeded))
                            OR (
                                latest.kind = \(EventSQL.kind(.runFailed))
                                AND \(EventSQL.member(RunEvent.Failed.undoKey, of: "latest")) = 0
                            )
                            OR (
                                latest.kind IN \(EventSQL.kinds(.undoSucceeded, .undoFailed))
                                AND json_type(latest.payload, '$.\(RunEvent.Undo.stepKey)') IS NULL
                            )
                        )
                    ORDER BY created.sequence LIMIT ?
                    """,
                arguments: [sequence, limit]
            ).map {
                UnfinishedRun(runID: $0["runId"], createdSequence: $0["createdSequence"], latestKind: $0["latestKind"])
            }
        }
    }

    public func records(ofRun runID: String) async throws -> [JournalRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM record WHERE runId = ? ORDER BY sequence"),
                arguments: [runID]
            ).map(Self.record)
        }
    }

    public func records(ofRun runID: String, after sequence: Int64) async throws -> RunRecordsSince {
        try await writer.read { db in
            // One read transaction: the count and the records are of the same moment.
            let total = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM record WHERE runId = ?"),
                arguments: [runID]
            )
            let records = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM record WHERE runId = ? AND sequence > ? ORDER BY sequence"),
                arguments: [runID, sequence]
            ).map(Self.record)
            return RunRecordsSince(records: records, total: total ?? 0)
        }
    }

    /// Every record, in order, read at once: for small journals and tests; `export` and `verify` stream.
    public func records() throws -> [JournalRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM record ORDER BY sequence").map(Self.record)
        }
    }

    public func checkpoints() throws -> [JournalCheckpoint] {
        try writer.read(Self.checkpoints)
    }
}
