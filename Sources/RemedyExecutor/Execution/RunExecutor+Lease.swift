import Foundation
import RemedyCore

extension RunExecutor {
    /// Runs `body` while this executor holds the run's lease, renewing it in the background and giving it up after.
    ///
    /// Two processes never drive one run at once; a run whose holder was killed is taken over by the next claim.
    /// `body` may give the lease up itself, with the run's last records (`RunLeaseKeeper.release(appending:)`).
    func withLease<Value: Sendable>(
        on runID: String,
        _ body: (RunLeaseKeeper) async throws -> Value
    ) async throws -> Value {
        let keeper = RunLeaseKeeper(
            runID: runID,
            holder: leaseHolder,
            duration: leaseDuration,
            journal: journal,
            time: time
        )
        try await keeper.claim()
        await keeper.startRenewing()
        do {
            let value = try await RunLeaseKeeper.$current.withValue(keeper) { try await body(keeper) }
            try await keeper.release()
            return value
        } catch {
            _ = try? await keeper.release()
            throw error
        }
    }
}

/// Holds one run's lease for an executor: claims it, renews it at a third of its term, and notices losing it.
actor RunLeaseKeeper {
    /// The lease the current task drives its run under; the executor checks it before each mutating call.
    @TaskLocal static var current: RunLeaseKeeper?

    let runID: String
    let holder: LeaseHolder
    let duration: Duration
    let journal: any RunJournal
    /// Renewals wait on its deadline clock; lease terms are read from its wall clock.
    let time: TimeSource
    private var lostTo: String?
    private var renewal: Task<Void, Never>?
    private var released = false

    init(
        runID: String,
        holder: LeaseHolder,
        duration: Duration,
        journal: any RunJournal,
        time: TimeSource
    ) {
        self.runID = runID
        self.holder = holder
        self.duration = duration
        self.journal = journal
        self.time = time
    }

    func claim() async throws {
        switch try await journal.claimLease(runID: runID, holder: holder, now: time.now, duration: duration) {
        case .acquired:
            lostTo = nil
        case .held(let other, let until):
            throw RunError.runBusy(runID, holder: other, until: Timestamp.format(until))
        }
    }

    /// Throws when the lease went to someone else: checked before every mutating call.
    func ensureHeld() throws {
        if let lostTo { throw RunError.leaseLost(runID, to: lostTo) }
    }

    /// Renews in the background until the lease is released.
    func startRenewing() {
        renewal = Task { await keepRenewing() }
    }

    /// Renews until cancelled; a renewal that finds another holder marks the lease lost and stops.
    func keepRenewing() async {
        while true {
            // Cancelled when the run stops: sliced, so its memory goes with it.
            do { try await time.deadlineClock.sleep(for: duration / 3, inSlicesOf: .seconds(1)) } catch { return }
            do {
                let claim = try await journal.claimLease(
                    runID: runID,
                    holder: holder,
                    now: time.now,
                    duration: duration
                )
                if case .held(let other, _) = claim {
                    lostTo = other
                    return
                }
            } catch {
                continue  // The journal was busy for a moment: the next round tries again, well inside the term.
            }
        }
    }

    /// Appends `entries` and gives the lease up in the same transaction (one disk sync for a run's last records and
    /// the end of its lease); only appends them when the lease is already given up or lost.
    ///
    /// Renewal stops first, so that no renewal still on its way re-takes the lease after it is given up.
    @discardableResult
    func release(appending entries: [JournalEntry] = []) async throws -> [JournalRecord] {
        renewal?.cancel()
        await renewal?.value
        renewal = nil
        guard lostTo == nil, !released else { return entries.isEmpty ? [] : try await journal.append(entries) }
        let records = try await journal.append(entries, releasingLeaseOf: runID, holder: holder)
        released = true
        return records
    }
}
