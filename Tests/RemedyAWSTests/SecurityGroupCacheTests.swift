import Foundation
import RemedyCore
import Synchronization
import Testing

@testable import RemedyActions

final class Lookups: Sendable {
    let count = Mutex(0)
}

/// Runs that share one security-group lookup do not all fail with the one run's failure.
@Suite struct SecurityGroupCacheTests {
    @Test func aWaiterWhoseSharedLookupFailedLooksAgainItself() async throws {
        let cache = SecurityGroupCache()
        let key = SecurityGroupCache.Key(
            account: "123456789012",
            region: "us-east-1",
            vpcID: "vpc-1",
            name: "isolation"
        )
        let lookups = Lookups()
        // The first run's lookup fails after a while (a reset on CreateSecurityGroup); later lookups succeed
        let first = Task {
            try await cache.groupID(key) { () async throws(ActionFailure) -> String in
                lookups.count.withLock { $0 += 1 }
                try? await Task.sleep(for: .milliseconds(300))
                throw ActionFailure(.inDoubt, code: "ConnectionReset", message: "reset by peer")
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        // Seven runs wait on it meanwhile
        let waiters = (0..<7).map { _ in
            Task {
                try await cache.groupID(key) { () async throws(ActionFailure) -> String in
                    lookups.count.withLock { $0 += 1 }
                    return "sg-0123456789abcdef0"
                }
            }
        }
        // Then the run whose lookup failed fails, and every waiter gets the group from one lookup of their own
        await #expect(throws: ActionFailure.self) { _ = try await first.value }
        for waiter in waiters { #expect(try await waiter.value == "sg-0123456789abcdef0") }
        #expect(lookups.count.withLock { $0 } == 2)
    }
}
