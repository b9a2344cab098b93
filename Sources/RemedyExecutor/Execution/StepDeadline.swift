import RemedyCore

/// Bounds one action call in time.
///
/// Past the deadline the call is abandoned and its outcome is in doubt: the request may have reached AWS, so the
/// step is settled by a probe, never by calling again.
struct StepDeadline: Sendable {
    var timeout: Duration
    var clock: any Clock<Duration>

    func run<Value: Sendable>(
        _ operation: @escaping @Sendable () async throws(ActionFailure) -> Value
    ) async throws(ActionFailure) -> Value {
        let timeout = timeout
        let clock = clock
        let first = await withTaskGroup(of: Result<Value, ActionFailure>.self) { group in
            group.addTask {
                do throws(ActionFailure) {
                    return .success(try await operation())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do {
                    // Nearly always cancelled when the call answers: sliced, so its memory goes with it.
                    try await clock.sleep(for: timeout, inSlicesOf: .seconds(1))
                    return .failure(
                        ActionFailure(
                            .inDoubt,
                            code: "StepTimedOut",
                            message: "no answer within \(timeout.seconds.formatted())s; a probe decides whether the "
                                + "call took effect"
                        )
                    )
                } catch {
                    return .failure(
                        ActionFailure(
                            .inDoubt,
                            code: "StepCancelled",
                            message: "the step was cancelled during its call; a probe decides whether it took effect"
                        )
                    )
                }
            }
            // Both children always return, so `next()` has a value; cancelling ends the other one.
            let first = await group.next() ?? .failure(ActionFailure(.inDoubt, code: "StepCancelled", message: ""))
            group.cancelAll()
            return first
        }
        return try first.get()
    }
}

extension Double {
    /// `2`, `0.5`: seconds as a person writes them.
    fileprivate func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
