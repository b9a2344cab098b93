import RemedyCore

/// Hands journaled runs to the workers through a bounded queue, and reads the overflow back from the journal.
///
/// Every run is durable before it gets here, so memory need not hold a backlog: while the queue has room, new runs
/// go straight in; once it is full, they stay only in the journal and the backlog reads them back in pages (by
/// `run.created` sequence) as the queue drains. Overflow ends only after a page comes back short with no run
/// dropped since it was asked for, so no run is left behind; a run queued twice is harmless, because driving a run
/// that is already done or already being driven does nothing.
actor RunBacklog {
    let queue: RunQueue
    let journal: any RunJournal
    let capacity: Int
    private var overflowing = false
    /// Runs created after this sequence may be missing from the queue while overflowing.
    private var cursor: Int64 = .max
    private var droppedSinceRead = 0

    init(queue: RunQueue, journal: any RunJournal, capacity: Int = 10_000) {
        self.queue = queue
        self.journal = journal
        self.capacity = max(2, capacity)
    }

    /// Queues a run just created at `sequence`, or leaves it to the journal when the queue is full.
    func admit(_ runID: String, sequence: Int64) {
        if !overflowing, queue.depth < capacity {
            queue.enqueue(runID)
            return
        }
        overflowing = true
        droppedSinceRead += 1
        cursor = min(cursor, sequence - 1)
    }

    /// Whether runs wait in the journal only.
    var isOverflowing: Bool { overflowing }

    /// Moves the next page of overflow into the queue once it has drained to half.
    func refill() async throws {
        guard overflowing, queue.depth <= capacity / 2 else { return }
        droppedSinceRead = 0
        let limit = capacity / 2
        let page = try await journal.runsCreated(after: cursor, limit: limit)
        for run in page { queue.enqueue(run.runID) }
        if let last = page.last { cursor = max(cursor, last.sequence) }
        if page.count < limit, droppedSinceRead == 0 {
            overflowing = false
            cursor = .max
        }
    }
}
