import RemedyCore
import RemedyTestSupport
import Testing

/// Long sleeps that are nearly always cancelled go in slices (swiftlang/swift#60441 keeps a cancelled sleep's memory
/// until its deadline).
@Suite struct SlicedSleepTests {
    @Test func aLongSleepEndsAtItsDeadlineInSlicesOfAtMostTheSlice() async throws {
        let clock = TestClock()
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
