import Foundation
import RemedyAWS
import RemedyCore

/// `PutRolePolicy` / `PutUserPolicy` set the whole document and apply it before answering, so the answer is the
/// post-condition: nothing is read back to verify it.
extension RevokeSessions: AnswerVerifiedAction {
    /// The name the console's "Revoke active sessions" uses: a later revocation replaces an earlier one.
    static let policyName = "AWSRevokeOlderSessions"

    /// The statement id that marks the policy as this step's work (a `Sid` allows letters and digits only).
    static func statementID(_ context: ActionContext) -> String {
        "RemedyRevoke" + IdempotencyToken.hex(context.request.idempotencyKey)
    }

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        // The run's clock: virtual in an exercise, so the condition matches the timeline the report shows.
        let now = ISO8601.format(context.wallClock.now)
        let document: JSONValue = [
            "Version": "2012-10-17",
            "Statement": [
                [
                    "Sid": .string(statementID(context)), "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                    "Condition": ["DateLessThan": ["aws:TokenIssueTime": .string(now)]],
                ]
            ],
        ]
        return try await InlinePolicyOnPrincipal.write(
            policyName: policyName,
            document: document,
            outputs: ["revoked_before": .string(now)],
            parameters,
            in: context
        )
    }

    /// Done when the principal's `AWSRevokeOlderSessions` policy is the one this step wrote (its statement id):
    /// an older revocation does not cover sessions issued since.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let statements = try await InlinePolicyOnPrincipal.statements(policyName: policyName, parameters, in: context)
        guard
            let statement = statements?.first(where: {
                $0["Sid"]?.stringValue == statementID(context) && PolicyDocument.deniesEverything($0)
            }),
            let before = statement["Condition"]?["DateLessThan"]?["aws:TokenIssueTime"]?.stringValue
        else { return .notDone }
        return .done(
            ActionResult(
                outputs: ["policy_name": .string(policyName), "revoked_before": .string(before)],
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
        try await InlinePolicyOnPrincipal.restore(parameters, priorState: priorState, in: context)
    }
}
