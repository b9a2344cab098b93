import RemedyCore
import Synchronization
import Testing

/// Long sleeps that are nearly always cancelled go in slices (swiftlang/swift#60441 keeps a cancelled sleep's memory
/// until its deadline).
@Suite struct SlicedSleepTests {
    /// A clock whose sleeps end at once, moving its time to their deadline and noting each.
    final class JumpingClock: Clock, Sendable {
        struct Instant: InstantProtocol {
            var offset: Duration
            func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
            func duration(to other: Instant) -> Duration { other.offset - offset }
            static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        }

        private let state = Mutex((now: Instant(offset: .zero), sleeps: [Duration]()))
        var now: Instant { state.withLock { $0.now } }
        var minimumResolution: Duration { .nanoseconds(1) }
        var sleeps: [Duration] { state.withLock { $0.sleeps } }

        func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            state.withLock { state in
                state.sleeps.append(state.now.duration(to: deadline))
                state.now = deadline
            }
        }
    }

    @Test func aLongSleepEndsAtItsDeadlineInSlicesOfAtMostTheSlice() async throws {
        let clock = JumpingClock()
        try await clock.sleep(for: .milliseconds(3_500), inSlicesOf: .seconds(1))
        #expect(clock.sleeps == [.seconds(1), .seconds(1), .seconds(1), .milliseconds(500)])
        #expect(clock.now.offset == .milliseconds(3_500))
    }

    @Test func aCancelledSleepEndsWithinASlice() async throws {
        let sleeper = Task { try await ContinuousClock().sleep(for: .seconds(600), inSlicesOf: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }
}
