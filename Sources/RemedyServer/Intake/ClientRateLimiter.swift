/// A token bucket per client (`ClientAddress.bucket`): `rate` requests per second with `burst` above it.
///
/// Idle clients are forgotten once their bucket is full again, so a scan from many addresses cannot grow the table
/// past `capacity`; beyond it the longest-known buckets are dropped to make room. There is no shared overflow
/// bucket: a sender with many addresses cannot drain one bucket that every newcomer would then be refused from.
actor ClientRateLimiter {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let capacity: Int

    private let rate: Double
    private let burst: Double
    private let clock = ContinuousClock()
    private var buckets: [String: Bucket] = [:]
    /// Clients in the order their buckets were made, for dropping the oldest when full (entries already swept or
    /// dropped are skipped).
    private var order: [String] = []
    private var head = 0
    private var lastSweep: ContinuousClock.Instant

    init(rate: Double, burst: Double, capacity: Int = 100_000) {
        self.rate = rate
        self.burst = max(1, burst)
        self.capacity = max(1, capacity)
        lastSweep = clock.now
    }

    /// Takes a token for `client`; nil when allowed, else the seconds to wait.
    func admit(_ client: String) -> Int? {
        let now = clock.now
        if now - lastSweep > .seconds(10) { sweep(now) }
        if buckets[client] == nil {
            if buckets.count >= capacity { sweep(now) }
            while buckets.count >= capacity, head < order.count {
                buckets[order[head]] = nil
                head += 1
            }
            order.append(client)
            if head > 4_096, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
        var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
        bucket.tokens = min(burst, bucket.tokens + rate * (now - bucket.updated).seconds)
        bucket.updated = now
        defer { buckets[client] = bucket }
        guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))) }
        bucket.tokens -= 1
        return nil
    }

    private func sweep(_ now: ContinuousClock.Instant) {
        lastSweep = now
        buckets = buckets.filter { _, bucket in bucket.tokens + rate * (now - bucket.updated).seconds < burst }
        order = order[head...].filter { buckets[$0] != nil }
        head = 0
    }

    /// How many clients have a bucket.
    var count: Int { buckets.count }
}
