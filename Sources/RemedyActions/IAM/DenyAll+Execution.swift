import RemedyAWS
import RemedyCore

extension DenyAll: ExecutableAction {
    static let policyName = "RemedyDenyAll"

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let document: JSONValue = [
            "Version": "2012-10-17",
            "Statement": [["Sid": "RemedyQuarantine", "Effect": "Deny", "Action": "*", "Resource": "*"]],
        ]
        return try await InlinePolicyOnPrincipal.write(
            policyName: policyName,
            document: document,
            outputs: [:],
            parameters,
            in: context
        )
    }

    /// Done when the principal's `RemedyDenyAll` policy denies everything without a condition: the target state,
    /// whoever wrote it.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let statements = try await InlinePolicyOnPrincipal.statements(policyName: policyName, parameters, in: context)
        guard
            statements?.contains(where: { PolicyDocument.deniesEverything($0) && $0["Condition"] == nil }) == true
        else { return .notDone }
        return .done(ActionResult(outputs: ["policy_name": .string(policyName)], verified: true))
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        try await InlinePolicyOnPrincipal.restore(parameters, priorState: priorState, in: context)
    }
}
