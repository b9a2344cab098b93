import Foundation
import RemedyCore

/// A journal that passes what `RunJournal` requires, but `append`, to `base`; what the protocol has a default for is
/// left to that default (which reads every run's records).
public protocol ForwardingJournal: RunJournal {
    var base: any RunJournal { get }
}

extension ForwardingJournal {
    public func records(ofRun runID: String) async throws -> [JournalRecord] { try await base.records(ofRun: runID) }

    public func createRun(_ entry: JournalEntry, dedupeKey: String) async throws -> RunCreation {
        try await base.createRun(entry, dedupeKey: dedupeKey)
    }

    public func runID(forDedupeKey dedupeKey: String) async throws -> String? {
        try await base.runID(forDedupeKey: dedupeKey)
    }

    public func runIDs() async throws -> [String] { try await base.runIDs() }

    public func claimLease(runID: String, holder: LeaseHolder, now: Date, duration: Duration) async throws -> LeaseClaim
    {
        try await base.claimLease(runID: runID, holder: holder, now: now, duration: duration)
    }

    public func releaseLease(runID: String, holder: LeaseHolder) async throws {
        try await base.releaseLease(runID: runID, holder: holder)
    }

    public func latestLiveRun(
        ofPlaybook playbook: String,
        resource: String,
        account: String,
        since: Date
    ) async throws -> CaseMember? {
        try await base.latestLiveRun(ofPlaybook: playbook, resource: resource, account: account, since: since)
    }

    public func usage(ofPlaybook playbook: String, before sequence: Int64, since: Date) async throws -> PlaybookUsage {
        try await base.usage(ofPlaybook: playbook, before: sequence, since: since)
    }
}

/// A journal that changes how `append` behaves and passes everything else to `base`, the base's own answers to what
/// the protocol has defaults for included.
public protocol WrappingJournal: ForwardingJournal {}

extension WrappingJournal {
    public func records(ofRun runID: String, after sequence: Int64) async throws -> RunRecordsSince {
        try await base.records(ofRun: runID, after: sequence)
    }

    public func campaignApprovals(
        ofPlaybook playbook: String,
        gate: String,
        since: Date
    ) async throws -> [CampaignApproval] {
        try await base.campaignApprovals(ofPlaybook: playbook, gate: gate, since: since)
    }

    public func runsCreated(after sequence: Int64, limit: Int) async throws -> [CreatedRun] {
        try await base.runsCreated(after: sequence, limit: limit)
    }

    public func runsCreated(before sequence: Int64?, limit: Int) async throws -> [CreatedRun] {
        try await base.runsCreated(before: sequence, limit: limit)
    }

    public func unfinishedRuns(after sequence: Int64, limit: Int) async throws -> [UnfinishedRun] {
        try await base.unfinishedRuns(after: sequence, limit: limit)
    }
}
