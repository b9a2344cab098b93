import Foundation
import GRDB
import RemedyCore
import RemedyTestSupport
import Testing

@testable import RemedyJournal

/// The journal keeps records in a hash chain with signed checkpoints, and `verify` names the first record that an
/// edit, deletion, insertion, reordering or truncation broke.
///
/// Tampering is played by an attacker who can write the file directly (dropping the append-only triggers first) and
/// recompute hashes, but has no signing key.
@Suite struct JournalTests {
    /// A journal file at rest with `count` records, a checkpoint every 10 and its tail signed (as remedy leaves a
    /// journal when its runs end or park), in a fresh directory.
    func journal(_ directory: TemporaryDirectory, count: Int = 25) async throws -> (JournalDatabase, JournalSigningKey)
    {
        let key = try JournalSigningKey.create(at: directory.file("journal.key"))
        let journal = try JournalDatabase(
            path: directory.file("journal.sqlite"),
            signingKey: key,
            checkpointInterval: 10
        )
        for index in 1...count {
            try await journal.append(
                JournalEntry(
                    runID: "run-\(index % 3)",
                    kind: "step.succeeded",
                    payload: ["step": .string("s\(index)"), "n": .number(Double(index))]
                )
            )
        }
        try journal.checkpoint()
        return (journal, key)
    }

    /// Plays an attacker with write access and no key: deletes every checkpoint, edits record `sequence` and
    /// recomputes the hashes of the chain from there on, so the chain alone checks out.
    func rewriteChain(_ journal: JournalDatabase, editing sequence: Int64) throws {
        var records = try journal.records()
        var statements = ["DROP TRIGGER IF EXISTS checkpoint_no_delete", "DELETE FROM checkpoint"]
        for index in records.indices where records[index].sequence >= sequence {
            if records[index].sequence == sequence { records[index].payload = ["step": "forged"] }
            if index > 0 { records[index].previousHash = records[index - 1].hash }
            records[index].hash = JournalHasher.hash(records[index])
            let payload = records[index].payload.jsonText().replacingOccurrences(of: "'", with: "''")
            statements.append(
                "UPDATE record SET payload = '\(payload)', previousHash = '\(records[index].previousHash)', "
                    + "hash = '\(records[index].hash)' WHERE sequence = \(records[index].sequence)"
            )
        }
        try tamper(journal, statements.joined(separator: "; "))
    }

    func tamper(_ journal: JournalDatabase, _ sql: String) throws {
        try journal.unsafeExecute(
            "DROP TRIGGER IF EXISTS record_no_update; DROP TRIGGER IF EXISTS record_no_delete; \(sql)"
        )
    }

    @Test func appendedRecordsFormAnIntactSignedChain() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            let report = try journal.verify()
            #expect(report.isIntact)
            #expect(report.recordsChecked == 25)
            #expect(report.checkpointsChecked == 3)
            let records = try journal.records()
            #expect(records.map(\.sequence) == Array(1...25))
            #expect(records[0].previousHash == JournalRecord.genesisHash)
            #expect(records[1].previousHash == records[0].hash)
            #expect(try await journal.records(ofRun: "run-1").count == 9)
        }
    }

    @Test func theDatabaseRefusesUpdatesAndDeletes() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory, count: 3)
            for statement in [
                "UPDATE record SET kind = 'x' WHERE sequence = 2", "DELETE FROM record WHERE sequence = 2",
            ] {
                let refused = #expect(throws: DatabaseError.self) { try journal.unsafeExecute(statement) }
                #expect(refused?.message == "the journal is append-only", "\(statement)")
            }
            #expect(try journal.verify().isIntact)
        }
    }

    @Test func anEditIsFoundAtTheEditedRecord() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            try tamper(journal, #"UPDATE record SET payload = '{"n":7,"step":"forged"}' WHERE sequence = 7"#)
            let report = try journal.verify()
            #expect(report.problem?.sequence == 7)
            #expect(report.problem?.reason.contains("edited") == true)
        }
    }

    @Test func aPayloadEditedIntoSomethingUnreadableIsFoundAtItsRecord() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            try tamper(journal, "UPDATE record SET payload = '{not json' WHERE sequence = 7")
            let report = try journal.verify()
            #expect(report.problem == .init(sequence: 7, reason: "its content does not match its hash (edited)"))
            #expect(report.recordsChecked == 6)
        }
    }

    /// SQLite's text accessor stops at a NUL and repairs invalid UTF-8, and the journal's queries do not match a
    /// BLOB: none of these can hide an edit behind text that reads as the original.
    @Test(arguments: [
        "payload = CAST(payload || char(0) || 'x' AS BLOB)",
        "kind = kind || char(0) || 'hidden'",
        "kind = CAST(kind AS BLOB)",
        "runId = CAST(runId AS BLOB)",
        "payload = CAST(payload AS BLOB)",
        "recordedAt = CAST(recordedAt AS BLOB) || X'FF'",
    ])
    func anEditHiddenInTheColumnsStorageIsFound(edit: String) async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            try tamper(journal, "UPDATE record SET \(edit) WHERE sequence = 7")
            let report = try journal.verify()
            #expect(report.problem == .init(sequence: 7, reason: "its content does not match its hash (edited)"))
        }
    }

    /// The stored text is hashed as it is; a text that differs only in form from the one hashed (as a journal
    /// written with another JSON writer might hold) is checked in canonical form, as an export is.
    @Test func aPayloadStoredInAnotherFormIsCheckedCanonically() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            try tamper(journal, #"UPDATE record SET payload = '{ "step" : "s7", "n" : 7.0 }' WHERE sequence = 7"#)
            #expect(try journal.verify().isIntact)
            try tamper(journal, #"UPDATE record SET payload = '{ "step" : "s7", "n" : 7.5 }' WHERE sequence = 7"#)
            #expect(try journal.verify().problem?.sequence == 7)
        }
    }

    @Test func aDeletionIsFoundWhereTheGapIs() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            try tamper(journal, "DELETE FROM record WHERE sequence = 12")
            let report = try journal.verify()
            #expect(report.problem?.sequence == 12)
            #expect(report.problem?.reason.contains("deleted") == true)
        }
    }

    @Test func aReorderingIsFound() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            // Swap the content of records 4 and 5, keeping each row's own hash fields.
            try tamper(
                journal,
                """
                UPDATE record SET sequence = -4 WHERE sequence = 4;
                UPDATE record SET sequence = 4 WHERE sequence = 5;
                UPDATE record SET sequence = 5 WHERE sequence = -4;
                """
            )
            let report = try journal.verify()
            #expect(report.problem?.sequence == 4)
        }
    }

    @Test func anInsertionWithARecomputedChainIsCaughtByTheSignedCheckpoint() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            // The attacker rewrites record 5 and recomputes every later hash, so the chain itself is consistent.
            var records = try journal.records()
            records[4].payload = ["step": "inserted by attacker"]
            var previous = records[3].hash
            for index in 4..<records.count {
                records[index].previousHash = previous
                records[index].hash = JournalHasher.hash(records[index])
                previous = records[index].hash
            }
            var sql = ""
            for record in records[4...] {
                sql +=
                    "UPDATE record SET payload = '\(record.payload.jsonText())', previousHash = '\(record.previousHash)', hash = 'x\(record.sequence)' WHERE sequence = \(record.sequence);"
            }
            for record in records[4...] {
                sql += "UPDATE record SET hash = '\(record.hash)' WHERE sequence = \(record.sequence);"
            }
            try tamper(journal, sql)
            let report = try journal.verify()
            #expect(report.problem?.sequence == 10)
            #expect(report.problem?.reason.contains("rewritten chain") == true)
        }
    }

    @Test func truncationBelowASignedCheckpointIsFound() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            try tamper(journal, "PRAGMA foreign_keys = OFF; DELETE FROM record WHERE sequence > 15")
            let report = try journal.verify()
            #expect(report.problem?.reason.contains("truncated") == true)
        }
    }

    @Test func aCheckpointFromAnotherKeyIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory)
            let stranger = try JournalSigningKey.create(at: directory.file("other.key"))
            let report = try journal.verify(keys: [stranger.verifier])
            #expect(report.problem?.reason.contains("unknown key") == true)
        }
    }

    @Test func anExportVerifiesOfflineWithThePublicKeyAndRevealsTampering() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, key) = try await journal(directory)
            try journal.checkpoint()
            // Streamed from the file, line by line: every record in order, then every checkpoint.
            var exported: [String] = []
            try journal.export { exported.append($0) }
            #expect(
                exported
                    == (try journal.records()).map(JournalExport.line(for:))
                    + (try journal.checkpoints()).map(JournalExport.line(for:))
            )
            let text = exported.joined(separator: "\n")
            let publicKey = try #require(JournalVerificationKey(base64: key.publicKeyBase64))
            let (records, checkpoints) = try JournalExport.parse(text)
            let report = JournalVerifier(keys: [publicKey]).verify(records: records, checkpoints: checkpoints)
            #expect(report.isIntact)
            #expect(report.checkpointsChecked == 3)

            // A partial export (since record 13) starts after the checkpoint before it (10), which anchors it.
            var partialLines: [String] = []
            try journal.export(from: 13) { partialLines.append($0) }
            let (partial, partialCheckpoints) = try JournalExport.parse(partialLines.joined(separator: "\n"))
            #expect(partial.map(\.sequence) == Array(11...25))
            #expect(partialCheckpoints.map(\.sequence) == [10, 20, 25])
            let partialReport = JournalVerifier(keys: [publicKey]).verify(
                records: partial,
                checkpoints: partialCheckpoints,
                startingAt: partial.first
            )
            #expect(partialReport.isIntact)
            #expect(partialReport.checkpointsChecked == 3)
            // Without its anchor, the same records are not trusted from their previous hash
            let unanchored = JournalVerifier(keys: [publicKey]).verify(
                records: partial,
                checkpoints: Array(partialCheckpoints.dropFirst()),
                startingAt: partial.first
            )
            #expect(unanchored.problem?.sequence == 11)
            #expect(unanchored.problem?.reason.contains("without a signed checkpoint of record 10") == true)

            let forged = text.replacingOccurrences(of: #""step":"s13""#, with: #""step":"s99""#)
            let (forgedRecords, forgedCheckpoints) = try JournalExport.parse(forged)
            #expect(
                JournalVerifier(keys: [publicKey]).verify(records: forgedRecords, checkpoints: forgedCheckpoints)
                    .problem?.sequence == 13
            )
        }
    }

    @Test func anExportFileIsVerifiedInTwoPassesWithoutBeingHeldWhole() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, key) = try await journal(directory)
            try journal.checkpoint()
            var lines: [String] = []
            try journal.export { lines.append($0) }
            let publicKey = try #require(JournalVerificationKey(base64: key.publicKeyBase64))
            var files = 0
            func verify(_ text: String, chunkSize: Int = 7) throws -> JournalVerifier.Report {
                files += 1
                let path = try directory.write("export-\(files).jsonl", text)
                return try JournalExport.verify(fileAt: path, keys: [publicKey], chunkSize: chunkSize)
            }

            // Read 7 bytes at a time, so every line spans chunks.
            let intact = try verify(lines.joined(separator: "\n") + "\n")
            #expect(intact == .init(recordsChecked: 25, checkpointsChecked: 3, problem: nil))

            // CRLF line ends, blank lines, no final newline and a checkpoint moved among the records change nothing.
            var reshaped = lines
            reshaped.insert(reshaped.removeLast(), at: 3)
            #expect(try verify(reshaped.joined(separator: "\r\n\r\n"), chunkSize: 1 << 20) == intact)

            var partial: [String] = []
            try journal.export(from: 11) { partial.append($0) }
            #expect(try verify(partial.joined(separator: "\n")) == .init(recordsChecked: 15, checkpointsChecked: 3))

            let edited = lines.joined(separator: "\n").replacingOccurrences(
                of: #""step":"s13""#,
                with: #""step":"s99""#
            )
            #expect(try verify(edited).problem?.sequence == 13)

            var truncated = lines
            truncated.remove(at: 24)
            #expect(
                try verify(truncated.joined(separator: "\n")).problem
                    == .init(
                        sequence: 25,
                        reason: "a checkpoint signed record 25 but the journal ends at 24 (truncated)"
                    )
            )

            // A checkpoint the first pass cannot recognise is refused, not skipped.
            var hidden = lines
            hidden[27] = hidden[27].replacingOccurrences(
                of: #""type":"checkpoint""#,
                with: #""type":"\u0063heckpoint""#
            )
            let hiddenError = #expect(throws: JournalError.self) { try verify(hidden.joined(separator: "\n")) }
            #expect(
                hiddenError?.message
                    == "line 28: a checkpoint the first pass did not read (written with escapes, or the file changed "
                    + "between the passes)"
            )

            // A sequence no Int64 holds is an error naming the line, not a crash.
            for huge in ["1e19", "-1e300", "1.5"] {
                var outOfRange = lines
                outOfRange[2] = outOfRange[2].replacingOccurrences(of: #""sequence":3"#, with: #""sequence":\#(huge)"#)
                #expect(outOfRange[2] != lines[2])
                let error = #expect(throws: JournalError.self) { try verify(outOfRange.joined(separator: "\n")) }
                #expect(error?.message == "line 3 is not a journal record or checkpoint")
            }

            // Errors name the line in the file, blank lines counted.
            var garbled = lines
            garbled.insert(contentsOf: ["", "not json"], at: 4)
            let garbledError = #expect(throws: JournalError.self) { try verify(garbled.joined(separator: "\n")) }
            #expect(garbledError?.message == "line 6 is not a journal record or checkpoint")
        }
    }

    @Test func aFileWithoutNewlinesIsRefusedOnceALineOutgrowsTheLimit() async throws {
        try await withTemporaryDirectory { directory in
            let path = try directory.write("lines", "short\n" + String(repeating: "x", count: 40) + "\nnever read\n")
            var lines = try FileLines(path: path, chunkSize: 4, maximumLineBytes: 10)
            #expect(try lines.next().map { String(decoding: $0.bytes, as: UTF8.self) } == "short")
            let error = #expect(throws: JournalError.self) { try lines.next() }
            #expect(error?.message == "line 2 is longer than 10 bytes")
            // Also when the whole line, newline and all, arrives in one chunk.
            var whole = try FileLines(path: path, chunkSize: 1 << 20, maximumLineBytes: 10)
            #expect(try whole.next()?.number == 1)
            let wholeError = #expect(throws: JournalError.self) { try whole.next() }
            #expect(wholeError?.message == "line 2 is longer than 10 bytes")
        }
    }

    @Test func aJournalStrippedOfItsCheckpointsWithItsHashesRecomputedDoesNotVerify() async throws {
        try await withTemporaryDirectory { directory in
            // Given an attacker who deleted every checkpoint and rewrote the chain from record 7
            let (journal, key) = try await journal(directory)
            try rewriteChain(journal, editing: 7)
            // Then the chain alone checks out, but nothing signed covers it
            #expect(
                try journal.verify(keys: [key.verifier], requirements: .allowingUnsignedTail).unsignedTail == 1...25
            )
            let report = try journal.verify(keys: [key.verifier])
            #expect(report.problem?.sequence == 1)
            #expect(report.problem?.reason.hasPrefix("records 1-25 are not covered by a signed checkpoint") == true)
        }
    }

    @Test func anUnsignedTailFailsUnlessAllowedAndIsThenReported() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, key) = try await journal(directory)
            try await journal.append(JournalEntry(runID: "run-1", kind: "step.started", payload: ["step": "s26"]))
            let strict = try journal.verify(keys: [key.verifier])
            #expect(strict.problem?.sequence == 26)
            let allowed = try journal.verify(keys: [key.verifier], requirements: .allowingUnsignedTail)
            #expect(allowed.isIntact)
            #expect(allowed.unsignedTail == 26...26)
            #expect(
                allowed.description
                    == "journal intact: 26 records, 3 signed checkpoints; records 26-26 are not yet signed"
            )
        }
    }

    @Test func checkpointsDeletedFromTheMiddleShowAsAGapWiderThanTheInterval() async throws {
        try await withTemporaryDirectory { directory in
            // Given checkpoints at 10, 20 and 25, and the one at 10 deleted
            let (journal, key) = try await journal(directory)
            try tamper(
                journal,
                "DROP TRIGGER IF EXISTS checkpoint_no_delete; DELETE FROM checkpoint WHERE sequence = 10"
            )
            // Then a verifier that knows the interval names the gap
            let report = try journal.verify(
                keys: [key.verifier],
                requirements: .init(maximumCheckpointGap: 10)
            )
            #expect(
                report.problem
                    == .init(
                        sequence: 1,
                        reason: "no signed checkpoint covers records 1-19, more than the 10 records between "
                            + "checkpoints the journal is written with (checkpoints deleted)"
                    )
            )
            #expect(try journal.verify(keys: [key.verifier], requirements: .init(maximumCheckpointGap: 20)).isIntact)
        }
    }

    @Test func everyRunEndAndParkIsSignedAtOnceAndAReopenedJournalSignsItsTail() async throws {
        try await withTemporaryDirectory { directory in
            let key = try JournalSigningKey.create(at: directory.file("journal.key"))
            let path = directory.file("journal.sqlite")
            var journal: JournalDatabase? = try JournalDatabase(path: path, signingKey: key, checkpointInterval: 100)
            // When runs park, end, fail and undo (interval 100: none of these is an interval checkpoint)
            for (kind, payload) in [
                ("run.created", [:]), ("run.parked", ["gate": "g"]), ("step.started", ["step": "s"]),
                ("run.succeeded", [:]), ("run.failed", ["undo": true]), ("undo.succeeded", ["step": "s"]),
                ("undo.succeeded", [:]), ("step.started", ["step": "t"]),
            ] as [(String, JSONValue)] {
                try await journal?.append(JournalEntry(runID: "run-1", kind: kind, payload: payload))
            }
            // Then exactly the records that park or end a run (or its undo) are signed as they are written
            #expect(try journal?.checkpoints().map(\.sequence) == [2, 4, 7])
            // And a process that opens the journal after a kill signs the tail it finds before anything else
            journal = nil
            let reopened = try JournalDatabase(path: path, signingKey: key, checkpointInterval: 100)
            #expect(try reopened.checkpoints().map(\.sequence) == [2, 4, 7, 8])
            #expect(try reopened.verify().isIntact)
        }
    }

    @Test func concurrentAppendsStayContiguousAndChained() async throws {
        try await withTemporaryDirectory { directory in
            let (journal, _) = try await journal(directory, count: 1)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for index in 0..<25 {
                            try await journal.append(
                                JournalEntry(
                                    runID: "run-\(task)",
                                    kind: "step.started",
                                    payload: ["i": .number(Double(index))]
                                )
                            )
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Still being written: the tail after the last checkpoint (200) is reported, not refused
            let report = try journal.verify(requirements: .allowingUnsignedTail)
            #expect(report.isIntact)
            #expect(report.recordsChecked == 201)
            #expect(report.unsignedTail == 201...201)
        }
    }

    @Test(arguments: [
        JournalRecord(
            sequence: 1,
            recordedAt: "2026-11-29T03:00:00.000Z",
            runID: nil,
            kind: "run.created",
            payload: [:],
            previousHash: JournalRecord.genesisHash,
            hash: ""
        ),
        JournalRecord(
            sequence: 123_456_789,
            recordedAt: "2026-11-29T03:00:00.123Z",
            runID: "run-\"quoted\"\n\u{1F}é",
            kind: "step.succeeded",
            payload: [
                "z": [1, 2.5, -0.25, 1e300, .null, true], "a": ["nested": ["b": "\\ \u{2028} 🛡"], "empty": [:]],
                "list": [],
            ],
            previousHash: String(repeating: "ab", count: 32),
            hash: ""
        ),
    ])
    func theCanonicalTextIsEveryFieldAsSortedKeyJSON(record: JournalRecord) {
        // The hashed text must stay byte for byte what the first journals were hashed over.
        let fields: JSONValue = [
            "sequence": .number(Double(record.sequence)),
            "recordedAt": .string(record.recordedAt),
            "runId": record.runID.map(JSONValue.string) ?? .null,
            "kind": .string(record.kind),
            "payload": record.payload,
            "previousHash": .string(record.previousHash),
        ]
        #expect(record.canonicalText == fields.jsonText())
        #expect(record.canonicalText(payloadText: record.payload.jsonText()) == fields.jsonText())
    }

    @Test func aRecordHashesToTheSHA256OfItsCanonicalText() {
        // Pinned outside Swift (Python's hashlib over the text below), so the hash cannot drift with the writer.
        let record = JournalRecord(
            sequence: 7,
            recordedAt: "2026-11-30T03:00:00.000Z",
            runID: "run-1",
            kind: "step.succeeded",
            payload: ["n": 1, "a": "\u{2028} é"],
            previousHash: JournalRecord.genesisHash,
            hash: ""
        )
        #expect(
            record.canonicalText
                == #"{"kind":"step.succeeded","payload":{"a":"\u2028 é","n":1},"previousHash":""#
                + JournalRecord.genesisHash
                + #"","recordedAt":"2026-11-30T03:00:00.000Z","runId":"run-1","sequence":7}"#
        )
        #expect(JournalHasher.hash(record) == "9f3cec064dc2b150e6bb15720516bf42b13bebb374017f64c7ede614bd849238")
    }

    @Test func aFileJournalSyncsEveryCommitUnlessAskedOnlyToSurviveAProcessCrash() async throws {
        // GRDB's WAL set-up lowers the writer to NORMAL after the connection's own preparation: checked on the
        // connection that commits, not on the configuration.
        try await withTemporaryDirectory { directory in
            let synced = try JournalDatabase(path: directory.file("journal.sqlite"))
            try await synced.append(JournalEntry(runID: "run-1", kind: "run.created", payload: [:]))
            #expect(try synced.writerSetting("synchronous") == 2)
            let reopened = try JournalDatabase(path: directory.file("journal.sqlite"))
            #expect(try reopened.writerSetting("synchronous") == 2)
            let exercise = try JournalDatabase(
                path: directory.file("exercise.sqlite"),
                durability: .survivesProcessCrash
            )
            #expect(try exercise.writerSetting("synchronous") == 1)
            #expect(try exercise.writerSetting("journal_size_limit") == 64 << 20)
            #expect(try synced.writerSetting("journal_size_limit") == 64 << 20)
        }
    }

    @Test func keyFilesAreCreatedPrivateAndNeverOverwritten() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("journal.key")
            let key = try JournalSigningKey.create(at: path)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(throws: JournalSigningKey.KeyError.self) { try JournalSigningKey.create(at: path) }
            #expect(try JournalSigningKey.load(from: path).keyID == key.keyID)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            #expect(throws: JournalSigningKey.KeyError.self) { try JournalSigningKey.load(from: path) }
        }
    }
}

/// `remedy journal` run as a process.
@Suite struct JournalCommandTests {
    @Test func initKeyVerifyAndExportWorkTogether() async throws {
        try await withTemporaryDirectory { directory in
            let keyPath = directory.file("journal.key")
            let created = try RemedyBinary.run(["journal", "init-key", "--key", keyPath])
            #expect(created.status == 0)
            let publicKey = try #require(
                created.standardOutput.split(separator: "\n").first { $0.hasPrefix("public key: ") }?.dropFirst(
                    "public key: ".count
                )
            )
            #expect(try RemedyBinary.run(["journal", "init-key", "--key", keyPath]).status == 1)

            let journalPath = directory.file("journal.sqlite")
            let journal = try JournalDatabase(
                path: journalPath,
                signingKey: try JournalSigningKey.load(from: keyPath),
                checkpointInterval: 5
            )
            for index in 1...12 {
                try await journal.append(
                    JournalEntry(runID: "r", kind: "step.started", payload: ["i": .number(Double(index))])
                )
            }

            // The records after the last checkpoint (10) are unsigned: refused, unless a tail is allowed
            let verify = [
                "journal", "verify", "--journal", journalPath, "--key", keyPath, "--checkpoint-interval", "5",
            ]
            let unsigned = try RemedyBinary.run(verify)
            #expect(unsigned.status == 1)
            #expect(unsigned.standardOutput.hasPrefix("journal broken at record 11: records 11-12 are not covered"))
            let tail = try RemedyBinary.run(verify + ["--allow-unsigned-tail"])
            #expect(tail.status == 0)
            #expect(
                tail.standardOutput
                    == "journal intact: 12 records, 2 signed checkpoints; records 11-12 are not yet signed\n"
            )
            try journal.checkpoint()
            let verified = try RemedyBinary.run(verify)
            #expect(verified.status == 0)
            #expect(verified.standardOutput == "journal intact: 12 records, 3 signed checkpoints\n")
            // With the configuration a responder already has, the key is the configured signing key
            let config = try directory.write(
                "remedy.yaml",
                "apiVersion: remedy/v1\njournal: {path: \(journalPath), signing_key: \(keyPath), checkpoint_every: 5}\n"
            )
            let configured = try RemedyBinary.run(["journal", "verify", "--config", config])
            #expect(configured.status == 0, "\(configured.standardError)")
            #expect(configured.standardOutput == "journal intact: 12 records, 3 signed checkpoints\n")
            let keyless = try directory.write(
                "keyless.yaml",
                "apiVersion: remedy/v1\njournal: {path: \(journalPath)}\n"
            )
            let refused = try RemedyBinary.run(["journal", "verify", "--config", keyless])
            #expect(refused.status == 1)
            #expect(refused.standardError.contains("no key to verify with"))
            // A checkpoint interval narrower than the journal's own finds the checkpoints "missing"
            let narrow = try RemedyBinary.run([
                "journal", "verify", "--journal", journalPath, "--key", keyPath, "--checkpoint-interval", "4",
            ])
            #expect(narrow.status == 1)
            #expect(narrow.standardOutput.contains("more than the 4 records between checkpoints"))

            let exported = try RemedyBinary.run(["journal", "export", "--journal", journalPath])
            #expect(exported.status == 0)
            let exportPath = try directory.write("export.jsonl", exported.standardOutput)
            let offline = try RemedyBinary.run([
                "journal", "verify", "--export", exportPath, "--public-key", String(publicKey),
            ])
            #expect(offline.status == 0, "\(offline.standardOutput)\(offline.standardError)")

            let forgedPath = try directory.write(
                "forged.jsonl",
                exported.standardOutput.replacingOccurrences(of: #"{"i":7}"#, with: #"{"i":70}"#)
            )
            let forged = try RemedyBinary.run([
                "journal", "verify", "--export", forgedPath, "--public-key", String(publicKey),
            ])
            #expect(forged.status == 1)
            #expect(forged.standardOutput.contains("journal broken at record 7"))

            // A partial export from record 8 starts after the checkpoint of record 5, which anchors it
            let partial = try RemedyBinary.run(["journal", "export", "--journal", journalPath, "--since", "8"])
            let partialPath = try directory.write("partial.jsonl", partial.standardOutput)
            let partialVerified = try RemedyBinary.run([
                "journal", "verify", "--export", partialPath, "--public-key", String(publicKey),
            ])
            #expect(partialVerified.standardOutput == "journal intact: 7 records, 3 signed checkpoints\n")
        }
    }
}

/// Journals written before a migration open under the new schema with every record, and their chain, unchanged.
@Suite struct JournalMigrationTests {
    @Test func aJournalFromBeforeV5LosesTheHashIndexAndKeepsItsChainTriggersAndIndexes() async throws {
        try await withTemporaryDirectory { directory in
            let key = try JournalSigningKey.create(at: directory.file("journal.key"))
            let path = directory.file("journal.sqlite")
            // The journal as v4 left it, its records written by the journal's own insert: a live run created (with
            // its dedupe key, as `createRun` writes it), then steps.
            let created = JournalEntry(
                runID: "run-old",
                kind: "run.created",
                payload: ["playbook": "contain", "mode": "live", "startedAt": "2026-11-29T00:00:00.000Z"]
            )
            let before: [JournalRecord] = try {
                let queue = try DatabaseQueue(path: path)
                try JournalDatabase.migrator.migrate(queue, upTo: "v4: playbook usage index")
                return try queue.write { db in
                    let entries =
                        [created]
                        + (2...25).map {
                            JournalEntry(
                                runID: "run-\($0 % 3)",
                                kind: "step.succeeded",
                                payload: ["n": .number(Double($0))]
                            )
                        }
                    let records = try entries.flatMap { entry in
                        try JournalDatabase.insert(
                            [PreparedEntry(entry)],
                            db,
                            recordedAt: "2026-11-29T00:00:00.000Z",
                            key: key,
                            checkpointInterval: 10
                        )
                    }
                    try db.execute(
                        sql: "INSERT INTO dedupe (key, runId, sequence) VALUES ('finding-1|contain', 'run-old', 1)"
                    )
                    return records
                }
            }()
            #expect(try Self.hashIsUniquelyIndexed(path))

            let journal = try JournalDatabase(path: path, signingKey: key, checkpointInterval: 10)
            #expect(try journal.records() == before)
            let report = try journal.verify()
            #expect(report.isIntact)
            #expect(report.recordsChecked == 25)
            // Those of records 10 and 20, and the tail signed as the journal was opened
            #expect(report.checkpointsChecked == 3)
            #expect(try !Self.hashIsUniquelyIndexed(path))
            #expect(
                try Self.schemaObjects(path) == [
                    "record_kind", "record_no_delete", "record_no_update", "record_run", "record_run_usage",
                ]
            )
            for statement in ["UPDATE record SET kind = 'x'", "DELETE FROM record WHERE sequence = 25"] {
                #expect {
                    try journal.unsafeExecute(statement)
                } throws: {
                    "\($0)".contains("the journal is append-only")
                }
            }
            // The dedupe key still names its run, and the usage index still finds the run through its payload.
            #expect(
                try await journal.createRun(created, dedupeKey: "finding-1|contain")
                    == .duplicate(existingRunID: "run-old")
            )
            let usage = try await journal.usage(
                ofPlaybook: "contain",
                before: 100,
                since: Date(timeIntervalSince1970: 0)
            )
            #expect(usage == PlaybookUsage(runsInLastHour: 1, openRuns: 1))

            let next = try await journal.append([JournalEntry(runID: "run-old", kind: "run.succeeded", payload: [:])])
            #expect(next.map(\.previousHash) == [before.last?.hash])
            #expect(try await journal.usage(ofPlaybook: "contain", before: 100, since: Date()).openRuns == 0)
            #expect(try journal.verify().recordsChecked == 26)
        }
    }

    static func hashIsUniquelyIndexed(_ path: String) throws -> Bool {
        try DatabaseQueue(path: path).read { db in
            try db.indexes(on: "record").contains { $0.isUnique && $0.columns == ["hash"] }
        }
    }

    /// The record table's named indexes and triggers.
    static func schemaObjects(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_schema
                    WHERE tbl_name = 'record' AND type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%'
                    ORDER BY name
                    """
            )
        }
    }
}
