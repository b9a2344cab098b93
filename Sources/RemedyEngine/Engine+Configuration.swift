import RemedyActions
import RemedyCore

extension Engine {
    /// The Slack webhooks of the configuration's `notifications.slack.channels`, read from their secrets: what
    /// `notify.slack` steps and the server's notices post to, for every command alike.
    ///
    /// - Parameter webhooks: makes the webhooks from the channels' URLs; tests point them at a loopback stub.
    /// - Throws: a channel's secret that cannot be read, or a webhook a post would refuse (not
    ///   `https://hooks.slack.com/...`): found before anything acts rather than at the step that notifies.
    public static func slackWebhooks(
        of configuration: RemedyConfiguration,
        secrets: SecretResolver = SecretResolver(),
        webhooks: ([String: String]) -> SlackWebhooks = { SlackWebhooks(channels: $0) }
    ) throws(ConfigurationError) -> SlackWebhooks {
        let slack = webhooks(
            try secrets.resolveAll(configuration.notifications.slackChannels, for: "notifications.slack.channels")
                .mapValues { String(decoding: $0, as: UTF8.self) }
        )
        let invalid = slack.channelsWithInvalidURLs
        guard invalid.isEmpty else {
            throw ConfigurationError(
                "notifications.slack.channels: the webhook of \(invalid.joined(separator: ", ")) is not an "
                    + "https://hooks.slack.com/ URL; remedy would refuse to post to it"
            )
        }
        return slack
    }
}
