extension Clock where Duration == Swift.Duration {
    /// Sleeps for `duration` in slices of at most `slice`, so that a cancelled sleep is let go of within a slice.
    ///
    /// A cancelled `Task.sleep` keeps its timer, and with it the sleeping task's memory, until the deadline it was
    /// given (swiftlang/swift#60441). Deadlines that are nearly always cancelled long before they fall (a step's
    /// ten-minute timeout, a lease's renewal) would each hold a few hundred bytes for their whole term: memory that
    /// grows with the rate of steps for ten minutes. Slices bound it to what one slice's worth of steps holds.
    public func sleep(for duration: Duration, inSlicesOf slice: Duration) async throws {
        let deadline = now.advanced(by: duration)
        while true {
            let now = self.now
            guard now < deadline else { return }
            try await sleep(until: Swift.min(deadline, now.advanced(by: slice)), tolerance: nil)
        }
    }
}
