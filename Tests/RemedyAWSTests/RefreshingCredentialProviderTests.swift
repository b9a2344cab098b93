import Foundation
import RemedyAWS
import RemedyTestSupport
import Synchronization
import Testing

@Suite struct RefreshingCredentialProviderTests {
    /// A provider that counts fetches and hands out credentials expiring `lifetime` seconds after `time.date`.
    final class CountingProvider: AWSCredentialProvider {
        let time: TestClock
        let lifetime: TimeInterval?
        let failing = Atomic<Bool>(false)
        private let count = Atomic<Int>(0)

        init(time: TestClock, lifetime: TimeInterval? = 3600) {
            self.time = time
            self.lifetime = lifetime
        }

        var fetches: Int { count.load(ordering: .relaxed) }

        func credentials() async throws -> AWSCredentials {
            let number = count.wrappingAdd(1, ordering: .relaxed).newValue
            // Give concurrent callers time to pile up behind this fetch.
            for _ in 0..<10 { await Task.yield() }
            if failing.load(ordering: .relaxed) { throw CredentialError.noCredentials }
            return AWSCredentials(
                accessKeyID: "ASIA\(number)",
                secretAccessKey: "s",
                expiration: lifetime.map { time.date.addingTimeInterval($0) }
            )
        }
    }

    @Test func cachedCredentialsAreReturnedUntilTheRefreshWindow() async throws {
        let time = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let base = CountingProvider(time: time)
        let provider = RefreshingCredentialProvider(wrapping: base, wallClock: time.wallClock)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        time.advance(by: .seconds(3600 - 301))
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        time.advance(by: .seconds(2))
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
        #expect(base.fetches == 2)
    }

    @Test func credentialsWithoutExpirationAreFetchedOnce() async throws {
        let time = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let base = CountingProvider(time: time, lifetime: nil)
        let provider = RefreshingCredentialProvider(wrapping: base, wallClock: time.wallClock)
        _ = try await provider.credentials()
        time.advance(by: .seconds(86_400 * 365))
        _ = try await provider.credentials()
        #expect(base.fetches == 1)
    }

    @Test func oneHundredConcurrentCallersShareOneFetch() async throws {
        let time = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let base = CountingProvider(time: time)
        let provider = RefreshingCredentialProvider(wrapping: base, wallClock: time.wallClock)
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 { group.addTask { try await provider.credentials().accessKeyID } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(base.fetches == 1)
        #expect(keys == ["ASIA1"])
    }

    @Test func aFailedRefreshReturnsStillValidCredentials() async throws {
        let time = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let base = CountingProvider(time: time)
        let provider = RefreshingCredentialProvider(wrapping: base, wallClock: time.wallClock)
        _ = try await provider.credentials()
        base.failing.store(true, ordering: .relaxed)
        time.advance(by: .seconds(3600 - 60))
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        time.advance(by: .seconds(61))
        await #expect(throws: CredentialError.noCredentials) { try await provider.credentials() }
    }

    @Test func concurrentCallersShareAFailure() async throws {
        let time = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let base = CountingProvider(time: time)
        base.failing.store(true, ordering: .relaxed)
        let provider = RefreshingCredentialProvider(wrapping: base, wallClock: time.wallClock)
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { (try? await provider.credentials()) == nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 20)
        #expect(base.fetches < 20)
    }

    @Test func clockSkewMovesTheRefreshEarlier() async throws {
        let time = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let base = CountingProvider(time: time)
        let provider = RefreshingCredentialProvider(wrapping: base, clockSkew: .seconds(600), wallClock: time.wallClock)
        _ = try await provider.credentials()
        time.advance(by: .seconds(3600 - 902))
        _ = try await provider.credentials()
        #expect(base.fetches == 1)
        time.advance(by: .seconds(3))
        _ = try await provider.credentials()
        #expect(base.fetches == 2)
    }

    @Test func initialCredentialsAreServedWithoutAFetch() async throws {
        let time = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let base = CountingProvider(time: time)
        let seed = AWSCredentials(accessKeyID: "ASIASEED", secretAccessKey: "s", expiration: time.date + 3600)
        let provider = RefreshingCredentialProvider(wrapping: base, initial: seed, wallClock: time.wallClock)
        #expect(try await provider.credentials().accessKeyID == "ASIASEED")
        #expect(base.fetches == 0)
    }
}
