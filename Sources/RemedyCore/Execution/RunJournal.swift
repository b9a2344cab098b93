import Foundation

/// Where a run's facts are written before and after they happen.
public protocol RunJournal: Sendable {
    /// Appends entries durably, in order, and returns them as stored. When it returns, they are on disk.
    @discardableResult
    func append(_ entries: [JournalEntry]) async throws -> [JournalRecord]
    /// Every record of a run, in order.
    func records(ofRun runID: String) async throws -> [JournalRecord]
    /// A run's records after `sequence`, in order, and how many records the run has in all: a reader that already
    /// holds the run's first `total - records.count` records, through `sequence`, is up to date once it adds these.
    func records(ofRun runID: String, after sequence: Int64) async throws -> RunRecordsSince
    /// Appends `entry` (a `run.created`) and remembers `dedupeKey` for its run in the same transaction, unless a run
    /// already has that key: then nothing is written and the answer names that run.
    func createRun(_ entry: JournalEntry, dedupeKey: String) async throws -> RunCreation
    /// The run created for `dedupeKey`, if any.
    func runID(forDedupeKey dedupeKey: String) async throws -> String?
    /// Every run the journal holds, oldest first.
    func runIDs() async throws -> [String]
    /// Up to `limit` runs created after the record at `sequence`, oldest first, with their `run.created` sequence:
    /// for reading a backlog from the journal in pages.
    func runsCreated(after sequence: Int64, limit: Int) async throws -> [CreatedRun]
    /// Up to `limit` runs created before the record at `sequence` (nil: the newest), newest first: for listing the
    /// latest runs a page at a time.
    func runsCreated(before sequence: Int64?, limit: Int) async throws -> [CreatedRun]
    /// Up to `limit` runs created after the record at `sequence` whose latest record does not finish them, oldest
    /// first: every run with work left, and a few finished ones whose latest record is not the one that finished
    /// them (an approval refused after the end). What a restart reads, in pages, instead of every run's records.
    func unfinishedRuns(after sequence: Int64, limit: Int) async throws -> [UnfinishedRun]
    /// Claims (or renews) the right to drive `runID` until `now + duration`.
    ///
    /// Granted when nobody holds it, the lease expired, `holder` already has it, or its holder's process is gone.
    /// Leases coordinate; they are not history, so they live beside the hash chain, not in it.
    func claimLease(runID: String, holder: LeaseHolder, now: Date, duration: Duration) async throws -> LeaseClaim
    /// Gives the lease up, if `holder` has it.
    func releaseLease(runID: String, holder: LeaseHolder) async throws
    /// Appends entries as `append` does and gives up `holder`'s lease on `runID` in the same transaction: a run's
    /// last records and the end of its lease cost one disk sync.
    @discardableResult
    func append(
        _ entries: [JournalEntry],
        releasingLeaseOf runID: String,
        holder: LeaseHolder
    ) async throws -> [JournalRecord]
    /// How many live runs of `playbook` were created before the run at `sequence`: since `since`, and still open.
    ///
    /// Counting only earlier runs makes the answer the same for every process and on every resume.
    func usage(ofPlaybook playbook: String, before sequence: Int64, since: Date) async throws -> PlaybookUsage
    /// The newest live run of `playbook` on `resource` in `account` that started at or after `since`, with its case:
    /// the case a new finding about the resource joins.
    func latestLiveRun(
        ofPlaybook playbook: String,
        resource: String,
        account: String,
        since: Date
    ) async throws -> CaseMember?
    /// The approvals given directly (not taken from another run) at the campaign gate `gate` of `playbook` at or
    /// after `since`, oldest first: what a run reaching that gate takes on (`ApprovalScope.campaign`).
    func campaignApprovals(ofPlaybook playbook: String, gate: String, since: Date) async throws -> [CampaignApproval]
}

/// An approval given at a campaign gate, from `RunJournal.campaignApprovals`: an `approval.granted` record that
/// names the playbook (`campaignPlaybook`), which only a decision made on its own run does.
public struct CampaignApproval: Sendable, Hashable {
    /// The run the decision was made on.
    public var runID: String
    public var sequence: Int64
    /// The decision as journaled there.
    public var decision: RunEvent.ApprovalDecided

    public init(runID: String, sequence: Int64, decision: RunEvent.ApprovalDecided) {
        self.runID = runID
        self.sequence = sequence
        self.decision = decision
    }

    /// `record` as a campaign approval of `playbook` at `gate` given at or after `since` (a `Timestamp`), or nil.
    public init?(_ record: JournalRecord, playbook: String, gate: String, since: String) {
        guard let runID = record.runID, case .approvalGranted(let decision)? = try? RunEvent(record),
            decision.campaignPlaybook == playbook, decision.gate == gate, decision.at >= since
        else { return nil }
        self.init(runID: runID, sequence: record.sequence, decision: decision)
    }
}

/// A run and the case it belongs to, from `RunJournal.latestLiveRun`.
public struct CaseMember: Sendable, Hashable {
    public var runID: String
    /// The case id its `run.created` names (nil for a run journaled before cases existed: its own run id then).
    public var caseID: String

    public init(runID: String, caseID: String) {
        self.runID = runID
        self.caseID = caseID
    }
}

/// The end of a run's records, from `RunJournal.records(ofRun:after:)`.
public struct RunRecordsSince: Sendable, Hashable {
    /// The run's records after the sequence asked for, in order.
    public var records: [JournalRecord]
    /// How many records the run has, these included.
    public var total: Int

    public init(records: [JournalRecord], total: Int) {
        self.records = records
        self.total = total
    }
}

/// A run and the sequence of its `run.created` record.
public struct CreatedRun: Sendable, Hashable {
    public var runID: String
    public var sequence: Int64

    public init(runID: String, sequence: Int64) {
        self.runID = runID
        self.sequence = sequence
    }
}

/// A run the journal does not show as finished, with what its latest record says without reading the run.
public struct UnfinishedRun: Sendable, Hashable {
    public var runID: String
    /// The sequence of its `run.created`.
    public var createdSequence: Int64
    /// The kind of its latest record: `run.created` means nothing has happened to it yet.
    public var latestKind: String

    public init(runID: String, createdSequence: Int64, latestKind: String) {
        self.runID = runID
        self.createdSequence = createdSequence
        self.latestKind = latestKind
    }

    /// Whether the run is only created: no process has taken it up.
    public var isUntouched: Bool { latestKind == RunEventKind.runCreated.rawValue }

    /// Whether a run whose latest record is `record` is finished: it succeeded, failed with no undo to follow, or
    /// its undo ended (a run-level `undo.*`, without a step).
    public static func finishes(_ record: JournalRecord) -> Bool {
        switch RunEventKind(rawValue: record.kind) {
        case .runSucceeded: true
        case .runFailed: record.payload[RunEvent.Failed.undoKey] == false
        case .undoSucceeded, .undoFailed: record.payload[RunEvent.Undo.stepKey] == nil
        default: false
        }
    }
}

extension RunJournal {
    /// Appends, then releases: correct for any journal; a database does both in one transaction.
    @discardableResult
    public func append(
        _ entries: [JournalEntry],
        releasingLeaseOf runID: String,
        holder: LeaseHolder
    ) async throws -> [JournalRecord] {
        let records = entries.isEmpty ? [] : try await append(entries)
        try await releaseLease(runID: runID, holder: holder)
        return records
    }

    /// Calls `body` with every unfinished run, oldest first, reading them a page at a time.
    public func forEachUnfinishedRun(_ body: (UnfinishedRun) async throws -> Void) async throws {
        var cursor: Int64 = 0
        while true {
            let page = try await unfinishedRuns(after: cursor, limit: 1_000)
            guard let last = page.last else { return }
            for run in page { try await body(run) }
            cursor = last.createdSequence
        }
    }

    /// Reads every run's records: correct for any journal, and what small in-memory journals use; a database
    /// answers from its indexes instead.
    public func unfinishedRuns(after sequence: Int64, limit: Int) async throws -> [UnfinishedRun] {
        var runs: [UnfinishedRun] = []
        for runID in try await runIDs() {
            guard runs.count < limit else { break }
            let records = try await records(ofRun: runID)
            guard let created = records.first, created.sequence > sequence, let latest = records.last,
                !UnfinishedRun.finishes(latest)
            else { continue }
            runs.append(UnfinishedRun(runID: runID, createdSequence: created.sequence, latestKind: latest.kind))
        }
        return runs
    }

    /// Reads all the run's records: correct for any journal; a database answers from its index instead.
    public func records(ofRun runID: String, after sequence: Int64) async throws -> RunRecordsSince {
        let records = try await records(ofRun: runID)
        return RunRecordsSince(records: records.filter { $0.sequence > sequence }, total: records.count)
    }

    /// Reads every run's records: correct for any journal; a database answers from its kind index instead.
    public func campaignApprovals(
        ofPlaybook playbook: String,
        gate: String,
        since: Date
    ) async throws -> [CampaignApproval] {
        let since = Timestamp.format(since)
        var approvals: [CampaignApproval] = []
        for runID in try await runIDs() {
            approvals += try await records(ofRun: runID).compactMap {
                CampaignApproval($0, playbook: playbook, gate: gate, since: since)
            }
        }
        return approvals.sorted { $0.sequence < $1.sequence }
    }

    /// Reads every run's first record: correct for any journal, and what small in-memory journals use; a database
    /// answers with one indexed query instead.
    public func runsCreated(before sequence: Int64?, limit: Int) async throws -> [CreatedRun] {
        var runs: [CreatedRun] = []
        for runID in try await runIDs().reversed() {
            guard runs.count < limit else { break }
            if let created = try await records(ofRun: runID).first, created.sequence < sequence ?? .max {
                runs.append(CreatedRun(runID: runID, sequence: created.sequence))
            }
        }
        return runs
    }

    /// Reads every run's first record: correct for any journal, and what small in-memory journals use; a database
    /// answers with one indexed query instead.
    public func runsCreated(after sequence: Int64, limit: Int) async throws -> [CreatedRun] {
        var runs: [CreatedRun] = []
        for runID in try await runIDs() {
            guard runs.count < limit else { break }
            if let created = try await records(ofRun: runID).first, created.sequence > sequence {
                runs.append(CreatedRun(runID: runID, sequence: created.sequence))
            }
        }
        return runs
    }
}

/// What became of a request to create a run.
public enum RunCreation: Sendable, Hashable {
    case created(JournalRecord)
    /// A run already exists for the dedupe key: the same finding delivered again.
    case duplicate(existingRunID: String)
}
