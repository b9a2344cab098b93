import RemedyAWS
import RemedyCore

/// Deregisters the instance from every ELBv2 target group that routes to it, on every port it is registered with;
/// undo registers it again on the same groups and ports.
extension DeregisterFromTargetGroups: ExecutableAction {
    /// Target states that no longer receive new traffic.
    static let gone: Set<String> = ["draining", "unused"]

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let elb = try context.clients.elbv2()
        let registrations = try await registrations(of: instanceID, elb)
        for registration in registrations {
            try await mutatingCall { () async throws(AWSError) in
                try await elb.deregisterTarget(
                    instanceID,
                    targetGroupARN: registration.targetGroup,
                    port: registration.port
                )
            }
        }
        let groups = Array(Set(registrations.map(\.targetGroup))).sorted()
        return ActionResult(
            outputs: ["target_groups": .array(groups.map(JSONValue.string))],
            priorState: [
                "registrations": .array(
                    registrations.map {
                        ["target_group": .string($0.targetGroup), "port": $0.port.map { .number(Double($0)) } ?? .null]
                    }
                )
            ]
        )
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let remaining = try await registrations(of: try parameters.string("instance"), try context.clients.elbv2())
        return remaining.isEmpty ? .done(ActionResult(verified: true)) : .notDone
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let instanceID = try parameters.string("instance")
        let elb = try context.clients.elbv2()
        for registration in priorState["registrations"]?.arrayValue ?? [] {
            guard let group = registration["target_group"]?.stringValue else { continue }
            let port = registration["port"]?.integerValue
            try await mutatingCall { () async throws(AWSError) in
                try await elb.registerTarget(instanceID, targetGroupARN: group, port: port)
            }
        }
    }

    /// Every target group and port the instance is registered with and still receives traffic on.
    static func registrations(
        of instanceID: String,
        _ elb: ELBv2Client
    ) async throws(ActionFailure)
        -> [(targetGroup: String, port: Int?)]
    {
        var found: [(targetGroup: String, port: Int?)] = []
        let groups = try await readingCall { () async throws(AWSError) in try await elb.targetGroupARNs() }
        for group in groups {
            let targets = try await readingCall { () async throws(AWSError) in try await elb.targets(ofGroup: group) }
            for target in targets where target.id == instanceID && !gone.contains(target.state) {
                found.append((group, target.port))
            }
        }
        return found
    }
}
