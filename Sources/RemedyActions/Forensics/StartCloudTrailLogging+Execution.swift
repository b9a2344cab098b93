import RemedyAWS
import RemedyCore

extension StartCloudTrailLogging: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let trail = try parameters.string("trail")
        let cloudTrail = try context.clients.cloudTrail()
        let wasLogging = try await readingCall { () async throws(AWSError) in
            try await cloudTrail.isLogging(trail: trail)
        }
        if !wasLogging {
            try await mutatingCall { () async throws(AWSError) in try await cloudTrail.startLogging(trail: trail) }
        }
        return ActionResult(priorState: ["was_logging": .bool(wasLogging)])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let trail = try parameters.string("trail")
        let cloudTrail = try context.clients.cloudTrail()
        let logging = try await readingCall { () async throws(AWSError) in try await cloudTrail.isLogging(trail: trail)
        }
        return logging ? .done(ActionResult(verified: true)) : .notDone
    }
}
