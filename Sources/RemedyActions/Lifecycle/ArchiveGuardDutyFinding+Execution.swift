import RemedyAWS
import RemedyCore

extension ArchiveGuardDutyFinding: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let guardDuty = try context.clients.guardDuty()
        let (detector, finding) = try await target(context, guardDuty)
        let wasArchived = try await isArchived(finding, detector: detector, guardDuty)
        if !wasArchived {
            try await mutatingCall { () async throws(AWSError) in
                try await guardDuty.archiveFindings(detectorID: detector, ids: [finding])
            }
        }
        return ActionResult(
            priorState: [
                "detector_id": .string(detector), "finding_id": .string(finding), "was_archived": .bool(wasArchived),
            ]
        )
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let guardDuty = try context.clients.guardDuty()
        let (detector, finding) = try await target(context, guardDuty)
        return try await isArchived(finding, detector: detector, guardDuty)
            ? .done(ActionResult(verified: true)) : .notDone
    }

    /// Returns the finding to the current list, unless it was archived before the step.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard priorState["was_archived"]?.boolValue == false,
            let detector = priorState["detector_id"]?.stringValue,
            let finding = priorState["finding_id"]?.stringValue
        else { return }
        let guardDuty = try context.clients.guardDuty()
        try await mutatingCall { () async throws(AWSError) in
            try await guardDuty.unarchiveFindings(detectorID: detector, ids: [finding])
        }
    }

    /// The detector and finding id of the run's GuardDuty finding; the detector from the finding itself
    /// (`service.detectorId`), else the region's detector.
    static func target(
        _ context: ActionContext,
        _ guardDuty: GuardDutyClient
    ) async throws(ActionFailure) -> (detector: String, finding: String) {
        guard let finding = context.request.finding, finding["source"]?.stringValue == "guardduty",
            let id = finding["id"]?.stringValue
        else {
            throw ActionFailure(
                .permanent,
                code: "NoGuardDutyFinding",
                message: "the run's finding is not a GuardDuty finding; "
                    + "guard the step with when: \"{{ finding.source == 'guardduty' }}\""
            )
        }
        let raw = finding["raw"]
        let named = [
            raw?["service"]?["detectorId"], raw?["detail"]?["service"]?["detectorId"], raw?["Service"]?["DetectorId"],
        ]
        .compactMap { $0?.stringValue }.first
        if let named { return (named, id) }
        let detectors = try await readingCall { () async throws(AWSError) in try await guardDuty.listDetectors() }
        guard let detector = detectors.first else {
            throw ActionFailure(.permanent, code: "NoDetector", message: "GuardDuty has no detector in this region")
        }
        return (detector, id)
    }

    static func isArchived(
        _ finding: String,
        detector: String,
        _ guardDuty: GuardDutyClient
    ) async throws(ActionFailure) -> Bool {
        let found = try await readingCall { () async throws(AWSError) in
            try await guardDuty.getFindings(detectorID: detector, ids: [finding])
        }
        guard let current = found.first else {
            throw ActionFailure(
                .permanent,
                code: "FindingNotFound",
                message: "GuardDuty detector \(detector) has no finding \(finding)"
            )
        }
        return current["service"]?["archived"]?.boolValue == true
    }
}
