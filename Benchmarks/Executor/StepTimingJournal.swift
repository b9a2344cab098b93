import Foundation
import RemedyCore
import RemedyJournal
import Synchronization

/// The durable journal as the executor sees it, noting when each step's records were asked for and came back.
///
/// The executor writes a step's result in the same transaction as the run's next record (the next step's
/// `step.started`, or the run's end). A step's interval runs from the executor asking to journal its `step.started`
/// until it asks for the transaction carrying its result: what each step adds to a run (one durable write, the
/// action's calls, the executor's work). Its time until durable adds that shared transaction, which is also the
/// next step's start.
final class StepTimingJournal: RunJournal {
    /// One step's times, split where the executor hands over to the journal and the action.
    struct Step: Sendable {
        /// Until `step.started` (with the previous step's result) was durable.
        var started: Duration
        /// From then until the executor asked to journal the result: the action's calls and the executor's work.
        var action: Duration
        /// Until the transaction holding the result was durable.
        var result: Duration
        /// What the step adds to its run's wall time.
        var interval: Duration { started + action }
        /// Until the step's result was durable.
        var total: Duration { started + action + result }
    }

    private struct Open {
        var asked: ContinuousClock.Instant
        var durable: ContinuousClock.Instant
    }

    let base: JournalDatabase
    private let open = Mutex<[String: Open]>([:])
    private let finished = Mutex<[Step]>([])
    private let failures = Mutex(0)

    init(base: JournalDatabase) {
        self.base = base
    }

    /// Takes the steps timed so far and the count of failed steps, and starts again.
    func drain() -> (steps: [Step], failures: Int) {
        let steps = finished.withLock { steps in
            defer { steps = [] }
            return steps
        }
        let failed = failures.withLock { count in
            defer { count = 0 }
            return count
        }
        return (steps, failed)
    }

    @discardableResult
    func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] {
        try await timing(entries) { try await base.append(entries) }
    }

    @discardableResult
    func append(
        _ entries: [JournalEntry],
        releasingLeaseOf runID: String,
        holder: LeaseHolder
    ) async throws -> [JournalRecord] {
        try await timing(entries) { try await base.append(entries, releasingLeaseOf: runID, holder: holder) }
    }

    /// Writes `entries` with `write`, noting the step times they open and close.
    private func timing(
        _ entries: [JournalEntry],
        _ write: () async throws -> [JournalRecord]
    ) async throws -> [JournalRecord] {
        let asked = ContinuousClock.now
        let records = try await write()
        let durable = ContinuousClock.now
        for entry in entries {
            let key = "\(entry.runID ?? "")/\(entry.payload["step"]?.stringValue ?? "")"
            switch entry.kind {
            case RunEventKind.stepStarted.rawValue:
                open.withLock { $0[key] = Open(asked: asked, durable: durable) }
            case RunEventKind.stepSucceeded.rawValue, RunEventKind.stepFailed.rawValue:
                if entry.kind == RunEventKind.stepFailed.rawValue { failures.withLock { $0 += 1 } }
                guard let start = open.withLock({ $0.removeValue(forKey: key) }) else { continue }
                let step = Step(
                    started: start.durable - start.asked,
                    action: asked - start.durable,
                    result: durable - asked
                )
                finished.withLock { $0.append(step) }
            default:
                continue
            }
        }
        return records
    }

    func records(ofRun runID: String) async throws -> [JournalRecord] {
        try await base.records(ofRun: runID)
    }

    // The indexed reads too: the protocol's defaults read whole runs, which the database never does.
    func records(ofRun runID: String, after sequence: Int64) async throws -> RunRecordsSince {
        try await base.records(ofRun: runID, after: sequence)
    }

    func runsCreated(after sequence: Int64, limit: Int) async throws -> [CreatedRun] {
        try await base.runsCreated(after: sequence, limit: limit)
    }

    func unfinishedRuns(after sequence: Int64, limit: Int) async throws -> [UnfinishedRun] {
        try await base.unfinishedRuns(after: sequence, limit: limit)
    }

    func createRun(_ entry: JournalEntry, dedupeKey: String) async throws -> RunCreation {
        try await base.createRun(entry, dedupeKey: dedupeKey)
    }

    func runID(forDedupeKey dedupeKey: String) async throws -> String? {
        try await base.runID(forDedupeKey: dedupeKey)
    }

    func runIDs() async throws -> [String] {
        try await base.runIDs()
    }

    func claimLease(runID: String, holder: LeaseHolder, now: Date, duration: Duration) async throws -> LeaseClaim {
        try await base.claimLease(runID: runID, holder: holder, now: now, duration: duration)
    }

    func releaseLease(runID: String, holder: LeaseHolder) async throws {
        try await base.releaseLease(runID: runID, holder: holder)
    }

    func usage(ofPlaybook playbook: String, before sequence: Int64, since: Date) async throws -> PlaybookUsage {
        try await base.usage(ofPlaybook: playbook, before: sequence, since: since)
    }

    func latestLiveRun(
        ofPlaybook playbook: String,
        resource: String,
        account: String,
        since: Date
    ) async throws -> CaseMember? {
        try await base.latestLiveRun(ofPlaybook: playbook, resource: resource, account: account, since: since)
    }
}
