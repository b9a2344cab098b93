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
        let url = try context.slack.url(of: channel)
        guard context.request.mode == .live else {
            return ActionResult(dryRunVerdict: "would post to Slack channel '\(channel)' (not sent in dry-run)")
        }
        let body: JSONValue = ["text": .string(try parameters.string("message"))]
        let request = HTTPRequestData(
            method: "POST",
            url: url,
            headers: [("Content-Type", "application/json")],
            body: Array(body.jsonText().utf8)
        )
        let response: HTTPResponseData
        do {
            response = try await context.slack.transport.send(request, timeout: context.slack.timeout)
        } catch {
            // The URL is a secret: the message names the channel only.
            throw ActionFailure(
                error.kind == .connect ? .retryable : .inDoubt,
                code: "SlackUnreachable",
                message: "posting to Slack channel '\(channel)' failed below HTTP"
            )
        }
        guard (200..<300).contains(response.status) else {
            let reason = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw ActionFailure(
                response.status == 429 || response.status >= 500 ? .retryable : .permanent,
                code: "SlackRefused",
                message: "Slack answered \(response.status) (\(reason)) for channel '\(channel)'"
            )
        }
        return ActionResult()
    }
}
