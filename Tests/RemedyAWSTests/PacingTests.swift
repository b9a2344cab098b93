import Foundation
import RemedyAWS
import RemedyCore
import RemedyTestSupport
import Testing

@Suite struct PacingTests {
    @Test func aBurstPassesThenCallsAreSpacedAtTheRate() async throws {
        let clock = TestClock()
        let pacer = RequestPacer(defaultRate: .init(perSecond: 2, burst: 3), clock: clock)
        for _ in 0..<5 { try await pacer.acquire("ec2/us-east-1/1", service: "ec2") }
        // Three from the burst, then a 0.5 s wait each at 2 per second.
        #expect(clock.sleeps == [.milliseconds(500), .milliseconds(500)])
        // Another account has its own bucket.
        try await pacer.acquire("ec2/us-east-1/2", service: "ec2")
        #expect(clock.sleeps.count == 2)
    }
}
