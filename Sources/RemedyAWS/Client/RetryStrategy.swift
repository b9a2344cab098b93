/// botocore's `standard` retry mode: a few attempts with capped exponential back-off and full jitter, paid for
/// from a retry quota shared by all calls through one client.
public struct RetryStrategy: Sendable {
    /// Attempts in total, the first included.
    public var maximumAttempts: Int
    /// Attempts in total while AWS answers with throttling: a throttled request was not performed, so waiting longer
    /// and asking again is safe, and the pacer slows the caller's whole bucket meanwhile (adaptive retry).
    public var maximumThrottledAttempts: Int
    /// Back-off scale: before attempt n+1 the wait is `random × min(scale × 2^(n-1), cap)`.
    public var scale: Duration
    public var cap: Duration

    public init(
        maximumAttempts: Int = 3,
        maximumThrottledAttempts: Int = 8,
        scale: Duration = .seconds(1),
        cap: Duration = .seconds(20)
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.maximumThrottledAttempts = max(self.maximumAttempts, maximumThrottledAttempts)
        self.scale = scale
        self.cap = cap
    }

    /// How long after a call began its last request may still be sent and take effect: at most `maximumAttempts`
    /// attempts can run into their timeout (a throttled one is answered, not performed), and every wait between
    /// attempts.
    public func settlingTime(timeout: Duration) -> Duration {
        timeout * maximumAttempts + cap * (maximumThrottledAttempts - 1)
    }

    /// The wait after failed attempt `attempt` (1-based), for a jitter `fraction` in [0, 1).
    public func delay(afterAttempt attempt: Int, fraction: Double) -> Duration {
        let exponential = scale * Double(1 << min(attempt - 1, 30))
        return min(exponential, cap) * fraction
    }
}

/// The client-side retry budget: 500 units; a retry costs 5 (10 after a timeout); a call that succeeds first time
/// returns 1, one that succeeds after retries returns what its retries cost.
public actor RetryQuota {
    public static let capacity = 500
    public static let retryCost = 5
    public static let timeoutRetryCost = 10

    public private(set) var available: Int

    public init(available: Int = RetryQuota.capacity) {
        self.available = available
    }

    /// Takes `cost` units if there are enough; false means no retry.
    func acquire(_ cost: Int) -> Bool {
        guard available >= cost else { return false }
        available -= cost
        return true
    }

    func release(_ amount: Int) {
        available = min(Self.capacity, available + amount)
    }
}
