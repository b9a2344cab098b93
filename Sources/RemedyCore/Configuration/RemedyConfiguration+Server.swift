extension RemedyConfiguration {
    /// Where a secret comes from: never its value in the configuration file itself.
    public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
        /// The file's contents, surrounding whitespace trimmed.
        case file(String)
        /// The environment variable's value.
        case environment(String)

        public var description: String {
            switch self {
            case .file(let path): "file \(path)"
            case .environment(let name): "environment variable \(name)"
            }
        }
    }

    /// `remedy serve`: the webhook intake, the approvals API and their limits.
    public struct Server: Sendable, Hashable {
        public var host: String
        public var port: Int
        /// The address people reach the server at, for links in notifications (`https://remedy.example.com`).
        public var publicURL: String?
        public var tls: TLS?
        public var auth: Auth
        /// Approver principal ARN to the SHA-256 (hex) of their API token: the token itself is never stored.
        public var approverTokenHashes: [String: String]
        public var limits: Limits
        /// Runs the server drives at once; `concurrency.max_runs` when absent.
        public var workers: Int?

        public init(
            host: String = "127.0.0.1",
            port: Int = 8080,
            publicURL: String? = nil,
            tls: TLS? = nil,
            auth: Auth = Auth(),
            approverTokenHashes: [String: String] = [:],
            limits: Limits = Limits(),
            workers: Int? = nil
        ) {
            self.host = host
            self.port = port
            self.publicURL = publicURL
            self.tls = tls
            self.auth = auth
            self.approverTokenHashes = approverTokenHashes
            self.limits = limits
            self.workers = workers
        }

        public struct TLS: Sendable, Hashable {
            /// PEM certificate chain.
            public var certificate: String
            /// PEM private key.
            public var key: String

            public init(certificate: String, key: String) {
                self.certificate = certificate
                self.key = key
            }
        }

        /// How feeds prove who they are; a request must pass one of these.
        public struct Auth: Sendable, Hashable {
            /// Feed name to its bearer token (EventBridge API destinations).
            public var bearerTokens: [String: SecretReference]
            /// Feed name to its HMAC-SHA256 secret.
            public var hmacSecrets: [String: SecretReference]
            /// SNS topics whose signed notifications are accepted and whose subscriptions are confirmed.
            public var snsTopics: [String]
            /// How far an HMAC timestamp may be from the server's clock: 5 minutes by default.
            public var replayWindow: Duration

            public init(
                bearerTokens: [String: SecretReference] = [:],
                hmacSecrets: [String: SecretReference] = [:],
                snsTopics: [String] = [],
                replayWindow: Duration = .seconds(300)
            ) {
                self.bearerTokens = bearerTokens
                self.hmacSecrets = hmacSecrets
                self.snsTopics = snsTopics
                self.replayWindow = replayWindow
            }

            public var isEmpty: Bool { bearerTokens.isEmpty && hmacSecrets.isEmpty && snsTopics.isEmpty }
        }

        /// What one client may send.
        public struct Limits: Sendable, Hashable {
            public var maximumBodyBytes: Int
            public var maximumJSONDepth: Int
            public var maximumFindingsPerRequest: Int
            /// Requests per second per client address (an IPv6 client's /64), with `burst` above it.
            public var requestsPerSecond: Double
            public var burst: Double
            /// The header a trusted proxy names the client in (`X-Forwarded-For`), behind a load balancer.
            public var clientAddressHeader: String?
            /// The proxies (CIDR blocks) whose `clientAddressHeader` is believed.
            public var trustedProxies: [String]
            /// How long a connection may go without a complete request part (its headers, a piece of its body)
            /// before the server closes it: trickled headers, stalled TLS handshakes, idle keep-alives.
            public var idleTimeout: Duration = .seconds(30)
            /// How long a request's whole body may take to arrive.
            public var bodyTimeout: Duration = .seconds(30)
            /// Most connections open at once; the server also keeps this under its descriptor limit.
            public var maximumConnections: Int = 1_024

            public init(
                maximumBodyBytes: Int = 1 << 20,
                maximumJSONDepth: Int = 64,
                maximumFindingsPerRequest: Int = 100,
                requestsPerSecond: Double = 300,
                burst: Double = 600,
                clientAddressHeader: String? = nil,
                trustedProxies: [String] = []
            ) {
                self.maximumBodyBytes = maximumBodyBytes
                self.maximumJSONDepth = maximumJSONDepth
                self.maximumFindingsPerRequest = maximumFindingsPerRequest
                self.requestsPerSecond = requestsPerSecond
                self.burst = burst
                self.clientAddressHeader = clientAddressHeader
                self.trustedProxies = trustedProxies
            }
        }
    }

    /// Where people hear about gates and outcomes.
    public struct Notifications: Sendable, Hashable {
        /// Slack channel name to its incoming-webhook URL (a secret).
        public var slackChannels: [String: SecretReference]
        /// The channel told when a run waits at an approval gate.
        public var gateChannel: String?
        /// The channel told when a run succeeds or fails.
        public var outcomeChannel: String?

        public init(
            slackChannels: [String: SecretReference] = [:],
            gateChannel: String? = nil,
            outcomeChannel: String? = nil
        ) {
            self.slackChannels = slackChannels
            self.gateChannel = gateChannel
            self.outcomeChannel = outcomeChannel
        }
    }
}
