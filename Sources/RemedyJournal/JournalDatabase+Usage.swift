import Foundation
import GRDB
import RemedyCore

extension JournalDatabase {
    /// Counts by the runs' own `startedAt` (the executor's clock, the one `since` comes from), not `recordedAt`.
    public func usage(ofPlaybook playbook: String, before sequence: Int64, since: Date) async throws -> PlaybookUsage {
        let since = Self.timestamp(since)
        return try await writer.read { db in
            let earlier = """
                FROM record AS created
                WHERE created.kind = 'run.created' AND created.sequence < ?
                    AND json_extract(created.payload, '$.playbook') = ?
                    AND json_extract(created.payload, '$.mode') = 'live'
                """
            let inLastHour =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) \(earlier) AND json_extract(created.payload, '$.startedAt') >= ?",
                    arguments: [sequence, playbook, since]
                ) ?? 0
            let open =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) \(earlier)
                            AND NOT EXISTS (
                                SELECT 1 FROM record AS ended
                                WHERE ended.runId = created.runId AND ended.kind IN ('run.succeeded', 'run.failed')
                            )
                        """,
                    arguments: [sequence, playbook]
                ) ?? 0
            return PlaybookUsage(runsInLastHour: inLastHour, openRuns: open)
        }
    }
}
