import Foundation
import RemedyAWS
import RemedyCore

/// The Slack incoming webhooks `notify.slack` may post to: channel names from the configuration, each with its
/// webhook URL.
///
/// A URL is accepted only as `https://hooks.slack.com/...`, so a playbook or a finding cannot turn a notification
/// into a request to another host: the URL comes from configuration alone, and the step names only the channel.
/// Tests point a channel at a loopback stub with ``allowingLoopbackForTesting(_:transport:)``.
public struct SlackWebhooks: Sendable {
    /// Channel name to webhook URL.
    ///
    /// The URLs are secrets: they are never written to errors or the journal.
    var channels: [String: String]
    let transport: any HTTPTransport
    let allowsLoopback: Bool
    /// How long one post may take.
    public var timeout: Duration = .seconds(10)

    public init(channels: [String: String] = [:], transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.channels = channels
        self.transport = transport
        allowsLoopback = false
    }

    private init(channels: [String: String], transport: any HTTPTransport, allowsLoopback: Bool) {
        self.channels = channels
        self.transport = transport
        self.allowsLoopback = allowsLoopback
    }

    /// Webhooks that may also be `http://127.0.0.1:PORT/...`: for tests against a local stub, never for
    /// configuration read from a file.
    public static func allowingLoopbackForTesting(
        _ channels: [String: String],
        transport: any HTTPTransport = AsyncHTTPClientTransport()
    ) -> SlackWebhooks {
        SlackWebhooks(channels: channels, transport: transport, allowsLoopback: true)
    }

    /// The channels whose webhook URL a post would refuse (not `https://hooks.slack.com/...`).
    ///
    /// Checked when the server starts, so a bad URL stops it then rather than fail every notification later. Names
    /// only: the URLs are secrets.
    public var channelsWithInvalidURLs: [String] {
        channels.filter { !Self.isSlackWebhook($0.value) && !(allowsLoopback && Self.isLoopback($0.value)) }.keys
            .sorted()
    }

    /// The webhook URL of `channel`, checked.
    func url(of channel: String) throws(ActionFailure) -> String {
        guard let text = channels[channel] else {
            throw ActionFailure(
                .permanent,
                code: "UnknownChannel",
                message: "no Slack channel '\(channel)' is configured under notifications"
            )
        }
        guard Self.isSlackWebhook(text) || (allowsLoopback && Self.isLoopback(text)) else {
            throw ActionFailure(
                .permanent,
                code: "InvalidWebhookURL",
                message: "the webhook of Slack channel '\(channel)' is not an https://hooks.slack.com/ URL"
            )
        }
        return text
    }

    /// Posts `text` to `channel`'s webhook as plain text.
    ///
    /// Every message is escaped as Slack asks (`&`, `<`, `>`), so no part of it, finding text included, can become
    /// a mention (`<!channel>`), a user ping or a disguised link (`<https://evil|runbook>`) in the approvers' channel.
    /// The URL is a secret: errors name the channel only.
    public func post(text: String, to channel: String) async throws(ActionFailure) {
        let body: JSONValue = ["text": .string(Self.escaped(text))]
        let request = HTTPRequestData(
            method: "POST",
            url: try url(of: channel),
            headers: [("Content-Type", "application/json")],
            body: body.jsonBytes()
        )
        let response: HTTPResponseData
        do {
            response = try await transport.send(request, timeout: timeout)
        } catch {
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
    }

    /// `text` with Slack's three control characters escaped: what Slack shows is exactly `text`.
    public static func escaped(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func isSlackWebhook(_ text: String) -> Bool {
        guard let url = URLComponents(string: text) else { return false }
        return url.scheme == "https" && url.host == "hooks.slack.com" && url.port == nil && url.user == nil
            && url.password == nil && url.path.hasPrefix("/") && url.path.count > 1
    }

    static func isLoopback(_ text: String) -> Bool {
        guard let url = URLComponents(string: text) else { return false }
        return url.scheme == "http" && url.host == "127.0.0.1" && url.user == nil && url.password == nil
    }
}
