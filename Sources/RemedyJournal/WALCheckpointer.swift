import GRDB
import Synchronization

/// Copies the WAL's committed frames into the database file on a connection of its own, off the writer's path.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that writer, and every run or
/// webhook request whose record waited in its group commit, also waited for the copy and its disk sync (the
/// webhook's p99). A passive checkpoint takes no write lock, so commits go on beside it; it copies what no reader
/// still needs, and SQLite rewinds the WAL once all of it has been copied.
final class WALCheckpointer: Sendable {
    /// Not one of the pool's readers: those are read-only, and a checkpoint writes the database file.
    private let connection: DatabaseQueue
    private let commitsPerCheckpoint: Int
    private let state = Mutex(State())

    private struct State {
        var commitsSinceCheckpoint = 0
        var isCheckpointing = false
    }

    /// The journal's connections must have `wal_autocheckpoint` off; SQLite still checkpoints when the last one
    /// closes.
    init(path: String, configuration: Configuration, commitsPerCheckpoint: Int = 100) throws {
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.commitsPerCheckpoint = commitsPerCheckpoint
    }

    /// Counts a commit; every `commitsPerCheckpoint` commits, starts a checkpoint unless one is running.
    func committed() {
        let starts = state.withLock { state in
            state.commitsSinceCheckpoint += 1
            guard state.commitsSinceCheckpoint >= commitsPerCheckpoint, !state.isCheckpointing else { return false }
            state.commitsSinceCheckpoint = 0
            state.isCheckpointing = true
            return true
        }
        guard starts else { return }
        connection.asyncWriteWithoutTransaction { [self] database in
            // A checkpoint that fails (busy, I/O) leaves the frames in the WAL, where they are as durable; the next
            // one copies them.
            _ = try? database.checkpoint(.passive)
            state.withLock { $0.isCheckpointing = false }
        }
    }
}
