import RemedyAWS
import RemedyCore

/// Stops the instance (memory is lost: playbooks put this last, behind approval). Undo starts it again when it was
/// running before.
extension StopInstance: ExecutableAction {
    static let stoppedStates: Set<String> = ["stopping", "stopped"]

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        let before = try await TagInstance.instance(instanceID, ec2).state
        if !stoppedStates.contains(before) {
            try await mutatingCall { () async throws(AWSError) in try await ec2.stopInstances(ids: [instanceID]) }
        }
        return ActionResult(priorState: ["state": .string(before)])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let state = try await TagInstance.instance(try parameters.string("instance"), try context.clients.ec2()).state
        return stoppedStates.contains(state) ? .done(ActionResult(verified: true)) : .notDone
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard let prior = priorState["state"]?.stringValue, prior == "running" || prior == "pending" else { return }
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        try await mutatingCall { () async throws(AWSError) in try await ec2.startInstances(ids: [instanceID]) }
    }
}
