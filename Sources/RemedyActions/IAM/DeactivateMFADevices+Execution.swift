import Foundation
import RemedyAWS
import RemedyCore

/// Not reversible: enabling an MFA device again needs two consecutive codes from the device, which only its holder
/// has.
extension DeactivateMFADevices: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let user = try parameters.string("user")
        let iam = try context.clients.iam()
        let devices = try await enabledAfter(try cutoff(parameters), user: user, iam)
        for serialNumber in devices {
            do {
                try await iam.deactivateMFADevice(user: user, serialNumber: serialNumber)
            } catch  where error.code == "NoSuchEntity" {
                // Deactivated since the listing: the post-condition holds for it.
            } catch {
                throw ActionFailure(error, isMutating: true)
            }
        }
        return ActionResult(outputs: ["serial_numbers": .array(devices.map(JSONValue.string))])
    }

    /// Done when no device enabled after the cutoff is still assigned to the user.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let user = try parameters.string("user")
        let remaining = try await enabledAfter(try cutoff(parameters), user: user, try context.clients.iam())
        // Which devices the step removed cannot be read back once they are gone.
        return remaining.isEmpty ? .done(ActionResult(outputs: ["serial_numbers": []], verified: true)) : .notDone
    }

    static func cutoff(_ parameters: ActionParameters) throws(ActionFailure) -> Date {
        let text = try parameters.string("enabled_after")
        guard let date = ISO8601.parse(text) else {
            throw ActionFailure(
                .permanent,
                code: "InvalidParameter",
                message: "enabled_after must be an ISO 8601 time such as 2026-11-29T03:00:00Z, not '\(text)'"
            )
        }
        return date
    }

    /// Serial numbers of the user's devices enabled after `cutoff`, oldest first.
    static func enabledAfter(
        _ cutoff: Date,
        user: String,
        _ iam: IAMClient
    ) async throws(ActionFailure)
        -> [String]
    {
        let devices = try await readingCall { () async throws(AWSError) in try await iam.listMFADevices(user: user) }
        var after: [(serialNumber: String, enabled: Date)] = []
        for device in devices {
            // A date that cannot be read could hide the attacker's device: stop rather than skip it.
            guard let enabled = ISO8601.parse(device.enableDate) else {
                throw ActionFailure(
                    .permanent,
                    code: "MalformedResponse",
                    message: "MFA device \(device.serialNumber) has an unreadable EnableDate '\(device.enableDate)'"
                )
            }
            if enabled > cutoff { after.append((device.serialNumber, enabled)) }
        }
        return after.sorted { $0.enabled < $1.enabled }.map(\.serialNumber)
    }
}
