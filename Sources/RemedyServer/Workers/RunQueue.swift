import Synchronization

/// Runs journaled and waiting for the workers, in arrival order.
///
/// Producers (intake, approvals, recovery) never wait: the queue is unbounded, because every entry is already
/// durable in the journal and costs only its id here. Closing it drops what is left, which stays active in the
/// journal for the next start.
final class RunQueue: Sendable {
    let runs: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let waiting = Atomic<Int>(0)

    init() {
        (runs, continuation) = AsyncStream.makeStream(of: String.self)
    }

    func enqueue(_ runID: String) {
        waiting.add(1, ordering: .relaxed)
        continuation.yield(runID)
    }

    /// Called by the workers for each run they take.
    func taken() {
        waiting.subtract(1, ordering: .relaxed)
    }

    /// Runs enqueued and not yet taken by a worker.
    var depth: Int { waiting.load(ordering: .relaxed) }

    func close() {
        continuation.finish()
    }
}
