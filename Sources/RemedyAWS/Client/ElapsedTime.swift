/// A Swift `Clock` read as the time elapsed since it was handed in.
///
/// What retry back-off and pacing measure and wait on. Any clock will do (the system's, an exercise's virtual one, a
/// test's), so time has one kind of seam.
struct ElapsedTime: Sendable {
    /// Time since the clock was handed in.
    let now: @Sendable () -> Duration
    let sleep: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleep = { try await clock.sleep(for: $0) }
    }
}
