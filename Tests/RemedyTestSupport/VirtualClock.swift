import Synchronization

/// A `Clock` whose sleeps return at once, moving virtual time forward by the time slept; it records every sleep.
///
///     let clock = VirtualClock()
///     try await clock.sleep(for: .seconds(300))  // returns at once
///     #expect(clock.sleeps == [.seconds(300)])
///
/// `onSleep` runs after each sleep with the number of sleeps so far, so a test can change the world while the code
/// under test waits.
public final class VirtualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = Mutex<(now: Instant, sleeps: [Duration])>((Instant(offset: .zero), []))
    private let onSleep: (@Sendable (Int) async -> Void)?

    public init(onSleep: (@Sendable (Int) async -> Void)? = nil) {
        self.onSleep = onSleep
    }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }
    /// Every sleep, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

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
