import Synchronization

/// Tells runs to stop at the next step boundary, for a graceful shutdown.
///
/// A call already made finishes and its result is journaled; the run then stops before its next call, stays
/// active in the journal and releases its lease, so a restarted server (or `remedy resume`) continues it. Set once,
/// never cleared: a draining process does not start work again.
public final class RunDrain: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    public func begin() {
        draining.store(true, ordering: .releasing)
    }

    public var isDraining: Bool { draining.load(ordering: .acquiring) }
}

extension RunStateMachine.Decision {
    /// Whether acting on this decision calls an action (execute, probe or undo).
    var makesCall: Bool {
        switch self {
        case .run, .probe, .undo: true
        default: false
        }
    }
}
