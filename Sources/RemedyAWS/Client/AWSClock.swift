/// Time as the AWS client sees it: a monotonic reading and a way to wait.
///
/// Injected so that retry back-off and pacing can be tested without sleeping.
public protocol AWSClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    var now: Duration { get }
    func sleep(for duration: Duration) async throws
}

/// The system's monotonic clock.
public struct SystemAWSClock: AWSClock {
    private let origin = ContinuousClock.now

    public init() {}

    public var now: Duration { ContinuousClock.now - origin }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
