import Foundation
import GRDB
import RemedyCore

extension JournalDatabase {
    /// Counts by the runs' own `startedAt` (the executor's clock, the one `since` comes from), not `recordedAt`.
    ///
    /// The expressions match `record_run_usage`'s exactly; without statistics SQLite would pick the kind index
    /// and parse every run's payload, hence `INDEXED BY`.
    public func usage(ofPlaybook playbook: String, before sequence: Int64, since: Date) async throws -> PlaybookUsage {
        let since = Timestamp.format(since)
        return try await writer.read { db in
            let earlier = """
                FROM record AS created INDEXED BY record_run_usage
                WHERE created.kind = \(EventSQL.kind(.runCreated)) AND created.sequence < ?
                    AND \(EventSQL.created(.playbook)) = ?
                    AND \(EventSQL.created(.mode)) = '\(ExecutionMode.live.rawValue)'
                """
            let inLastHour =
                try Int.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT COUNT(*) \(earlier) AND \(EventSQL.created(.startedAt)) >= ?"
                    ),
                    arguments: [sequence, playbook, since]
                ) ?? 0
            let open =
                try Int.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT COUNT(*) \(earlier)
                                AND COALESCE((
                                    SELECT ended.kind FROM record AS ended
                                    WHERE ended.runId = created.runId
                                        AND ended.kind IN \(EventSQL.kinds(.runSucceeded, .runFailed, .runRetried))
                                    ORDER BY ended.sequence DESC LIMIT 1
                                ), \(EventSQL.kind(.runRetried))) = \(EventSQL.kind(.runRetried))
                            """
                    ),
                    arguments: [sequence, playbook]
                ) ?? 0
            return PlaybookUsage(runsInLastHour: inLastHour, openRuns: open)
        }
    }

    /// Reads the playbook's runs through `record_run_usage` (playbook, mode, start time), then their resource.
    public func latestLiveRun(
        ofPlaybook playbook: String,
        resource: String,
        account: String,
        since: Date
    ) async throws -> CaseMember? {
        let since = Timestamp.format(since)
        return try await writer.read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT created.runId AS runId, \(EventSQL.created(.caseID)) AS caseId
                        FROM record AS created INDEXED BY record_run_usage
                        WHERE created.kind = \(EventSQL.kind(.runCreated)) AND \(EventSQL.created(.playbook)) = ?
                            AND \(EventSQL.created(.mode)) = '\(ExecutionMode.live.rawValue)'
                            AND \(EventSQL.created(.startedAt)) >= ?
                            AND \(EventSQL.created(.resource)) = ?
                            AND \(EventSQL.created(.account)) = ?
                        ORDER BY created.sequence DESC LIMIT 1
                        """
                ),
                arguments: [playbook, since, resource, account]
            ).map { row in
                let runID: String = row["runId"]
                return CaseMember(runID: runID, caseID: row["caseId"] ?? runID)
            }
        }
    }
}

extension JournalDatabase {
    /// Reads the `approval.granted` records through the kind index: approvals are few beside a run's other records.
    public func campaignApprovals(
        ofPlaybook playbook: String,
        gate: String,
        since: Date
    ) async throws -> [CampaignApproval] {
        typealias Decision = RunEvent.ApprovalDecided.PayloadKey
        let since = Timestamp.format(since)
        return try await writer.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM record INDEXED BY record_kind
                        WHERE kind = \(EventSQL.kind(.approvalGranted))
                            AND \(EventSQL.member(Decision.campaignPlaybook.rawValue)) = ?
                            AND \(EventSQL.member(Decision.gate.rawValue)) = ?
                            AND \(EventSQL.member(Decision.at.rawValue)) >= ?
                        ORDER BY sequence
                        """
                ),
                arguments: [playbook, gate, since]
            ).compactMap { row in
                CampaignApproval(try Self.record(row), playbook: playbook, gate: gate, since: since)
            }
        }
    }
}
