import Foundation
import RemedyCore
import RemedyJournal
import Synchronization

/// The durable journal as the executor sees it, noting when each step's records were asked for and came back.
///
/// A step's wall time runs from the executor asking to journal `step.started` until its result (`step.succeeded` or
/// `step.failed`) is durable: the two journal writes, the action's calls and the executor's work between them.
final class StepTimingJournal: RunJournal {
    /// One step's times, split where the executor hands over to the journal and the action.
    struct Step: Sendable {
        /// Until `step.started` was durable.
        var started: Duration
        /// From then until the executor asked to journal the result: the action's calls and the executor's work.
        var action: Duration
        /// Until the result was durable.
        var result: Duration
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
        let asked = ContinuousClock.now
        let records = try await base.append(entries)
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
}
