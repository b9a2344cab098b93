import Dispatch
import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

@testable import RemedyJournal

/// Concurrent `append` and `createRun` calls share transactions (group commit), yet each call is answered with its
/// own records or its own error, and the chain stays contiguous and verifiable.
@Suite struct GroupCommitTests {
    func fileJournal(
        _ directory: TemporaryDirectory,
        checkpointInterval: Int = 100,
        commits: JournalDatabase.Commits = .grouped
    ) throws -> JournalDatabase {
        try JournalDatabase(
            path: directory.file("journal.sqlite"),
            signingKey: try JournalSigningKey.create(at: directory.file("journal.key")),
            checkpointInterval: checkpointInterval,
            commits: commits
        )
    }

    @Test func concurrentAppendersShareCommitsAndEachGetsItsOwnRecordsInOrder() async throws {
        try await withTemporaryDirectory { directory in
            // Given a durable journal and 64 tasks appending 50 times each, a step's two records per call
            let journal = try fileJournal(directory)
            let tasks = 64
            let calls = 50
            // When they all append at once
            let answers = try await withThrowingTaskGroup(of: (Int, [[JournalRecord]]).self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var answers: [[JournalRecord]] = []
                        for call in 0..<calls {
                            answers.append(
                                try await journal.append([
                                    JournalEntry(
                                        runID: "run-\(task)",
                                        kind: "step.started",
                                        payload: ["call": .number(Double(call))]
                                    ),
                                    JournalEntry(
                                        runID: "run-\(task)",
                                        kind: "step.succeeded",
                                        payload: ["call": .number(Double(call))]
                                    ),
                                ])
                            )
                        }
                        return (task, answers)
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }

            // Then each call got back exactly its own two records, adjacent, and each task's calls are in order
            for (task, records) in answers {
                #expect(records.count == calls)
                var previous: Int64 = 0
                for (call, pair) in records.enumerated() {
                    try #require(pair.count == 2)
                    #expect(pair.map(\.runID) == ["run-\(task)", "run-\(task)"])
                    #expect(pair.map(\.kind) == ["step.started", "step.succeeded"])
                    #expect(pair.allSatisfy { $0.payload["call"] == .number(Double(call)) })
                    #expect(pair[1].sequence == pair[0].sequence + 1)
                    #expect(pair[1].previousHash == pair[0].hash)
                    #expect(pair[0].sequence > previous)
                    previous = pair[1].sequence
                }
                let stored = try await journal.records(ofRun: "run-\(task)")
                #expect(stored == records.flatMap { $0 })
            }
            // And the journal is one contiguous, signed chain
            let total = tasks * calls * 2
            #expect(try journal.records().map(\.sequence) == Array(1...Int64(total)))
            let report = try journal.verify(requirements: .allowingUnsignedTail)
            #expect(report.isIntact)
            #expect(report.recordsChecked == total)
            #expect(report.checkpointsChecked == total / 100)
            // And calls were grouped: fewer transactions than calls
            let commits = journal.batcher.commits
            #expect(commits < tasks * calls)
        }
    }

    @Test func callsMadeWhileTheWriterIsBusyCommitInOneTransaction() async throws {
        try await withTemporaryDirectory { directory in
            // Given a journal whose writer is busy with a first call
            let journal = try fileJournal(directory)
            let (held, answers) = try await whileWriterHeld(journal, untilQueued: 20) {
                // When 20 calls arrive meanwhile
                try await withThrowingTaskGroup(of: [JournalRecord].self) { group in
                    for task in 0..<20 {
                        group.addTask {
                            try await journal.append([
                                JournalEntry(runID: "run-\(task)", kind: "step.started"),
                                JournalEntry(runID: "run-\(task)", kind: "step.succeeded"),
                            ])
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            // Then they were committed together, in one transaction after the first call's
            #expect(journal.batcher.commits == 2)
            #expect(held.map(\.sequence) == [1])
            #expect(answers.count == 20)
            #expect(Set(answers.flatMap { $0 }.map(\.recordedAt)).count == 1)
            for pair in answers {
                try #require(pair.count == 2)
                #expect(pair[0].runID == pair[1].runID)
                #expect(pair[1].sequence == pair[0].sequence + 1)
            }
            #expect(try journal.records().map(\.sequence) == Array(1...41))
            #expect(try journal.verify(requirements: .allowingUnsignedTail).isIntact)
        }
    }

    @Test(arguments: [JournalDatabase.Commits.grouped, .inline])
    func aFailingCallAloneInItsTransactionLeavesNothingAndTheChainGoesOn(commits: JournalDatabase.Commits) async throws
    {
        try await withTemporaryDirectory { directory in
            // Given a journal with one record
            let journal = try fileJournal(directory, commits: commits)
            try await journal.append(JournalEntry(runID: "run-1", kind: "run.created"))
            // When a call with the writer to itself writes a record and then fails
            await #expect(throws: DoomedWrite.self) { try await writeThenFail(journal, checkpointInterval: 100) }
            // Then its transaction was rolled back, not committed, and the next record follows the first
            #expect(journal.batcher.commits == 1)
            #expect(try await journal.records(ofRun: "run-doomed").isEmpty)
            try await journal.append(JournalEntry(runID: "run-1", kind: "step.started"))
            #expect(try journal.records().map(\.sequence) == [1, 2])
            #expect(try journal.verify(requirements: .allowingUnsignedTail).isIntact)
        }
    }

    @Test func anInlineJournalCommitsEachCallInsideItsCallersTaskInATransactionOfItsOwn() async throws {
        try await withTemporaryDirectory { directory in
            // Given a journal that commits inline
            let journal = try fileJournal(directory, commits: .inline)
            // When one caller appends ten times, each write noting whether it runs inside a task
            for call in 1...10 {
                let insideTask = try await journal.batcher.write { db, recordedAt in
                    _ = try JournalDatabase.insert(
                        [
                            PreparedEntry(
                                JournalEntry(
                                    runID: "run-1",
                                    kind: "step.started",
                                    payload: ["call": .number(Double(call))]
                                )
                            )
                        ],
                        db,
                        recordedAt: recordedAt,
                        key: nil,
                        checkpointInterval: 100
                    )
                    return withUnsafeCurrentTask { $0 != nil }
                }
                // Then each write ran within the caller's task, not handed to the writer queue (where no task runs)
                #expect(insideTask, "call \(call) was written outside its caller's task")
            }
            // And each committed alone, the chain intact
            #expect(journal.transactionsCommitted == 10)
            #expect(try journal.records().map(\.sequence) == Array(1...10))
            #expect(try journal.verify(requirements: .allowingUnsignedTail).isIntact)
        }
    }

    @Test func aFailingCallRollsBackAloneAndDuplicateKeysInOneBatchCreateOneRun() async throws {
        try await withTemporaryDirectory { directory in
            // Given a busy writer
            let journal = try fileJournal(directory, checkpointInterval: 3)
            // When one batch holds appends, two runs for the same dedupe key, and a call that writes a record and
            // then fails
            let (_, outcomes) = try await whileWriterHeld(journal, untilQueued: 9) {
                try await withThrowingTaskGroup(of: Outcome.self) { group in
                    for task in 0..<6 {
                        group.addTask {
                            .appended(
                                try await journal.append(JournalEntry(runID: "run-\(task)", kind: "step.started"))
                            )
                        }
                    }
                    for run in ["run-a", "run-b"] {
                        group.addTask {
                            .creation(
                                try await journal.createRun(
                                    JournalEntry(runID: run, kind: "run.created"),
                                    dedupeKey: "guardduty|f|t"
                                )
                            )
                        }
                    }
                    group.addTask {
                        do {
                            try await writeThenFail(journal, checkpointInterval: 3)
                            return .unexpectedSuccess
                        } catch is DoomedWrite {
                            return .failedAlone
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }

            // Then the failing call got its own error and left nothing behind
            #expect(outcomes.filter { $0 == .failedAlone }.count == 1)
            #expect(!outcomes.contains(.unexpectedSuccess))
            #expect(try await journal.records(ofRun: "run-doomed").isEmpty)
            // And the others were written: every append, and exactly one of the two runs
            #expect(outcomes.filter { if case .appended = $0 { true } else { false } }.count == 6)
            let creations = outcomes.compactMap { if case .creation(let creation) = $0 { creation } else { nil } }
            let created = creations.compactMap { if case .created(let record) = $0 { record.runID } else { nil } }
            #expect(created.count == 1)
            #expect(creations.contains(.duplicate(existingRunID: created.first ?? "")))
            #expect(try await journal.runIDs() == created)
            // And in one transaction after the first, the chain is contiguous, checkpointed and intact
            #expect(journal.batcher.commits == 2)
            #expect(try journal.records().map(\.sequence) == Array(1...8))
            let report = try journal.verify(requirements: .allowingUnsignedTail)
            #expect(report.isIntact)
            #expect(report.checkpointsChecked == 2)
        }
    }

    @Test func twoLeaseClaimsForOneRunInOneBatchGrantOne() async throws {
        try await withTemporaryDirectory { directory in
            // Given a busy writer
            let journal = try fileJournal(directory)
            let now = Date(timeIntervalSince1970: 1_750_000_000)
            // When two executors of this process claim the same run in one batch
            let (_, claims) = try await whileWriterHeld(journal, untilQueued: 2) {
                try await withThrowingTaskGroup(of: LeaseClaim.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            try await journal.claimLease(
                                runID: "run-1",
                                holder: .thisProcess(),
                                now: now,
                                duration: .seconds(60)
                            )
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            // Then one has it and the other is told so, in one transaction after the first
            #expect(claims.filter { $0 == .acquired }.count == 1)
            #expect(claims.filter { if case .held = $0 { true } else { false } }.count == 1)
            #expect(journal.batcher.commits == 2)
        }
    }

    @Test func aCancelledCallerStillHasItsRecordsWritten() async throws {
        try await withTemporaryDirectory { directory in
            // Given a busy writer and a call queued behind it
            let journal = try fileJournal(directory)
            let (held, records) = try await whileWriterHeld(journal, untilQueued: 1, cancellingAll: true) {
                // When both callers' tasks are cancelled while they wait
                try await journal.append(JournalEntry(runID: "run-1", kind: "step.started"))
            }
            // Then both were written and answered as usual
            #expect(held.map(\.sequence) == [1])
            #expect(records.sequence == 2)
            #expect(try journal.records().count == 2)
            #expect(try journal.verify(requirements: .allowingUnsignedTail).isIntact)
        }
    }

    @Test func anInMemoryJournalGroupsTheSameWay() async throws {
        let journal = try JournalDatabase(inMemory: nil)
        let (_, answers) = try await whileWriterHeld(journal, untilQueued: 10) {
            try await withThrowingTaskGroup(of: JournalRecord.self) { group in
                for task in 0..<10 {
                    group.addTask { try await journal.append(JournalEntry(runID: "run-\(task)", kind: "step.started")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(journal.batcher.commits == 2)
        #expect(Set(answers.map(\.sequence)) == Set(2...11))
        #expect(try journal.verify(requirements: .allowingUnsignedTail).isIntact)
    }

    /// The WAL hook replaces SQLite's automatic checkpoint: the WAL must still be copied into the file while the
    /// journal is open, and rewound, or it would grow without end.
    @Test func theWALIsCopiedIntoTheFileAndRewoundWhileTheJournalIsOpen() async throws {
        try await withTemporaryDirectory { directory in
            // Given a file journal
            let journal = try fileJournal(directory)
            func size(_ name: String) throws -> Int {
                try FileManager.default.attributesOfItem(atPath: directory.file(name))[.size] as? Int ?? 0
            }
            let empty = try size("journal.sqlite")
            // When 2,000 commits are made one after the other, each a 4 KiB record (two pages; 4,000 pages in all,
            // four times the checkpoint threshold)
            for number in 0..<2_000 {
                try await journal.append(
                    JournalEntry(
                        runID: "run-1",
                        kind: "step.started",
                        payload: [
                            "number": .number(Double(number)), "padding": .string(String(repeating: "x", count: 4096)),
                        ]
                    )
                )
            }
            // Then the records reach the database file without a connection closing
            let deadline = ContinuousClock.now + .seconds(10)
            while try size("journal.sqlite") < empty + 1_000 * 4096, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try size("journal.sqlite") >= empty + 1_000 * 4096)
            // And the WAL was rewound on the way: it never held all 16.5 MB. (How far past the 1,000-page threshold
            // it grows depends on how many commits land while a checkpoint copies, which a loaded machine stretches:
            // with one rewind before the last 3,000 pages it stays under 12.4 MB.)
            #expect(try size("journal.sqlite-wal") < 13 << 20)
            #expect(try journal.verify(requirements: .allowingUnsignedTail).isIntact)
        }
    }
}

/// What became of one call in a mixed batch.
private enum Outcome: Sendable, Equatable {
    case appended(JournalRecord)
    case creation(RunCreation)
    case failedAlone
    case unexpectedSuccess
}

private struct DoomedWrite: Error {}

/// A call that writes a record for `run-doomed` in its savepoint and then fails with `DoomedWrite`.
private func writeThenFail(_ journal: JournalDatabase, checkpointInterval: Int64) async throws {
    try await journal.batcher.write { db, recordedAt in
        _ = try JournalDatabase.insert(
            [PreparedEntry(JournalEntry(runID: "run-doomed", kind: "step.started"))],
            db,
            recordedAt: recordedAt,
            key: nil,
            checkpointInterval: checkpointInterval
        )
        throw DoomedWrite()
    }
}

/// Holds the journal's writer with a first call (which appends one record once released) while `body` makes
/// calls, and releases it once `count` calls are queued behind it, so that they form one batch.
///
/// With `cancellingAll`, the holding call and `body` are cancelled once the calls are queued, before the release.
private func whileWriterHeld<Value: Sendable>(
    _ journal: JournalDatabase,
    untilQueued count: Int,
    cancellingAll: Bool = false,
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> (held: [JournalRecord], value: Value) {
    let release = DispatchSemaphore(value: 0)
    let (holding, entered) = AsyncStream.makeStream(of: Void.self)
    let held = Task {
        try await journal.batcher.write { db, recordedAt in
            entered.yield()
            // Blocks the writer's own dispatch queue, not a Swift concurrency thread.
            release.wait()
            return try JournalDatabase.insert(
                [PreparedEntry(JournalEntry(runID: "run-held", kind: "step.started"))],
                db,
                recordedAt: recordedAt,
                key: nil,
                checkpointInterval: 100
            )
        }
    }
    for await _ in holding { break }
    let calls = Task { try await body() }
    let deadline = ContinuousClock.now + .seconds(30)
    while journal.batcher.queuedCount < count, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(1))
    }
    #expect(journal.batcher.queuedCount == count, "the calls did not queue behind the busy writer")
    if cancellingAll {
        held.cancel()
        calls.cancel()
    }
    release.signal()
    return (try await held.value, try await calls.value)
}
