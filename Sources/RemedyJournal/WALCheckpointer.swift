import Foundation
import GRDB
import Synchronization

#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// Checkpoints the journal's WAL mostly off the writer's path.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that writer, and every run or
/// webhook request whose record waited in its group commit, also waited for the copy into the database file and
/// its disk sync (the webhook's p99). This keeps SQLite's threshold (1,000 pages in the WAL, told by the WAL hook
/// after each commit) and splits the work in two:
/// 1. a passive checkpoint on a connection of its own copies and syncs the bulk of the WAL while commits go on
///    (it takes no write lock);
/// 2. a second passive checkpoint on the writer's queue, between two transactions, copies the few frames committed
///    meanwhile. With every frame copied, SQLite rewinds the WAL at the next commit. The first step alone never
///    catches up with a WAL that keeps growing, and the WAL would grow without end.
final class WALCheckpointer: Sendable {
    private let path: String
    private let pagesPerCheckpoint: Int32
    /// Opened at the first checkpoint, once the writer has put the file in WAL mode.
    ///
    /// Not one of the pool's readers: those are read-only, and a checkpoint writes the database file.
    private let connection = Mutex<DatabaseQueue?>(nil)
    /// The journal's writer, for the catch-up checkpoint; set once the pool exists.
    private let writer = Mutex<(any DatabaseWriter)?>(nil)
    private let isCheckpointing = Atomic<Bool>(false)

    init(path: String, pagesPerCheckpoint: Int32 = 1_000) {
        self.path = path
        self.pagesPerCheckpoint = pagesPerCheckpoint
    }

    /// Replaces `db`'s automatic checkpoint with this one.
    ///
    /// The checkpointer must outlive the connection.
    func watch(_ db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, _, _, pages in
                guard let context else { return SQLITE_OK }
                Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().walHolds(pages: pages)
                return SQLITE_OK
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    /// Starts checkpointing; until this is called, commits checkpoint nothing.
    func start(writer: any DatabaseWriter) {
        self.writer.withLock { $0 = writer }
    }

    /// Called on the writer's thread after each commit: starts a checkpoint unless one is running.
    private func walHolds(pages: Int32) {
        guard pages >= pagesPerCheckpoint, let writer = writer.withLock({ $0 }),
            isCheckpointing.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let connection: DatabaseQueue
        do {
            connection = try self.connection.withLock { connection in
                if let connection { return connection }
                var configuration = Configuration()
                configuration.busyMode = .timeout(30)
                let opened = try DatabaseQueue(path: path, configuration: configuration)
                connection = opened
                return opened
            }
        } catch {
            // Checkpoint on the writer's queue alone, as SQLite would have.
            writer.asyncWriteWithoutTransaction { [self] db in catchUp(db) }
            return
        }
        // A checkpoint that fails (busy, I/O) leaves the frames in the WAL, where they are as durable; the next
        // commit over the threshold tries again.
        connection.asyncWriteWithoutTransaction { [self] db in
            _ = try? db.checkpoint(.passive)
            writer.asyncWriteWithoutTransaction { [self] db in catchUp(db) }
        }
    }

    /// On the writer's queue, between transactions: copies what the bulk checkpoint left.
    private func catchUp(_ db: Database) {
        _ = try? db.checkpoint(.passive)
        isCheckpointing.store(false, ordering: .releasing)
    }
}
