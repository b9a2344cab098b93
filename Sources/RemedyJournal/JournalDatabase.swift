import Foundation
import GRDB
import RemedyCore

/// The journal's SQLite store: one writer, append-only by trigger, hash-chained, checkpointed with a signature.
///
/// WAL mode with `synchronous = FULL`: an appended record is on disk when `append` returns. Concurrent `append`,
/// `createRun` and lease calls are committed together, one transaction and one disk sync for all the calls waiting
/// at that moment (``JournalWriteBatcher``), unless the journal commits ``Commits/inline``.
public final class JournalDatabase: RunJournal {
    let writer: any DatabaseWriter
    private let signingKey: JournalSigningKey?
    private let wallClock: WallClock
    /// Every write goes through it, but for `checkpoint()` (synchronous and rare) and the tests' `unsafeExecute`.
    let batcher: JournalWriteBatcher
    /// Watches the file journal's connections (which hold it unretained), so it lives as long as they do.
    private let walCheckpointer: WALCheckpointer?

    /// How far a committed record survives.
    public enum Durability: Sendable {
        /// On disk before the write returns (`synchronous = FULL`): a killed process, a kernel panic or a power cut
        /// loses nothing committed. What every journal of real actions uses.
        case synced
        /// Handed to the operating system before the write returns (`synchronous = NORMAL`): a killed process loses
        /// nothing, a power cut can lose the last transactions. Only for journals of runs that change nothing real
        /// (exercises against a simulated account), where a lost tail costs a rerun and no account of an action.
        case survivesProcessCrash

        var pragma: String {
            switch self {
            case .synced: "FULL"
            case .survivesProcessCrash: "NORMAL"
            }
        }
    }

    /// How writes are committed.
    public enum Commits: Sendable {
        /// Writes from concurrent callers wait on the journal's writer queue and commit together, one transaction and
        /// one disk sync for all waiting at that moment, and no caller blocks a thread while it waits. For journals
        /// that concurrent runs write (`remedy run`, `remedy serve`).
        case grouped
        /// Each write commits a transaction of its own on the caller's thread, which it blocks meanwhile: no hand-off
        /// to the writer queue and back. Only for a journal with one writer at a time whose threads have nothing else
        /// to do: an exercise, which plays its runs one after another (the hand-offs cost it about 12% of its time).
        case inline
    }

    /// Opens (creating if needed) the journal at `path`, which only its owner may read (mode 0600).
    ///
    /// With a signing key, a checkpoint is signed every `checkpointInterval` records, whenever a run ends or parks,
    /// and at once for any unsigned tail the journal holds when it is opened.
    public init(
        path: String,
        signingKey: JournalSigningKey? = nil,
        checkpointInterval: Int = 100,
        durability: Durability = .synced,
        commits: Commits = .grouped,
        wallClock: WallClock = .system
    ) throws {
        // Private before SQLite writes its first byte; the WAL and shared-memory files inherit the mode.
        try PrivateFile.ensure(path)
        var configuration = Configuration()
        // Other processes (a second `remedy run`, `remedy approve`, `remedy serve`) write the same file: wait for
        // their transaction rather than fail with "database is locked".
        configuration.busyMode = .timeout(30)
        let checkpointer = WALCheckpointer(path: path)
        configuration.prepareDatabase { db in checkpointer.watch(db) }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Set on the writer after the pool is open: GRDB's WAL set-up lowers it to NORMAL after `prepareDatabase`
        // has run, which syncs only at WAL checkpoints and can lose committed records to a power cut.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.pragma)")
            // A WAL that once grew (migration v5 copies the whole record table through it) is cut back to 64 MiB
            // when the writer next rewinds it, instead of keeping its largest size on disk.
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
        }
        writer = pool
        checkpointer.start(writer: writer)
        walCheckpointer = checkpointer
        self.signingKey = signingKey
        self.checkpointInterval = max(1, checkpointInterval)
        self.wallClock = wallClock
        batcher = JournalWriteBatcher(writer: writer, commits: commits, wallClock: wallClock)
        try Self.migrator.migrate(writer)
        // A process killed with SIGKILL signed nothing after its last checkpoint: sign what it left before anything
        // else is written, so the next checkpoint does not cover records this process never saw written.
        if signingKey != nil { try checkpoint() }
    }

    /// The journal of an exercise (runs against a simulated account, played one after another): nothing real is
    /// changed, so a power cut may cost its tail (a rerun), never an account of an action
    /// (``Durability/survivesProcessCrash``), and with one writer at a time each write commits inline
    /// (``Commits/inline``).
    public static func exercise(
        path: String,
        signingKey: JournalSigningKey,
        wallClock: WallClock
    ) throws -> JournalDatabase {
        try JournalDatabase(
            path: path,
            signingKey: signingKey,
            durability: .survivesProcessCrash,
            commits: .inline,
            wallClock: wallClock
        )
    }

    /// An in-memory journal, for tests.
    public init(inMemory signingKey: JournalSigningKey? = nil, checkpointInterval: Int = 100) throws {
        writer = try DatabaseQueue()
        walCheckpointer = nil
        self.signingKey = signingKey
        self.checkpointInterval = max(1, checkpointInterval)
        wallClock = .system
        batcher = JournalWriteBatcher(writer: writer, commits: .grouped, wallClock: wallClock)
        try Self.migrator.migrate(writer)
    }

    let checkpointInterval: Int

    /// Appends entries, contiguous and in order, and returns them as stored once their transaction committed.
    ///
    /// Calls made at the same time share one transaction (one disk sync); each still fails or succeeds alone.
    @discardableResult
    public func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] {
        try await append(entries) { _ in }
    }

    /// Appends entries and runs `alongside` in the same savepoint: both are written, or neither.
    func append(
        _ entries: [JournalEntry],
        alongside: @escaping @Sendable (Database) throws -> Void
    ) async throws -> [JournalRecord] {
        let prepared = entries.map(PreparedEntry.init)
        let key = signingKey
        let interval = Int64(checkpointInterval)
        return try await batcher.write { db, now in
            let records = try Self.insert(prepared, db, recordedAt: now, key: key, checkpointInterval: interval)
            try alongside(db)
            return records
        }
    }

    public func createRun(_ entry: JournalEntry, dedupeKey: String) async throws -> RunCreation {
        guard let runID = entry.runID else { throw JournalError("run.created needs a run id") }
        let prepared = PreparedEntry(entry)
        let key = signingKey
        let interval = Int64(checkpointInterval)
        // The dedupe check and the insert share the request's savepoint: a second request for the key in the same
        // transaction sees the first one's key.
        return try await batcher.write { db, now in
            if let existing = try String.fetchOne(
                db.cachedStatement(sql: "SELECT runId FROM dedupe WHERE key = ?"),
                arguments: [dedupeKey]
            ) {
                return .duplicate(existingRunID: existing)
            }
            let stored = try Self.insert([prepared], db, recordedAt: now, key: key, checkpointInterval: interval)
            guard let record = stored.first else { throw JournalError("append returned nothing") }
            try db.cachedStatement(sql: "INSERT INTO dedupe (key, runId, sequence) VALUES (?, ?, ?)")
                .execute(arguments: [dedupeKey, runID, record.sequence])
            return .created(record)
        }
    }

    /// Chains and inserts entries in the writer's transaction; the payloads' JSON is already written.
    static func insert(
        _ entries: [PreparedEntry],
        _ db: Database,
        recordedAt now: String,
        key: JournalSigningKey?,
        checkpointInterval interval: Int64
    ) throws -> [JournalRecord] {
        guard !entries.isEmpty else { return [] }
        // Statements on the hot path are prepared once per connection (parsing SQL cost more than running it).
        let last = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT sequence, hash FROM record ORDER BY sequence DESC LIMIT 1")
        )
        let insertRecord = try db.cachedStatement(
            sql:
                "INSERT INTO record (sequence, recordedAt, runId, kind, payload, previousHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        var sequence: Int64 = last?["sequence"] ?? 0
        var previousHash: String = last?["hash"] ?? JournalRecord.genesisHash
        var stored: [JournalRecord] = []
        for prepared in entries {
            let entry = prepared.entry
            sequence += 1
            var record = JournalRecord(
                sequence: sequence,
                recordedAt: now,
                runID: entry.runID,
                kind: entry.kind,
                payload: entry.payload,
                previousHash: previousHash,
                hash: ""
            )
            record.hash = JournalHasher.hash(canonicalText: record.canonicalText(payloadText: prepared.payloadText))
            try insertRecord.execute(arguments: [
                record.sequence, record.recordedAt, record.runID, record.kind, prepared.payloadText,
                record.previousHash, record.hash,
            ])
            // Every interval, and whenever a run ends or parks: a journal at rest has its tail signed, in the same
            // transaction as the record (a signing failure fails the write, it is not skipped).
            if let key, sequence % interval == 0 || Self.endsAChapter(record) {
                try insertCheckpoint(db, record: record, key: key, signedAt: now)
            }
            // Inside the open transaction: a crash here must leave no trace of the record.
            PausePoint.reach("journal-write:\(entry.kind):\(entry.payload["step"]?.stringValue ?? "-")")
            previousHash = record.hash
            stored.append(record)
        }
        return stored
    }

    /// Whether `record` ends a run or parks it: a moment a responder may read the journal, so it is signed at once.
    static func endsAChapter(_ record: JournalRecord) -> Bool {
        record.kind == RunEventKind.runParked.rawValue || UnfinishedRun.finishes(record)
    }

    @discardableResult
    public func append(_ entry: JournalEntry) async throws -> JournalRecord {
        guard let record = try await append([entry]).first else { throw JournalError("append returned nothing") }
        return record
    }

    /// Why the journal cannot take a write now (locked past the busy timeout, read-only, disk gone), or nil.
    ///
    /// Takes the write lock in an empty transaction, which commits without touching the file.
    public func writeProblem() async -> String? {
        do {
            try await writer.write { db in try db.execute(sql: "SELECT 1") }
            return nil
        } catch {
            return "the journal cannot take writes: \(error)"
        }
    }

    /// Signs the latest record now (at shutdown, or after a run), unless it is already checkpointed.
    public func checkpoint() throws {
        guard let key = signingKey else {
            throw JournalError("no signing key configured; create one with remedy journal init-key")
        }
        let now = Timestamp.format(wallClock.now)
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM record ORDER BY sequence DESC LIMIT 1") else {
                return
            }
            let record = try Self.record(row)
            guard
                try Row.fetchOne(db, sql: "SELECT 1 FROM checkpoint WHERE sequence = ?", arguments: [record.sequence])
                    == nil
            else { return }
            try Self.insertCheckpoint(db, record: record, key: key, signedAt: now)
        }
    }

    /// Writes the journal from `sequence` on as export lines: records in order, then the checkpoints among them.
    ///
    /// A partial export starts just after the latest signed checkpoint before `sequence`, which it carries as its
    /// anchor: its chain then hangs from a signature rather than from a previous hash taken on trust. One line at a
    /// time from one read transaction, so memory does not grow with the journal.
    public func export(from sequence: Int64 = 1, to write: (String) throws -> Void) throws {
        try writer.read { db in
            let checkpoints = try Self.checkpoints(db)
            let anchor = checkpoints.last { $0.sequence < sequence }?.sequence ?? 0
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT * FROM record WHERE sequence > ? ORDER BY sequence",
                arguments: [anchor]
            )
            while let row = try rows.next() {
                try write(JournalExport.line(for: try Self.record(row)))
            }
            for checkpoint in checkpoints where checkpoint.sequence >= anchor {
                try write(JournalExport.line(for: checkpoint))
            }
        }
    }

    static func checkpoints(_ db: Database) throws -> [JournalCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT * FROM checkpoint ORDER BY sequence").map {
            JournalCheckpoint(
                sequence: $0["sequence"],
                hash: $0["hash"],
                signedAt: $0["signedAt"],
                keyID: $0["keyId"],
                signature: $0["signature"]
            )
        }
    }

    /// Verifies the whole journal against `keys` (the signing key's own public key when none are given).
    ///
    /// Streams the records in one read transaction: a consistent snapshot, in constant memory (a server's journal of
    /// a million runs holds 6 GB of findings). Each record's stored payload text is hashed as it is, which is the
    /// text its writer hashed; only when that fails is the payload parsed and written canonically, as an export's
    /// verifier does, so every journal remedy wrote verifies as before. Columns that are not the TEXT remedy writes
    /// are edits (``StoredRecord``).
    public func verify(
        keys: [JournalVerificationKey]? = nil,
        requirements: JournalVerifier.Requirements = .strict
    ) throws -> JournalVerifier.Report {
        let keys = keys ?? signingKey.map { [$0.verifier] } ?? []
        return try writer.read { db in
            var chain = JournalVerifier.Chain(startingAt: nil, checkpoints: try Self.checkpoints(db))
            let rows = try Row.fetchCursor(db, sql: StoredRecord.query)
            while let row = try rows.next() {
                let stored = StoredRecord(row)
                if let broken = chain.add(
                    sequence: stored.sequence,
                    previousHash: stored.previousHash ?? "",
                    hash: stored.hash ?? "",
                    contentHash: stored.contentHash
                ) {
                    return broken
                }
            }
            return chain.finish(keys: keys, requirements: requirements)
        }
    }

    /// A `PRAGMA` as the writer's connection reads it (`synchronous`: 2 is FULL, 1 NORMAL).
    func writerSetting(_ pragma: String) throws -> Int {
        try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA \(pragma)") ?? -1 }
    }

    /// Runs raw SQL: for tests that play an attacker with write access to the file.
    func unsafeExecute(_ sql: String) throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    private static func insertCheckpoint(
        _ db: Database,
        record: JournalRecord,
        key: JournalSigningKey,
        signedAt: String
    ) throws {
        let text = JournalCheckpoint.signedText(sequence: record.sequence, hash: record.hash, signedAt: signedAt)
        try db.execute(
            sql: "INSERT INTO checkpoint (sequence, hash, signedAt, keyId, signature) VALUES (?, ?, ?, ?, ?)",
            arguments: [record.sequence, record.hash, signedAt, key.keyID, try key.sign(text)]
        )
    }

    /// What every reader of the journal's JSON (stored payloads, export lines) accepts.
    static let jsonLimits = JSONParser.Limits(maximumBytes: 16 << 20, maximumDepth: 128)

    /// A stored payload's JSON, within ``jsonLimits``.
    static func parsePayload(_ text: String) throws -> JSONValue {
        try JSONParser(limits: jsonLimits).parse(text)
    }

    static func record(_ row: Row) throws -> JournalRecord {
        let payloadText: String = row["payload"]
        let payload: JSONValue
        do {
            payload = try parsePayload(payloadText)
        } catch {
            throw JournalError("record \(row["sequence"] as Int64) has an unreadable payload: \(error)")
        }
        return JournalRecord(
            sequence: row["sequence"],
            recordedAt: row["recordedAt"],
            runID: row["runId"],
            kind: row["kind"],
            payload: payload,
            previousHash: row["previousHash"],
            hash: row["hash"]
        )
    }
}

/// An entry with its payload written as JSON by the caller, so the writer's transaction, which every concurrent
/// caller waits on, does not spend its time writing JSON.
struct PreparedEntry: Sendable {
    var entry: JournalEntry
    /// `entry.payload.jsonText()`: the stored text, and the payload's part of the hashed text.
    var payloadText: String

    init(_ entry: JournalEntry) {
        self.entry = entry
        payloadText = entry.payload.jsonText()
    }
}
