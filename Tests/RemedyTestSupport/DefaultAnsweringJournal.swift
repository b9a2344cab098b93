import Foundation
import RemedyCore

/// A journal that forwards only what `RunJournal` requires to `base` and answers everything the protocol has a
/// default for with that default (reading every run's records): for checking a database's indexed answers against
/// what any journal would say.
public struct DefaultAnsweringJournal: RunJournal {
    let base: any RunJournal

    public init(base: any RunJournal) {
        self.base = base
    }

    public func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] { try await base.append(entries) }

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

    public func usage(ofPlaybook playbook: String, before sequence: Int64, since: Date) async throws -> PlaybookUsage {
        try await base.usage(ofPlaybook: playbook, before: sequence, since: since)
    }

    public func latestLiveRun(
        ofPlaybook playbook: String,
        resource: String,
        account: String,
        since: Date
    ) async throws -> CaseMember? {
        try await base.latestLiveRun(ofPlaybook: playbook, resource: resource, account: account, since: since)
    }
}
