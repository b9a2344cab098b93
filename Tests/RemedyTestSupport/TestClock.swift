import Foundation
import RemedyCore
import Synchronization

/// Time in tests: a `Clock` whose sleeps return at once, moving time on by the time slept (each sleep recorded), and
/// the time of day that moves with it (`date`, `wallClock`); a test moves it on by hand too.
///
///     let clock = TestClock()
///     try await clock.sleep(for: .seconds(300))  // returns at once
///     #expect(clock.sleeps == [.seconds(300)])
///     clock.advance(by: .seconds(3600))          // an hour later, for gate expiries and credential lifetimes
///
/// `onSleep` runs after each sleep with the number of sleeps so far, so a test can change the world while the code
/// under test waits.
public final class TestClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    /// The date at offset zero.
    public let start: Date
    private let state = Mutex<(now: Instant, sleeps: [Duration])>((Instant(offset: .zero), []))
    private let onSleep: (@Sendable (Int) async -> Void)?

    public init(
        start: Date = Date(timeIntervalSince1970: 1_750_000_000),
        onSleep: (@Sendable (Int) async -> Void)? = nil
    ) {
        self.start = start
        self.onSleep = onSleep
    }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }
    /// Every sleep, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// The time of day now.
    public var date: Date { start.addingTimeInterval(now.offset.seconds) }

    /// This clock's time of day, for what takes a `WallClock`.
    public var wallClock: WallClock { WallClock { self.date } }

    /// Moves time on without anyone sleeping.
    public func advance(by duration: Duration) {
        state.withLock { $0.now = $0.now.advanced(by: duration) }
    }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        let count = state.withLock { state -> Int in
            state.sleeps.append(max(state.now.duration(to: deadline), .zero))
            if deadline > state.now { state.now = deadline }
            return state.sleeps.count
        }
        await onSleep?(count)
    }
}
