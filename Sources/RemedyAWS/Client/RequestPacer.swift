import RemedyCore

/// Client-side pacing: a token bucket per service, region and account, so a storm of remediations slows down
/// before AWS throttles it.
public actor RequestPacer {
    /// Sustained requests per second and the burst allowed above it.
    public struct Rate: Sendable, Hashable {
        public var perSecond: Double
        public var burst: Double

        public init(perSecond: Double, burst: Double) {
            self.perSecond = perSecond
            self.burst = burst
        }

        /// Below the published default limits of the control-plane APIs remedy calls (EC2 mutating calls start at
        /// 5 per second sustained with bursts of 50; IAM is similar).
        public static let conservative = Rate(perSecond: 5, burst: 20)
    }

    struct Bucket {
        var tokens: Double
        var updated: Duration
    }

    private let clock: ElapsedTime
    private let defaultRate: Rate
    private var rates: [String: Rate]
    private var buckets: [String: Bucket] = [:]
    /// How much of its rate a bucket may use now, from 1 down to `minimumShare`: cut to 70% (botocore's adaptive
    /// mode's factor) when AWS throttles a call, won back a step with each call answered.
    private var shares: [String: Double] = [:]
    static let minimumShare = 1.0 / 16
    static let throttledFactor = 0.7
    static let recoveryStep = 0.05

    public init(
        defaultRate: Rate = .conservative,
        rates: [String: Rate] = [:],
        clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.defaultRate = defaultRate
        self.rates = rates
        self.clock = ElapsedTime(clock)
    }

    /// Waits until a request for `key` (`service/region/account`) may go, then takes its token.
    public func acquire(_ key: String, service: String) async throws {
        let wait = reserve(key, service: service)
        if wait > .zero { try await clock.sleep(wait) }
    }

    /// Takes a token now, going into debt if none is left, and says how long the caller must wait for it.
    ///
    /// Reserving in the actor and sleeping outside it keeps concurrent callers in arrival order.
    func reserve(_ key: String, service: String) -> Duration {
        let configured = rates[service] ?? defaultRate
        let share = shares[key] ?? 1
        let rate = Rate(perSecond: configured.perSecond * share, burst: max(1, configured.burst * share))
        let now = clock.now()
        var bucket = buckets[key] ?? Bucket(tokens: rate.burst, updated: now)
        let elapsed = (now - bucket.updated).seconds
        bucket.tokens = min(rate.burst, bucket.tokens + elapsed * rate.perSecond)
        bucket.updated = now
        bucket.tokens -= 1
        buckets[key] = bucket
        guard bucket.tokens < 0 else { return .zero }
        return .seconds(-bucket.tokens / rate.perSecond)
    }

    /// AWS throttled a call of `key`'s bucket: its rate is cut, and the tokens it held go.
    public func throttled(_ key: String) {
        let share = max(Self.minimumShare, (shares[key] ?? 1) * Self.throttledFactor)
        shares[key] = share
        if var bucket = buckets[key] {
            bucket.tokens = min(bucket.tokens, 0)
            buckets[key] = bucket
        }
    }

    /// A call of `key`'s bucket was answered: a throttled bucket wins back some of its rate.
    public func succeeded(_ key: String) {
        guard let share = shares[key] else { return }
        let next = share + Self.recoveryStep
        shares[key] = next >= 1 ? nil : next
    }

    /// The share of its configured rate `key`'s bucket may use now: for tests and metrics.
    public func share(of key: String) -> Double { shares[key] ?? 1 }
}
