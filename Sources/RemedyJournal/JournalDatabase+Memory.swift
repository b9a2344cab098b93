import GRDB

#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

extension JournalDatabase {
    /// Bytes SQLite holds in this process now and at most so far (page caches, statements), for benchmarks that
    /// account for a server's memory.
    public static var sqliteMemory: (inUse: Int64, highWater: Int64) {
        (sqlite3_memory_used(), sqlite3_memory_highwater(0))
    }

    /// Transactions this journal has committed (each one disk sync unless the journal only survives a process
    /// crash), for benchmarks that count them.
    public var transactionsCommitted: Int { batcher.commits }
}
