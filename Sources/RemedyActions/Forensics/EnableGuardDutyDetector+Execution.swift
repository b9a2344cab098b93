import RemedyAWS
import RemedyCore

extension EnableGuardDutyDetector: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let guardDuty = try context.clients.guardDuty()
        let detectors = try await readingCall { () async throws(AWSError) in try await guardDuty.listDetectors() }
        guard let detector = detectors.first else {
            // The token derived from the step makes a CreateDetector repeated after a crash the same request.
            let token = IdempotencyToken.sha256Hex(context.request.idempotencyKey)
            let created = try await mutatingCall { () async throws(AWSError) in
                try await guardDuty.createDetector(clientToken: token)
            }
            return ActionResult(
                outputs: ["detector_id": .string(created)],
                priorState: ["detector_id": .string(created), "created": true]
            )
        }
        let status = try await readingCall { () async throws(AWSError) in try await guardDuty.detectorStatus(detector) }
        if status != "ENABLED" {
            try await mutatingCall { () async throws(AWSError) in try await guardDuty.enableDetector(detector) }
        }
        return ActionResult(
            outputs: ["detector_id": .string(detector)],
            priorState: ["detector_id": .string(detector), "status": .string(status)]
        )
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let guardDuty = try context.clients.guardDuty()
        let detectors = try await readingCall { () async throws(AWSError) in try await guardDuty.listDetectors() }
        guard let detector = detectors.first else { return .notDone }
        let status = try await readingCall { () async throws(AWSError) in try await guardDuty.detectorStatus(detector) }
        guard status == "ENABLED" else { return .notDone }
        return .done(ActionResult(outputs: ["detector_id": .string(detector)], verified: true))
    }
}
