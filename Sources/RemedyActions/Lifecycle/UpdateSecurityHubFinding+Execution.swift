import RemedyAWS
import RemedyCore

extension UpdateSecurityHubFinding: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let finding = try securityHubFinding(context)
        let status = try parameters.string("status")
        let hub = try context.clients.securityHub()
        let unprocessed = try await mutatingCall { () async throws(AWSError) in
            try await hub.batchUpdateFindings(
                findings: [(finding.id, finding.productARN)],
                workflowStatus: status,
                note: parameters.optionalString("note")
            )
        }
        if let refused = unprocessed.first {
            throw ActionFailure(
                .permanent,
                code: "FindingNotUpdated",
                message: "Security Hub did not update finding \(refused.id): \(refused.reason)"
            )
        }
        return ActionResult()
    }

    /// The finding's workflow status (and note, when one was given) read back with `GetFindings`.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let finding = try securityHubFinding(context)
        let hub = try context.clients.securityHub()
        let found = try await readingCall { () async throws(AWSError) in try await hub.getFindings(ids: [finding.id]) }
        guard let current = found.first,
            current["Workflow"]?["Status"]?.stringValue == (try parameters.string("status"))
        else { return .notDone }
        if let note = parameters.optionalString("note"), note.contains(where: { !$0.isWhitespace }),
            current["Note"]?["Text"]?.stringValue != String(note.prefix(512))
        {
            return .notDone
        }
        return .done(ActionResult(verified: true))
    }

    /// The run's finding as Security Hub knows it: its ASFF id and product ARN.
    static func securityHubFinding(_ context: ActionContext) throws(ActionFailure) -> (id: String, productARN: String) {
        guard let finding = context.request.finding, let id = finding["id"]?.stringValue,
            let productARN = finding["productArn"]?.stringValue
        else {
            throw ActionFailure(
                .permanent,
                code: "NoSecurityHubFinding",
                message: "the run's finding is not a Security Hub finding (no id and product ARN); "
                    + "guard the step with when: \"{{ finding.source == 'securityhub' }}\""
            )
        }
        return (id, productARN)
    }
}
