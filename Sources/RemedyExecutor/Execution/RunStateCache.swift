import RemedyCore
import Synchronization

/// The runs an executor last left (created, parked, waiting), as their state machines stood, so that taking one up
/// again reads only what the journal gained since instead of every record and the finding in `run.created`.
///
/// Only a hint: a machine taken from here is checked against the journal under the run's lease
/// (`RunStateMachine.catchUp(with:)`), and the run is read in full when the journal holds anything it cannot account
/// for. Bounded, so a backlog of created runs cannot grow memory: past `capacity` the oldest entries are dropped, and
/// those runs are read from the journal when taken up.
final class RunStateCache: Sendable {
    private struct Entries {
        var machines: [String: RunStateMachine] = [:]
        /// Run ids, oldest first.
        var order: [String] = []
    }

    let capacity: Int
    private let entries = Mutex(Entries())

    init(capacity: Int = 512) {
        self.capacity = capacity
    }

    /// The machine left for `runID`, removed: whoever drives the run now keeps it up to date.
    func take(_ runID: String) -> RunStateMachine? {
        entries.withLock { entries in
            guard let machine = entries.machines.removeValue(forKey: runID) else { return nil }
            entries.order.removeAll { $0 == runID }
            return machine
        }
    }

    /// Leaves a machine whose every record is on disk, for the next time its run is taken up; a finished run is
    /// not kept, since nothing takes it up again.
    func keep(_ machine: RunStateMachine) {
        guard machine.unwritten.isEmpty, machine.state.status.isActive, capacity > 0 else { return }
        let runID = machine.state.definition.runID
        // What leaves the cache is returned and freed after the lock: a machine holds its run's whole finding, and
        // freeing it takes a while.
        let _: [RunStateMachine] = entries.withLock { entries in
            var dropped: [RunStateMachine] = []
            if let replaced = entries.machines.updateValue(machine, forKey: runID) {
                dropped.append(replaced)
            } else {
                entries.order.append(runID)
            }
            while entries.order.count > capacity {
                entries.machines.removeValue(forKey: entries.order.removeFirst()).map { dropped.append($0) }
            }
            return dropped
        }
    }
}
