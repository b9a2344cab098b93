import Foundation
import GRDB
import RemedyCore

extension JournalDatabase {
    public func claimLease(
        runID: String,
        holder: LeaseHolder,
        now: Date,
        duration: Duration
    ) async throws
        -> LeaseClaim
    {
        let expiresAt = now.addingTimeInterval(duration.seconds)
        // Through group commit like the records: a claim shares a sync with the writes waiting beside it, and its
        // check and set stay atomic in its own savepoint.
        return try await batcher.write { db, _ in
            if let current = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT holder, expiresAt FROM lease WHERE runId = ?"),
                arguments: [runID]
            ) {
                let currentHolder: String = current["holder"]
                let currentExpiry = Date(timeIntervalSince1970: current["expiresAt"])
                let isFree =
                    currentHolder == holder.description || currentExpiry <= now
                    || LeaseHolder(currentHolder)?.isGoneFromThisHost == true
                guard isFree else { return .held(by: currentHolder, until: currentExpiry) }
            }
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO lease (runId, holder, expiresAt) VALUES (?, ?, ?)")
                .execute(arguments: [runID, holder.description, expiresAt.timeIntervalSince1970])
            return .acquired
        }
    }

    public func releaseLease(runID: String, holder: LeaseHolder) async throws {
        try await append([], releasingLeaseOf: runID, holder: holder)
    }

    @discardableResult
    public func append(
        _ entries: [JournalEntry],
        releasingLeaseOf runID: String,
        holder: LeaseHolder
    ) async throws -> [JournalRecord] {
        try await append(entries) { db in
            try db.cachedStatement(sql: "DELETE FROM lease WHERE runId = ? AND holder = ?")
                .execute(arguments: [runID, holder.description])
        }
    }
}
