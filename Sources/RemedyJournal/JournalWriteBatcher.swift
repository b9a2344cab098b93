import Foundation
import GRDB

/// Group commit for the journal: writes requested while a transaction is committing wait, then commit together in
/// the next transaction, so concurrent runs share one disk sync.
///
/// Each request runs in its own savepoint: one that throws rolls back alone and only its caller gets the error. A
/// caller is answered only once the transaction holding its request has committed (or with the error that stopped
/// the transaction).
///
/// No background task does the flushing. The caller that finds the writer idle commits its own request; a caller
/// that arrives meanwhile queues. When a transaction has committed, its committer answers the callers in it and
/// promotes the oldest queued caller, which commits everything queued by then (its own request first), and so on
/// until the queue is empty. Every request is committed by some caller's task, and nothing runs once the last
/// caller has returned.
///
/// Cancellation does not withdraw a queued request: it may already be inside a transaction, so it is written and
/// its caller waits for the answer as if it had not been cancelled. Nor does the committer's cancellation stop a
/// transaction that carries other callers' requests.
actor JournalWriteBatcher {
    /// One request's writes, run inside its savepoint with the timestamp the whole transaction records.
    typealias Write<Value> = @Sendable (_ db: Database, _ recordedAt: String) throws -> Value

    private let writer: any DatabaseWriter
    private let clock: @Sendable () -> Date
    /// Requests waiting for the next transaction, oldest first.
    private var queue: [Waiter] = []
    /// Whether some caller is committing now; it promotes `queue.first` when done.
    private var isCommitting = false
    /// Transactions committed: fewer than requests when concurrent requests were grouped.
    private(set) var commits = 0

    init(writer: any DatabaseWriter, clock: @escaping @Sendable () -> Date) {
        self.writer = writer
        self.clock = clock
    }

    /// Requests queued for the next transaction (for tests that hold the writer while a batch forms).
    var queuedCount: Int { queue.count }

    /// Runs `write` in a savepoint of the next transaction and returns its result once that transaction committed.
    func write<Value: Sendable>(_ write: @escaping Write<Value>) async throws -> Value {
        if isCommitting {
            let wake = await withCheckedContinuation { (continuation: CheckedContinuation<Wake<Value>, Never>) in
                queue.append(Waiter(write, continuation))
            }
            switch wake {
            case .answered(let result): return try result.get()
            case .promoted: break  // The promoter took our waiter out of the queue: we run `write` ourselves.
            }
        } else {
            isCommitting = true
        }
        let batch = queue
        queue = []
        let (own, committed) = await commit(write, then: batch)
        if committed { commits += 1 }
        if queue.isEmpty {
            isCommitting = false
        } else {
            queue.removeFirst().promote()
        }
        return try own.get()
    }

    /// Runs `own` and then each of `batch` in one transaction, answers `batch`'s callers, and returns `own`'s result
    /// and whether the transaction committed.
    private func commit<Value: Sendable>(
        _ own: @escaping Write<Value>,
        then batch: [Waiter]
    ) async -> (Result<Value, any Error>, committed: Bool) {
        let clock = clock
        // Not `writer.write`: it fails when the calling task is cancelled, and this transaction carries other
        // callers' requests.
        return await withCheckedContinuation { continuation in
            writer.asyncWriteWithoutTransaction { db in
                let recordedAt = JournalDatabase.timestamp(clock())
                var ownResult: Result<Value, any Error>?
                var answers: [Answer] = []
                let transaction = Result {
                    try Self.inTransaction(db) {
                        guard !batch.isEmpty else {
                            // Alone in the transaction: rolling it back undoes exactly this request, so it needs no
                            // savepoint of its own (two statements fewer for every lone write).
                            ownResult = Result { try own(db, recordedAt) }
                            if case .failure = ownResult { return .rollback }
                            return .commit
                        }
                        ownResult = Self.inSavepoint(db) { try own(db, recordedAt) }
                        for waiter in batch {
                            // SQLite rolls the whole transaction back on some errors (disk full, I/O): a later
                            // savepoint would then open and commit a transaction of its own, outside this batch.
                            guard db.isInsideTransaction else { throw Self.rolledBack }
                            answers.append(waiter.write(db, recordedAt))
                        }
                        return .commit
                    }
                }
                for answer in answers { answer(transaction.map { _ in }) }
                // Waiters the transaction never reached: it could not begin, or SQLite rolled it back.
                if case .failure(let error) = transaction {
                    for waiter in batch[answers.count...] { waiter.fail(error) }
                }
                // `ownResult` is nil only when the transaction could not begin.
                let ownOutcome: Result<Value, any Error> =
                    ownResult ?? transaction.flatMap { _ in .failure(Self.rolledBack) }
                let result = ownOutcome.flatMap { value in transaction.map { _ in value } }
                let committed = if case .success(.commit) = transaction { true } else { false }
                continuation.resume(returning: (result, committed))
            }
        }
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

/// How a queued caller is woken.
private enum Wake<Value: Sendable>: Sendable {
    /// Its request is in a finished transaction: here is its result.
    case answered(Result<Value, any Error>)
    /// It is to commit the next transaction itself.
    case promoted
}

/// Answers a caller once its transaction's fate is known (success, or the error that stopped it).
private typealias Answer = @Sendable (_ transaction: Result<Void, any Error>) -> Void

/// A queued request with its caller's continuation, behind closures that hide the result type.
private struct Waiter: Sendable {
    /// Runs the request in its savepoint and returns how to answer its caller.
    let write: @Sendable (Database, String) -> Answer
    /// Answers the caller with an error when the transaction failed before its request ran.
    let fail: @Sendable (any Error) -> Void
    /// Wakes the caller to commit the next transaction.
    let promote: @Sendable () -> Void

    init<Value: Sendable>(
        _ write: @escaping JournalWriteBatcher.Write<Value>,
        _ continuation: CheckedContinuation<Wake<Value>, Never>
    ) {
        // Exactly one of the three runs for a waiter: it is promoted, or its batch answers or fails it.
        self.write = { db, recordedAt in
            let result = JournalWriteBatcher.inSavepoint(db) { try write(db, recordedAt) }
            return { transaction in
                continuation.resume(returning: .answered(result.flatMap { value in transaction.map { value } }))
            }
        }
        fail = { error in continuation.resume(returning: .answered(.failure(error))) }
        promote = { continuation.resume(returning: .promoted) }
    }
}
