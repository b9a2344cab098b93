import GRDB

extension JournalDatabase {
    /// Append-only history: migrations are never edited, only added.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: records and checkpoints") { db in
            try db.execute(
                sql: """
                    CREATE TABLE record (
                        sequence INTEGER PRIMARY KEY,
                        recordedAt TEXT NOT NULL,
                        runId TEXT,
                        kind TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        previousHash TEXT NOT NULL,
                        hash TEXT NOT NULL UNIQUE
                    );
                    CREATE INDEX record_run ON record(runId, sequence);
                    CREATE TABLE checkpoint (
                        sequence INTEGER PRIMARY KEY REFERENCES record(sequence),
                        hash TEXT NOT NULL,
                        signedAt TEXT NOT NULL,
                        keyId TEXT NOT NULL,
                        signature TEXT NOT NULL
                    );
                    CREATE TRIGGER record_no_update BEFORE UPDATE ON record
                        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    CREATE TRIGGER record_no_delete BEFORE DELETE ON record
                        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    CREATE TRIGGER checkpoint_no_update BEFORE UPDATE ON checkpoint
                        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    CREATE TRIGGER checkpoint_no_delete BEFORE DELETE ON checkpoint
                        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    """
            )
        }
        migrator.registerMigration("v2: dedupe keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dedupe (
                        key TEXT PRIMARY KEY,
                        runId TEXT NOT NULL,
                        sequence INTEGER NOT NULL REFERENCES record(sequence)
                    );
                    CREATE INDEX record_kind ON record(kind, sequence);
                    CREATE TRIGGER dedupe_no_update BEFORE UPDATE ON dedupe
                        BEGIN SELECT RAISE(ABORT, 'dedupe keys are append-only'); END;
                    CREATE TRIGGER dedupe_no_delete BEFORE DELETE ON dedupe
                        BEGIN SELECT RAISE(ABORT, 'dedupe keys are append-only'); END;
                    """
            )
        }
        // Leases are coordination, not history: a mutable table outside the hash chain.
        migrator.registerMigration("v3: run leases") { db in
            try db.execute(
                sql: """
                    CREATE TABLE lease (
                        runId TEXT PRIMARY KEY,
                        holder TEXT NOT NULL,
                        expiresAt REAL NOT NULL
                    );
                    """
            )
        }
        // Indexes `run.created` records by playbook, mode and start time, so a run's limits check reads the runs
        // of its playbook instead of parsing every run's payload (which holds the whole finding).
        migrator.registerMigration("v4: playbook usage index") { db in
            try db.execute(
                sql: """
                    CREATE INDEX record_run_usage ON record(
                        json_extract(payload, '$.playbook'), json_extract(payload, '$.mode'),
                        json_extract(payload, '$.startedAt'), runId
                    ) WHERE kind = 'run.created';
                    """
            )
        }
        migrator.registerMigration("v5: no unique index on record hashes") { db in
            // Each hash covers the previous one and its sequence, so the chain makes hashes unique already. Nothing
            // looks a record up by hash, and the index put a random page into every commit (40% of the WAL writes
            // of the executor benchmark). SQLite cannot drop a column constraint, so the table is rebuilt, rows
            // and sequences unchanged: a journal from before v5 copies its records once, on first open. The
            // statements are written out in full, as every migration's are: history is never edited.
            try db.execute(
                sql: """
                    CREATE TABLE record_v5 (
                        sequence INTEGER PRIMARY KEY,
                        recordedAt TEXT NOT NULL,
                        runId TEXT,
                        kind TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        previousHash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    INSERT INTO record_v5 (sequence, recordedAt, runId, kind, payload, previousHash, hash)
                        SELECT sequence, recordedAt, runId, kind, payload, previousHash, hash FROM record
                        ORDER BY sequence;
                    DROP TABLE record;
                    ALTER TABLE record_v5 RENAME TO record;
                    CREATE INDEX record_run ON record(runId, sequence);
                    CREATE INDEX record_kind ON record(kind, sequence);
                    CREATE INDEX record_run_usage ON record(
                        json_extract(payload, '$.playbook'), json_extract(payload, '$.mode'),
                        json_extract(payload, '$.startedAt'), runId
                    ) WHERE kind = 'run.created';
                    CREATE TRIGGER record_no_update BEFORE UPDATE ON record
                        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    CREATE TRIGGER record_no_delete BEFORE DELETE ON record
                        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    """
            )
        }
        return migrator
    }
}
