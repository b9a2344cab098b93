import Foundation
import RemedyCore
import Synchronization

/// How a run's records reach the journal: written durably before the call they announce, or held and written with
/// the run's next record; each folded into the run's machine and shown to the observer.
extension RunExecutor {
    func append(_ event: RunEvent, to machine: inout RunStateMachine) async throws {
        try await append([event.entry(runID: machine.state.definition.runID)], to: &machine)
    }

    /// The one way a run's records are written: durably, then folded into the machine, then shown to the observer.
    ///
    /// Held records go first, in the same transaction: they were folded in when they were held.
    func append(_ entries: [JournalEntry], to machine: inout RunStateMachine) async throws {
        let held = machine.unwritten
        try note(try await journal.append(held + entries), heldCount: held.count, in: &machine)
    }

    /// Takes in records just written, the first `heldCount` of them the machine's held ones (already folded in).
    func note(_ records: [JournalRecord], heldCount: Int, in machine: inout RunStateMachine) throws {
        machine.unwritten = []
        for (index, record) in records.enumerated() {
            if index >= heldCount { try machine.apply(record) } else { machine.noteJournaled(record) }
            observer?(record)
        }
    }

    /// Folds an event into the machine now and leaves it to be written with the run's next record.
    ///
    /// Journal-first still holds: the next mutating call waits for its own `step.started`, which is written in the
    /// same transaction as what is held. A crash before then loses what is held: a step's result leaves the step in
    /// doubt, and its probe decides, as for a crash between the call and its result; any other held record is a
    /// decision the run makes again from its durable records.
    func hold(_ event: RunEvent, in machine: inout RunStateMachine) throws {
        try machine.apply(event, recordedAt: "")
        machine.unwritten.append(event.entry(runID: machine.state.definition.runID))
    }

    /// Writes what is held on its own, before the run waits or calls without a `step.started` of its own.
    func writeHeld(_ machine: inout RunStateMachine) async throws {
        guard !machine.unwritten.isEmpty else { return }
        try await append([], to: &machine)
    }

    /// Journals an action's captured prior state as `step.prior_state_captured`, remembering it for the machine.
    ///
    /// In dry-run nothing is captured: no mutating call follows.
    func priorStateRecorder(
        for call: RunStateMachine.StepCall,
        of definition: RunDefinition,
        into captured: CapturedRecords
    ) -> PriorStateRecorder {
        { [journal, observer] (priorState: JSONValue) async throws(ActionFailure) in
            guard definition.mode == .live else { return }
            let event = RunEvent.stepPriorStateCaptured(
                .init(step: call.step, attempt: call.attempt, priorState: priorState)
            )
            let records: [JournalRecord]
            do {
                records = try await journal.append([event.entry(runID: definition.runID)])
            } catch {
                // Without the prior state on disk the step must not go on to change anything.
                throw ActionFailure(
                    .permanent,
                    code: "JournalWriteFailed",
                    message: "could not journal the prior state before acting: \(error)"
                )
            }
            captured.add(records)
            for record in records { observer?(record) }
        }
    }
}

/// Records journaled from inside an action call, waiting to be folded into the run's machine after it.
final class CapturedRecords: Sendable {
    private let records = Mutex<[JournalRecord]>([])

    func add(_ more: [JournalRecord]) { records.withLock { $0.append(contentsOf: more) } }

    func take() -> [JournalRecord] {
        records.withLock { taken in
            defer { taken = [] }
            return taken
        }
    }
}
