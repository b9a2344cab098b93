import Foundation
import RemedyAWS
import RemedyCore
import Synchronization

/// The one virtual clock of an exercise: the executor, the actions, the AWS client's pacing, the journal's
/// timestamps and the simulated approvers all read it, so a day-long exercise runs in seconds and every time in the
/// report is virtual.
///
/// Time moves only when the exercise is waiting for it. The work of an exercise is one line of activity (one run at
/// a time); a sleep on that line is *active*, and when one is pending the clock jumps to the earliest pending
/// deadline and wakes that sleeper. The executor races each action call against a step timeout on its deadline
/// clock: those timers are *passive* and fire only when the clock reaches them for an active sleeper (a `wait`
/// longer than the step's timeout), never on their own, so how fast the machine cancels a timer whose race is over
/// cannot move virtual time. The executor's retry back-off is an active sleep: the run is waiting.
public final class ExerciseClock: Sendable {
    /// A point in virtual time: the offset from the exercise's start.
    public struct Instant: InstantProtocol {
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    struct Sleeper {
        var deadline: Duration
        var isActive: Bool
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var elapsed: Duration = .zero
        var sleepers: [Int: Sleeper] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    /// The wall-clock date the exercise starts at.
    public let start: Date
    private let state = Mutex(State())

    public init(start: Date) {
        self.start = start
    }

    /// Virtual time since the start.
    public var elapsed: Duration { state.withLock { $0.elapsed } }

    /// The virtual date.
    public var now: Date { start.addingTimeInterval(elapsed.seconds) }

    /// The virtual date, for every reader of the time of day (the journal, the executor, the actions).
    public var wallClock: WallClock { WallClock { self.now } }

    /// Moves time forward to `offset` (never back): the exercise's own schedule, between runs.
    public func advance(to offset: Duration) {
        state.withLock { $0.elapsed = max($0.elapsed, offset) }
    }

    /// For the executor: its sleeps are step-timeout timers racing an action call.
    public var executorClock: some Clock<Duration> { Facade(clock: self, isActive: false) }
    /// For actions (`wait`, `wait_for`): their sleeps are the exercise waiting.
    public var actionClock: some Clock<Duration> { Facade(clock: self, isActive: true) }
    /// For the AWS client's pacing and retry back-off: their waits are the exercise waiting, as an action's are.
    public var awsClock: some Clock<Duration> { actionClock }

    // MARK: Sleeping

    func sleep(until deadline: Duration, isActive: Bool) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.elapsed { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, isActive: isActive, continuation: continuation)
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                } else if isActive {
                    scheduleAdvance()
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let sleeper = state.sleepers.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Wakes the earliest sleeper once the line of activity is blocked in an active sleep.
    ///
    /// A few yields first let a timer started alongside the sleeper (the executor's step timeout) register, so the
    /// earlier of the two wins as it would in real time.
    private func scheduleAdvance() {
        Task {
            for _ in 0..<8 { await Task.yield() }
            self.advanceIfBlocked()
        }
    }

    private func advanceIfBlocked() {
        let woken = state.withLock { state -> (Sleeper, stillBlocked: Bool)? in
            guard state.sleepers.values.contains(where: \.isActive) else { return nil }
            guard
                let (id, earliest) = state.sleepers.min(by: {
                    ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key)
                })
            else { return nil }
            state.sleepers[id] = nil
            state.elapsed = max(state.elapsed, earliest.deadline)
            return (earliest, state.sleepers.values.contains(where: \.isActive))
        }
        guard let (sleeper, stillBlocked) = woken else { return }
        sleeper.continuation.resume()
        // A timer fired before the active sleeper's deadline: its consequences (cancelling the call) come first.
        if stillBlocked { scheduleAdvance() }
    }

    // MARK: Facades

    struct Facade: Clock {
        let clock: ExerciseClock
        let isActive: Bool

        var now: Instant { Instant(offset: clock.elapsed) }
        var minimumResolution: Duration { .zero }

        func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            try await clock.sleep(until: deadline.offset, isActive: isActive)
        }
    }
}
