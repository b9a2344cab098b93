import RemedyAWS
import RemedyCore

/// Detaches the instance from its Auto Scaling group, keeping the group's desired capacity, so the group neither
/// terminates it (health checks, scale-in) nor runs short. The group's name is journaled first
/// (`step.prior_state_captured`), so a probe after a crash can still say which group it left; it is not written to
/// the instance, whose tags whoever controls the instance can change.
extension DetachFromAutoScaling: ExecutableAction {
    /// States in which the instance has left, or is leaving, its group.
    static let leavingStates: Set<String> = ["Detaching", "Detached"]

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let autoScaling = try context.clients.autoScaling()
        let membership = try await readingCall { () async throws(AWSError) in
            try await autoScaling.membership(ofInstance: instanceID)
        }
        guard let membership, !leavingStates.contains(membership.lifecycleState) else {
            // Not in a group (or already leaving one): nothing changed, and `group` is null, not "".
            return ActionResult(outputs: ["group": membership.map { .string($0.group) } ?? .null])
        }
        let prior: JSONValue = ["group": .string(membership.group)]
        if context.request.capturedPriorState == nil { try await context.recordPriorState(prior) }
        try await mutatingCall { () async throws(AWSError) in
            try await autoScaling.detachInstance(instanceID, group: membership.group)
        }
        return ActionResult(outputs: ["group": .string(membership.group)], priorState: prior)
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let instanceID = try parameters.string("instance")
        let autoScaling = try context.clients.autoScaling()
        let membership = try await readingCall { () async throws(AWSError) in
            try await autoScaling.membership(ofInstance: instanceID)
        }
        if let membership, !leavingStates.contains(membership.lifecycleState) { return .notDone }
        let group = context.request.capturedPriorState?["group"]?.stringValue
        return .done(
            ActionResult(
                outputs: ["group": group.map(JSONValue.string) ?? .null],
                priorState: group.map { ["group": .string($0)] },
                verified: true
            )
        )
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard let group = priorState["group"]?.stringValue, !group.isEmpty else { return }
        let instanceID = try parameters.string("instance")
        let autoScaling = try context.clients.autoScaling()
        try await mutatingCall { () async throws(AWSError) in
            try await autoScaling.attachInstance(instanceID, group: group)
        }
    }
}
