import RemedyAWS
import RemedyCore

/// Preserve the evidence (docs/containment.md#evidence-preservation): termination protection on, every EBS volume
/// kept on termination, and an operating-system shutdown stops rather than terminates. Only what differs is changed;
/// undo restores each value.
///
/// The prior values are journaled before the first change (`step.prior_state_captured`), so a probe after a crash can
/// still give undo what it needs. They are not kept on the instance: a tag there is writable by whoever controls the
/// instance, and undo would restore what they wrote. `ModifyInstanceAttribute` sets each value outright and applies it
/// before answering, so the answers are the post-condition and nothing is read back.
extension EnableTerminationProtection: AnswerVerifiedAction {
    struct Preservation: Hashable {
        var terminationProtected: Bool
        var shutdownBehavior: String
        /// Delete-on-termination per device name.
        var deleteOnTermination: [String: Bool]

        var isPreserved: Bool {
            terminationProtected && shutdownBehavior == "stop" && !deleteOnTermination.values.contains(true)
        }

        var json: JSONValue {
            [
                "termination_protection": .bool(terminationProtected),
                "shutdown_behavior": .string(shutdownBehavior),
                "delete_on_termination": .object(deleteOnTermination.mapValues(JSONValue.bool)),
            ]
        }
    }

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        let current = try await preservation(of: instanceID, ec2)
        // An earlier attempt's capture wins: that attempt may already have changed some of the values.
        let prior = context.request.capturedPriorState ?? current.json
        if !current.isPreserved, context.request.capturedPriorState == nil {
            try await context.recordPriorState(prior)
        }
        if !current.terminationProtected {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.setTerminationProtection(instanceID: instanceID, enabled: true)
            }
        }
        if current.shutdownBehavior != "stop" {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.setShutdownBehavior(instanceID: instanceID, "stop")
            }
        }
        for (device, delete) in current.deleteOnTermination.sorted(by: { $0.key < $1.key }) where delete {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.setDeleteOnTermination(instanceID: instanceID, deviceName: device, false)
            }
        }
        return ActionResult(priorState: prior)
    }

    /// Done when every value is preserved; the prior values are the ones journaled before the first change (none
    /// when the instance was preserved already, and then undo has nothing to restore).
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let instanceID = try parameters.string("instance")
        guard try await preservation(of: instanceID, try context.clients.ec2()).isPreserved else { return .notDone }
        return .done(ActionResult(priorState: context.request.capturedPriorState, verified: true))
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        if priorState["termination_protection"]?.boolValue == false {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.setTerminationProtection(instanceID: instanceID, enabled: false)
            }
        }
        if let behavior = priorState["shutdown_behavior"]?.stringValue, behavior != "stop" {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.setShutdownBehavior(instanceID: instanceID, behavior)
            }
        }
        let devices = priorState["delete_on_termination"]?.objectValue ?? [:]
        for (device, delete) in devices.sorted(by: { $0.key < $1.key }) where delete.boolValue == true {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.setDeleteOnTermination(instanceID: instanceID, deviceName: device, true)
            }
        }
    }

    static func preservation(of instanceID: String, _ ec2: EC2Client) async throws(ActionFailure) -> Preservation {
        let instance = try await TagInstance.instance(instanceID, ec2)
        let protected = try await readingCall { () async throws(AWSError) in
            try await ec2.instanceAttribute(instanceID, "disableApiTermination")
        }
        let behavior = try await readingCall { () async throws(AWSError) in
            try await ec2.instanceAttribute(instanceID, "instanceInitiatedShutdownBehavior")
        }
        return Preservation(
            terminationProtected: protected == "true",
            shutdownBehavior: behavior ?? "stop",
            deleteOnTermination: Dictionary(
                instance.volumes.map { ($0.deviceName, $0.deleteOnTermination) },
                uniquingKeysWith: { first, _ in first }
            )
        )
    }
}
