import RemedyCore

extension RunReport {
    /// The report as JSON, for `--output json` and the approvals API.
    public var json: JSONValue {
        [
            "runId": .string(runID), "playbook": .string(playbook), "status": .string(status.rawValue),
            "mode": .string(mode.rawValue), "waitingAt": waitingAt.map(JSONValue.string) ?? .null,
            "gate": waitingGate.map(Self.json) ?? .null,
            "failure": failureReason.map(JSONValue.string) ?? .null,
            "case": caseID.map(JSONValue.string) ?? .null,
            "alreadyContainedBy": alreadyContainedBy.map(JSONValue.string) ?? .null,
            "alsoApproved": .array(alsoApproved.map(JSONValue.string)),
            "steps": .array(
                steps.map { step in
                    [
                        "id": .string(step.id), "status": .string(step.status.rawValue),
                        "outputs": .object(step.outputs),
                        "verdict": step.verdict.map(JSONValue.string) ?? .null,
                        "failure": step.failure.map(JSONValue.string) ?? .null,
                    ]
                }
            ),
        ]
    }

    private static func json(_ gate: GateProgress) -> JSONValue {
        [
            "approvers": .array(gate.principals.map(JSONValue.string)),
            "minimumApprovals": .number(Double(gate.minimumApprovals)), "expiresAt": .string(gate.expiresAt),
            "campaignWindowSeconds": gate.campaignWindow.map { .number($0.seconds) } ?? .null,
            "message": gate.message.map(JSONValue.string) ?? .null,
            "decisions": .array(
                gate.decisions.map { decision in
                    [
                        "principal": .string(decision.principal),
                        "decision": .string(decision.isApproval ? "approve" : "deny"),
                        "comment": decision.comment.map(JSONValue.string) ?? .null,
                        "channel": .string(decision.channel), "at": .string(decision.decidedAt),
                        "campaignRun": decision.campaignRun.map(JSONValue.string) ?? .null,
                    ]
                }
            ),
        ]
    }
}
