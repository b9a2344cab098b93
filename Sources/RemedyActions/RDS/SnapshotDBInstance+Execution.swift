import RemedyAWS
import RemedyCore

// The snapshot's name is the run's and the step's: a second attempt, or a probe after a crash, finds the one
// already started instead of taking another.
extension SnapshotDBInstance: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instance = try parameters.identifier("instance", .dbInstanceIdentifier)
        let snapshotID = snapshotID(for: context.request)
        let rds = try context.clients.rds()
        do {
            _ = try await rds.createSnapshot(
                of: instance,
                snapshotID: snapshotID,
                tags: ["remedy:case": context.request.runID, "remedy:step": context.request.stepID]
            )
        } catch  where error.code == "DBSnapshotAlreadyExists" {
            // This step's own snapshot, from an attempt whose answer was lost.
        } catch {
            throw ActionFailure(error, isMutating: true)
        }
        return ActionResult(outputs: ["snapshot_id": .string(snapshotID)])
    }

    /// Done once the step's snapshot exists, whatever its progress: it was started, and starting it is the step.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let snapshotID = snapshotID(for: context.request)
        let rds = try context.clients.rds()
        let status = try await readingCall { () async throws(AWSError) in try await rds.snapshotStatus(snapshotID) }
        guard status != nil else { return .notDone }
        return .done(ActionResult(outputs: ["snapshot_id": .string(snapshotID)], verified: true))
    }

    /// `remedy-`, the run id and the step id, as RDS allows identifiers: letters, digits and single hyphens.
    static func snapshotID(for request: ActionRequest) -> String {
        var name = ""
        for character in "remedy-\(request.runID)-\(request.stepID)" {
            let kept: Character = character.isASCII && (character.isLetter || character.isNumber) ? character : "-"
            if kept == "-", name.last == "-" { continue }
            name.append(kept)
        }
        while name.last == "-" { name.removeLast() }
        return String(name.prefix(255))
    }
}
