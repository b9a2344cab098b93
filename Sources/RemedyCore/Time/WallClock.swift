import Foundation

/// The time of day, where remedy reads it for what it records or compares with other machines: journal times, gate
/// expiries, lease terms, credential expiry, the freshness of signed requests, retention dates.
///
/// One value handed down from the composition root, so that a test or an exercise sets every reader's time at once.
/// How long something takes, or how long to wait, is measured on a Swift `Clock` instead (`TimeSource`).
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) { self.read = read }

    public var now: Date { read() }

    public static let system = WallClock { Date() }
}

/// Where a run's time comes from: what it waits on, what its deadlines and lease renewals are measured on, and the
/// time of day.
///
/// The system's for a command or the server; an exercise's virtual time, where an hour passes in a second, tells
/// the first two apart (a retry's back-off is the run waiting; a step's deadline is a timer racing a call).
public struct TimeSource: Sendable {
    /// What retries' back-off, settling and `wait` steps sleep on.
    public var clock: any Clock<Duration>
    /// What a step's deadline and a lease's renewal are measured on.
    public var deadlineClock: any Clock<Duration>
    /// Journal times, gate expiries, lease terms, retention dates.
    public var wallClock: WallClock

    public init(clock: any Clock<Duration>, deadlineClock: (any Clock<Duration>)? = nil, wallClock: WallClock) {
        self.clock = clock
        self.deadlineClock = deadlineClock ?? clock
        self.wallClock = wallClock
    }

    public var now: Date { wallClock.now }

    public static let system = TimeSource(clock: ContinuousClock(), wallClock: .system)
}
