import RemedyAWS
import RemedyCore

/// `ec2.terminate_stopped_instance` (EC2.4): removes an instance left stopped, after its owner's approval.
///
/// Irreversible, so it refuses what the control does not ask for: an instance that is not stopped, or one with
/// termination protection (someone decided it must stay). Snapshot its volumes first if they may matter.
public struct TerminateStoppedInstance: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "ec2.terminate_stopped_instance",
        summary: "Terminate a stopped EC2 instance; one running, or protected from termination, is refused",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "the instance")],
        outputs: [
            OutputSpec("state_before", .string, nullable: true, summary: "the instance's state when the step ran")
        ],
        permissions: ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:TerminateInstances"],
        isMutating: true,
        isDisruptive: true
    )
}

extension TerminateStoppedInstance: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instance = try parameters.identifier("instance", .instanceID)
        let ec2 = try context.clients.ec2()
        let (state, isProtected) = try await readingCall { () async throws(AWSError) in
            (
                try await ec2.describeInstances(ids: [instance]).first?.state,
                try await ec2.instanceAttribute(instance, "disableApiTermination") == "true"
            )
        }
        if state == "terminated" || state == "shutting-down" {
            return ActionResult(outputs: ["state_before": .string(state ?? "")])
        }
        guard state == "stopped" else {
            throw ActionFailure(
                .permanent,
                code: "InstanceNotStopped",
                message:
                    "instance \(instance) is \(state ?? "not found"), not stopped: remedy terminates only stopped instances"
            )
        }
        guard !isProtected else {
            throw ActionFailure(
                .permanent,
                code: "TerminationProtected",
                message:
                    "instance \(instance) has termination protection: someone decided it must stay; remove it first"
            )
        }
        try await mutatingCall { () async throws(AWSError) in try await ec2.terminateInstances(ids: [instance]) }
        return ActionResult(outputs: ["state_before": "stopped"])
    }

    /// Done once the instance is terminating or gone.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let instance = try parameters.identifier("instance", .instanceID)
        let ec2 = try context.clients.ec2()
        let state = try await readingCall { () async throws(AWSError) in
            try await ec2.describeInstances(ids: [instance]).first?.state
        }
        guard state == "terminated" || state == "shutting-down" else { return .notDone }
        return .done(ActionResult(outputs: ["state_before": .null], verified: true))
    }
}

/// `secretsmanager.delete_unused_secret` (SecretsManager.3): schedules deletion of a secret nobody has read for
/// the given time, with a 30-day recovery window; undo restores it within that window.
public struct DeleteUnusedSecret: RemediationAction {
    static let recoveryDays = 30

    public static let descriptor = ActionDescriptor(
        name: "secretsmanager.delete_unused_secret",
        summary: "Schedule deletion of a secret not read for 90 days (or the time given), recoverable for 30 days; "
            + "a secret read since is refused",
        parameters: [
            ParameterSpec("secret", .identifier(.secretID), summary: "the secret's name or ARN"),
            ParameterSpec("unused_for", .duration, required: false, summary: "how long unread; 90d if absent"),
        ],
        outputs: [OutputSpec("deletion_date", .string, nullable: true, summary: "when Secrets Manager deletes it")],
        permissions: ["secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret", "secretsmanager:RestoreSecret"],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}

extension DeleteUnusedSecret: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let secret = try parameters.identifier("secret", .secretID)
        let unusedFor = try parameters.duration("unused_for", default: .seconds(90 * 86_400))
        let secrets = try context.clients.secretsManager()
        let usage = try await readingCall { () async throws(AWSError) in try await secrets.usage(secret) }
        if let deleted = usage.deletedDate {
            // Already scheduled (an earlier attempt, or its owner): nothing changes, nothing to undo.
            return ActionResult(outputs: ["deletion_date": .string(Timestamp.format(deleted))])
        }
        let cutoff = context.wallClock.now.addingTimeInterval(-Double(unusedFor.components.seconds))
        if let read = usage.lastAccessedDate, read > cutoff {
            throw ActionFailure(
                .permanent,
                code: "SecretInUse",
                message:
                    "secret \(secret) was read on \(Timestamp.format(read)): it is in use; remedy deletes only unused secrets"
            )
        }
        try await context.recordPriorState(["scheduled_for_deletion": true])
        let deletion = try await mutatingCall { () async throws(AWSError) in
            try await secrets.scheduleDeletion(secret, recoveryDays: recoveryDays)
        }
        return ActionResult(
            outputs: ["deletion_date": deletion.map { .string(Timestamp.format($0)) } ?? .null],
            priorState: ["scheduled_for_deletion": true]
        )
    }

    /// Done once the secret is scheduled for deletion.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let secret = try parameters.identifier("secret", .secretID)
        let secrets = try context.clients.secretsManager()
        let usage = try await readingCall { () async throws(AWSError) in try await secrets.usage(secret) }
        guard let deleted = usage.deletedDate else { return .notDone }
        return .done(ActionResult(outputs: ["deletion_date": .string(Timestamp.format(deleted))], verified: true))
    }

    /// Cancels the deletion the step scheduled (possible within the recovery window).
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard priorState["scheduled_for_deletion"] == true else { return }
        let secret = try parameters.identifier("secret", .secretID)
        let secrets = try context.clients.secretsManager()
        try await mutatingCall { () async throws(AWSError) in try await secrets.restore(secret) }
    }
}
