import Foundation
import GRDB
import RemedyCore
import Synchronization

/// Group commit for the journal: writes requested while a transaction is committing wait, then commit together in
/// the next transaction, so concurrent runs share one disk sync.
///
/// Each request runs in its own savepoint: one that throws rolls back alone and only its caller gets the error. A
/// caller is answered only once the transaction holding its request has committed (or with the error that stopped
/// the transaction).
///
/// The writer's queue drains itself. The request that finds no transaction scheduled schedules one on the journal's
/// writer queue (GRDB's serial dispatch queue); that transaction takes every request queued by the time it begins,
/// and once it has committed and answered its callers it schedules the next, if requests queued meanwhile. So no
/// transaction waits for a task to be scheduled on Swift's cooperative pool. Under load that pool is busy with the
/// very requests that feed the journal, and when the next transaction had to wait for its turn there (the design
/// before this one), the writer stood idle between transactions: `remedy serve` accepted findings with a quarter of
/// both cores idle.
///
/// Each transaction is its own item on the writer queue, behind whatever was queued before it (the WAL
/// checkpointer's catch-up), so a steady stream of requests starves nothing.
///
/// Cancellation does not withdraw a queued request: it may already be inside a transaction, so it is written and
/// its caller waits for the answer as if it had not been cancelled.
///
/// A journal opened with ``JournalDatabase/Commits/inline`` bypasses the queue: each request commits its own
/// transaction on the caller's thread.
final class JournalWriteBatcher: Sendable {
    /// One request's writes, run inside its savepoint with the timestamp the whole transaction records.
    typealias Write<Value> = @Sendable (_ db: Database, _ recordedAt: String) throws -> Value

    private struct State {
        /// Requests waiting for the next transaction, oldest first.
        var queue: [Waiter] = []
        /// Whether a transaction is scheduled or running; the one running schedules the next.
        var isScheduled = false
        /// Transactions committed: fewer than requests when concurrent requests were grouped.
        var commits = 0
    }

    private let writer: any DatabaseWriter
    private let commitsInline: Bool
    private let wallClock: WallClock
    private let state = Mutex(State())

    init(writer: any DatabaseWriter, commits: JournalDatabase.Commits, wallClock: WallClock) {
        self.writer = writer
        commitsInline = commits == .inline
        self.wallClock = wallClock
    }

    /// Requests queued for the next transaction (for tests that hold the writer while a batch forms).
    var queuedCount: Int { state.withLock { $0.queue.count } }

    /// Transactions committed so far.
    var commits: Int { state.withLock { $0.commits } }

    /// Runs `write` in a savepoint of the next transaction and returns its result once that transaction committed;
    /// with inline commits, in a transaction of its own on the caller's thread, which blocks meanwhile.
    func write<Value: Sendable>(_ write: @escaping Write<Value>) async throws -> Value {
        if commitsInline { return try writeInline(write) }
        return try await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Value, any Error>, Never>) in
            let isFirst = state.withLock { state in
                state.queue.append(Waiter(write, continuation))
                defer { state.isScheduled = true }
                return !state.isScheduled
            }
            if isFirst { scheduleTransaction() }
        }.get()
    }

    /// Runs `write` in a transaction of its own on the caller's thread, which waits meanwhile (and for whatever the
    /// writer queue is running, such as a WAL checkpoint).
    private func writeInline<Value>(_ write: Write<Value>) throws -> Value {
        try writer.writeWithoutTransaction { db in
            let recordedAt = Timestamp.format(wallClock.now)
            var value: Value?
            // Throwing rolls the transaction back and reaches the caller, as a lone request's failure does below.
            _ = try Self.inTransaction(db) {
                value = try write(db, recordedAt)
                return .commit
            }
            state.withLock { $0.commits += 1 }
            guard let value else { throw JournalError("the journal write returned nothing") }
            return value
        }
    }

    /// Schedules a transaction for everything queued when it begins; it schedules the next one when done.
    ///
    /// Not `writer.write`: that fails when the calling task is cancelled, and a transaction carries many callers'
    /// requests.
    private func scheduleTransaction() {
        writer.asyncWriteWithoutTransaction { [self] db in
            let batch = state.withLock { state in
                defer { state.queue = [] }
                return state.queue
            }
            let committed = Self.commit(batch, in: db, recordedAt: Timestamp.format(wallClock.now))
            let more = state.withLock { state in
                if committed { state.commits += 1 }
                state.isScheduled = !state.queue.isEmpty
                return state.isScheduled
            }
            if more { scheduleTransaction() }
        }
    }

    /// Runs `batch` in one transaction, answers its callers, and returns whether the transaction committed.
    private static func commit(_ batch: [Waiter], in db: Database, recordedAt: String) -> Bool {
        var answers: [Answer] = []
        let transaction = Result {
            try inTransaction(db) {
                if batch.count == 1 {
                    // Alone in the transaction: rolling it back undoes exactly this request, so it needs no
                    // savepoint of its own (two statements fewer for every lone write).
                    let (answer, failed) = batch[0].write(db, recordedAt, false)
                    answers.append(answer)
                    return failed ? .rollback : .commit
                }
                for waiter in batch {
                    // SQLite rolls the whole transaction back on some errors (disk full, I/O): a later savepoint
                    // would then open and commit a transaction of its own, outside this batch.
                    guard db.isInsideTransaction else { throw rolledBack }
                    answers.append(waiter.write(db, recordedAt, true).answer)
                }
                return .commit
            }
        }
        for answer in answers { answer(transaction.map { _ in }) }
        // Waiters the transaction never reached: it could not begin, or SQLite rolled it back.
        if case .failure(let error) = transaction {
            for waiter in batch[answers.count...] { waiter.fail(error) }
        }
        return if case .success(.commit) = transaction { true } else { false }
    }

    /// The answer for requests of a transaction SQLite rolled back on its own.
    static let rolledBack = JournalError(
        "SQLite rolled back the journal transaction (disk full or an I/O error?); nothing of it was written"
    )

    /// Runs `body` in an immediate transaction and ends it as `body` says: GRDB's `inTransaction` with the three
    /// statements prepared once per connection instead of parsed for every transaction.
    ///
    /// Returns how the transaction ended; when `body` or the commit throws, the transaction is rolled back and the
    /// error rethrown. As GRDB does, a transaction SQLite already rolled back (disk full, I/O error) is not rolled
    /// back again.
    private static func inTransaction(
        _ db: Database,
        _ body: () throws -> Database.TransactionCompletion
    ) throws -> Database.TransactionCompletion {
        func rollBackIfOpen() throws {
            if db.isInsideTransaction { try db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
        }
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let completion = try body()
            switch completion {
            case .commit: try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            case .rollback: try rollBackIfOpen()
            }
            return completion
        } catch {
            try? rollBackIfOpen()
            throw error
        }
    }

    /// The result of `body` run in a savepoint, which it rolls back when it throws.
    fileprivate static func inSavepoint<Value>(_ db: Database, _ body: () throws -> Value) -> Result<Value, any Error> {
        Result {
            var value: Value?
            try db.inSavepoint {
                value = try body()
                return .commit
            }
            guard let value else { throw JournalError("the journal write returned nothing") }
            return value
        }
    }
}

/// Answers a caller once its transaction's fate is known (success, or the error that stopped it).
private typealias Answer = @Sendable (_ transaction: Result<Void, any Error>) -> Void

/// A queued request with its caller's continuation, behind closures that hide the result type.
private struct Waiter: Sendable {
    /// Runs the request, in a savepoint of its own or (alone in its transaction) without one; returns how to answer
    /// its caller and whether the request failed.
    let write: @Sendable (Database, _ recordedAt: String, _ inSavepoint: Bool) -> (answer: Answer, failed: Bool)
    /// Answers the caller with an error when the transaction failed before its request ran.
    let fail: @Sendable (any Error) -> Void

    init<Value: Sendable>(
        _ write: @escaping JournalWriteBatcher.Write<Value>,
        _ continuation: CheckedContinuation<Result<Value, any Error>, Never>
    ) {
        // Exactly one answer reaches the continuation: from the transaction that ran the request, or its failure.
        self.write = { db, recordedAt, inSavepoint in
            let result =
                inSavepoint
                ? JournalWriteBatcher.inSavepoint(db) { try write(db, recordedAt) }
                : Result { try write(db, recordedAt) }
            let failed = if case .failure = result { true } else { false }
            return (
                { transaction in continuation.resume(returning: result.flatMap { value in transaction.map { value } })
                },
                failed
            )
        }
        fail = { error in continuation.resume(returning: .failure(error)) }
    }
}
