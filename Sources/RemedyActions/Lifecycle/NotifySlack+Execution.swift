import RemedyAWS
import RemedyCore

/// Posts `{"text": message}` to the channel's incoming webhook. Slack keeps no record a probe could read: after a
/// crash in the middle of a post the message may be sent twice, which is acceptable for a notification.
extension NotifySlack: TracelessAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let channel = parameters.optionalString("channel") ?? "default"
        _ = try context.slack.url(of: channel)
        guard context.request.mode == .live else {
            return ActionResult(dryRunVerdict: "would post to Slack channel '\(channel)' (not sent in dry-run)")
        }
        try await context.slack.post(text: try parameters.string("message"), to: channel)
        return ActionResult()
    }
}
