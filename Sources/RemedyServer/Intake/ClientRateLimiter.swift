/// A token bucket per client address: `rate` requests per second with `burst` above it.
///
/// Idle clients are forgotten once their bucket is full again, so a scan from many addresses cannot grow the table
/// past `capacity`; beyond it, unknown clients share one bucket until entries age out.
actor ClientRateLimiter {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    static let capacity = 100_000
    private static let sharedKey = "(overflow)"

    private let rate: Double
    private let burst: Double
    private let clock = ContinuousClock()
    private var buckets: [String: Bucket] = [:]
    private var lastSweep: ContinuousClock.Instant

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
        lastSweep = clock.now
    }

    /// Takes a token for `client`; nil when allowed, else the seconds to wait.
    func admit(_ client: String) -> Int? {
        let now = clock.now
        if now - lastSweep > .seconds(10) { sweep(now) }
        let key = buckets[client] != nil || buckets.count < Self.capacity ? client : Self.sharedKey
        var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
        bucket.tokens = min(burst, bucket.tokens + rate * (now - bucket.updated).seconds)
        bucket.updated = now
        defer { buckets[key] = bucket }
        guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))) }
        bucket.tokens -= 1
        return nil
    }

    private func sweep(_ now: ContinuousClock.Instant) {
        lastSweep = now
        buckets = buckets.filter { _, bucket in bucket.tokens + rate * (now - bucket.updated).seconds < burst }
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
