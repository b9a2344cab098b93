import RemedyAWS
import RemedyCore

/// Sleeps on the context's clock, so tests and exercises wait in virtual time; cancelling the task (shutdown) ends
/// the wait at once.
extension Wait: TracelessAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let duration = try parameters.duration("duration", default: .zero)
        guard context.request.mode == .live else {
            return ActionResult(dryRunVerdict: "would wait \(duration) (not waited in dry-run)")
        }
        try await sleep(for: duration, on: context.clock)
        return ActionResult()
    }

    static func sleep(for duration: Duration, on clock: any Clock<Duration>) async throws(ActionFailure) {
        do {
            try await clock.sleep(for: duration)
        } catch {
            throw ActionFailure(.retryable, code: "Cancelled", message: "the wait was cancelled (shutting down)")
        }
    }
}

/// Polls a read-only condition on the context's clock until it holds; past the timeout the step fails
/// (`WaitTimedOut`, permanent).
extension WaitFor: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let condition = try parameters.string("condition")
        let resources = parameters.stringList("resources")
        let timeout = try parameters.duration("timeout", default: .seconds(15 * 60))
        let interval = max(try parameters.duration("interval", default: .seconds(15)), .milliseconds(1))
        guard context.request.mode == .live else {
            let holds = try await holds(condition, resources, context)
            return ActionResult(
                dryRunVerdict: holds ? "\(condition) already holds" : "would wait up to \(timeout) for \(condition)"
            )
        }
        try await poll(context.clock, timeout: timeout, interval: interval) { () async throws(ActionFailure) in
            try await holds(condition, resources, context)
        } onTimeout: {
            ActionFailure(
                .permanent,
                code: "WaitTimedOut",
                message: "\(condition) did not hold for \(resources.joined(separator: ", ")) within \(timeout)"
            )
        }
        return ActionResult()
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let condition = try parameters.string("condition")
        let holds = try await holds(condition, parameters.stringList("resources"), context)
        return holds ? .done(ActionResult(verified: true)) : .notDone
    }

    static func poll<C: Clock>(
        _ clock: C,
        timeout: Duration,
        interval: Duration,
        until condition: () async throws(ActionFailure) -> Bool,
        onTimeout: () -> ActionFailure
    ) async throws(ActionFailure) where C.Duration == Duration {
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if try await condition() { return }
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { throw onTimeout() }
            try await Wait.sleep(for: min(interval, remaining), on: clock)
        }
    }

    /// Whether the condition holds for every resource now; a resource that can no longer get there fails the step.
    static func holds(
        _ condition: String,
        _ resources: [String],
        _ context: ActionContext
    ) async throws(ActionFailure) -> Bool {
        switch condition {
        case "snapshots_completed":
            let ec2 = try context.clients.ec2()
            let snapshots = try await readingCall { () async throws(AWSError) in
                try await ec2.describeSnapshots(filters: ["snapshot-id": resources])
            }
            if let failed = snapshots.first(where: { $0.state == "error" }) {
                throw ActionFailure(.permanent, code: "SnapshotFailed", message: "snapshot \(failed.id) failed")
            }
            let completed = Set(snapshots.filter { $0.state == "completed" }.map(\.id))
            return Set(resources).isSubset(of: completed)
        case "instance_stopped":
            let ec2 = try context.clients.ec2()
            let instances = try await readingCall { () async throws(AWSError) in
                try await ec2.describeInstances(ids: resources)
            }
            if let gone = instances.first(where: { ["terminated", "shutting-down"].contains($0.state) }) {
                throw ActionFailure(
                    .permanent,
                    code: "InstanceTerminated",
                    message: "instance \(gone.id) is \(gone.state)"
                )
            }
            let stopped = Set(instances.filter { $0.state == "stopped" }.map(\.id))
            return Set(resources).isSubset(of: stopped)
        case "access_key_inactive":
            let iam = try context.clients.iam()
            for key in resources {
                let owner = try await readingCall { () async throws(AWSError) in try await iam.accessKeyOwner(key) }
                guard let owner else { return false }
                let keys = try await readingCall { () async throws(AWSError) in
                    try await iam.listAccessKeys(user: owner)
                }
                guard keys.first(where: { $0.id == key })?.status == "Inactive" else { return false }
            }
            return true
        default:
            throw ActionParameters.missing("condition", "snapshots_completed, instance_stopped or access_key_inactive")
        }
    }
}
