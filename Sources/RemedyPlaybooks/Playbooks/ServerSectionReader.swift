import RemedyCore

/// Reads the `server` and `notifications` sections of `remedy.yaml`.
///
/// Secrets are never written inline: a token or webhook is `{env: NAME}` or `{file: PATH}`, and approver tokens are
/// given as `sha256:<hex>` of the token, so the file can be read by anyone who may see the configuration.
struct ServerSectionReader {
    let walker: YAMLWalker

    func read(_ node: YAMLNode) -> RemedyConfiguration.Server {
        var server = RemedyConfiguration.Server()
        guard let mapping = walker.mapping(node, "server") else { return server }
        let fields = walker.fields(
            of: mapping,
            allowed: ["listen", "public_url", "tls", "auth", "approver_tokens", "limits", "workers"],
            in: "server"
        )
        if let node = fields["listen"], let listen = walker.string(node, "server.listen") {
            if let (host, port) = Self.hostAndPort(listen) {
                server.host = host
                server.port = port
            } else {
                walker.error("server.listen must be HOST:PORT (such as 127.0.0.1:8080), not '\(listen)'", at: node)
            }
        }
        if let node = fields["public_url"], let url = walker.string(node, "server.public_url") {
            if url.hasPrefix("https://") || url.hasPrefix("http://") {
                server.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            } else {
                walker.error("server.public_url must start with https:// (or http://)", at: node)
            }
        }
        if let node = fields["tls"] { server.tls = readTLS(node) }
        if let node = fields["auth"] { server.auth = readAuth(node) }
        if let node = fields["approver_tokens"] { server.approverTokenHashes = readApproverTokens(node) }
        if let node = fields["limits"] { server.limits = readLimits(node) }
        if let node = fields["workers"] { server.workers = walker.integer(node, "server.workers", range: 1...1_024) }
        return server
    }

    func readNotifications(_ node: YAMLNode) -> RemedyConfiguration.Notifications {
        var notifications = RemedyConfiguration.Notifications()
        guard let mapping = walker.mapping(node, "notifications") else { return notifications }
        let fields = walker.fields(of: mapping, allowed: ["slack"], in: "notifications")
        guard let slackNode = fields["slack"], let slack = walker.mapping(slackNode, "notifications.slack") else {
            return notifications
        }
        let slackFields = walker.fields(
            of: slack,
            allowed: ["channels", "gates", "outcomes"],
            in: "notifications.slack"
        )
        if let node = slackFields["channels"] {
            notifications.slackChannels = readSecrets(node, "notifications.slack.channels")
        }
        for (key, path) in [("gates", \RemedyConfiguration.Notifications.gateChannel), ("outcomes", \.outcomeChannel)] {
            guard let node = slackFields[key], let channel = walker.string(node, "notifications.slack.\(key)") else {
                continue
            }
            if notifications.slackChannels[channel] == nil {
                walker.error(
                    "notifications.slack.\(key) names channel '\(channel)', which is not under channels",
                    at: node
                )
            }
            notifications[keyPath: path] = channel
        }
        return notifications
    }

    private func readTLS(_ node: YAMLNode) -> RemedyConfiguration.Server.TLS? {
        guard let mapping = walker.mapping(node, "server.tls") else { return nil }
        let fields = walker.fields(of: mapping, allowed: ["certificate", "key"], in: "server.tls")
        guard let certificate = fields["certificate"].flatMap({ walker.string($0, "server.tls.certificate") }),
            let key = fields["key"].flatMap({ walker.string($0, "server.tls.key") })
        else {
            walker.error("server.tls needs both certificate and key (PEM files)", at: node)
            return nil
        }
        return .init(certificate: certificate, key: key)
    }

    private func readAuth(_ node: YAMLNode) -> RemedyConfiguration.Server.Auth {
        var auth = RemedyConfiguration.Server.Auth()
        guard let mapping = walker.mapping(node, "server.auth") else { return auth }
        let fields = walker.fields(
            of: mapping,
            allowed: ["bearer_tokens", "hmac_secrets", "sns_topics", "replay_window"],
            in: "server.auth"
        )
        if let node = fields["bearer_tokens"] { auth.bearerTokens = readSecrets(node, "server.auth.bearer_tokens") }
        if let node = fields["hmac_secrets"] { auth.hmacSecrets = readSecrets(node, "server.auth.hmac_secrets") }
        if let node = fields["sns_topics"] {
            auth.snsTopics = walker.stringList(node, "server.auth.sns_topics")
            for topic in auth.snsTopics where !Self.isTopicARN(topic) {
                walker.error("server.auth.sns_topics: '\(topic)' is not an SNS topic ARN", at: node)
            }
        }
        if let node = fields["replay_window"], let window = walker.duration(node, "server.auth.replay_window") {
            if window > .seconds(3_600) || window < .seconds(1) {
                walker.error("server.auth.replay_window must be between 1s and 1h", at: node)
            } else {
                auth.replayWindow = window
            }
        }
        return auth
    }

    private func readApproverTokens(_ node: YAMLNode) -> [String: String] {
        var hashes: [String: String] = [:]
        guard let mapping = walker.mapping(node, "server.approver_tokens") else { return hashes }
        for entry in mapping {
            let (principal, valueNode) = (entry.key, entry.value)
            guard let value = walker.string(valueNode, "server.approver_tokens.\(principal)") else { continue }
            guard PlaybookParser.isApproverReference(principal), principal.hasPrefix("arn:") else {
                walker.error(
                    "server.approver_tokens: '\(principal)' is not an IAM user or role ARN",
                    at: entry.keyLocation
                )
                continue
            }
            let hex = value.hasPrefix("sha256:") ? String(value.dropFirst(7)) : ""
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                walker.error(
                    "server.approver_tokens.\(principal) must be sha256:<64 hex digits> of the token "
                        + "(printf %s TOKEN | sha256sum), never the token itself",
                    at: valueNode
                )
                continue
            }
            hashes[principal] = hex.lowercased()
        }
        return hashes
    }

    private func readLimits(_ node: YAMLNode) -> RemedyConfiguration.Server.Limits {
        var limits = RemedyConfiguration.Server.Limits()
        guard let mapping = walker.mapping(node, "server.limits") else { return limits }
        let fields = walker.fields(
            of: mapping,
            allowed: [
                "max_body_bytes", "max_json_depth", "max_findings_per_request", "requests_per_second", "burst",
                "client_address_header", "trusted_proxies", "idle_timeout", "body_timeout", "max_connections",
            ],
            in: "server.limits"
        )
        if let value = fields["max_body_bytes"].flatMap({
            walker.integer($0, "server.limits.max_body_bytes", range: 1_024...(16 << 20))
        }) {
            limits.maximumBodyBytes = value
        }
        if let value = fields["max_json_depth"].flatMap({
            walker.integer($0, "server.limits.max_json_depth", range: 8...256)
        }) {
            limits.maximumJSONDepth = value
        }
        if let value = fields["max_findings_per_request"].flatMap({
            walker.integer($0, "server.limits.max_findings_per_request", range: 1...1_000)
        }) {
            limits.maximumFindingsPerRequest = value
        }
        for (key, path) in [
            ("requests_per_second", \RemedyConfiguration.Server.Limits.requestsPerSecond), ("burst", \.burst),
        ] {
            guard let node = fields[key], let value = walker.number(node, "server.limits.\(key)") else { continue }
            if value <= 0 {
                walker.error("server.limits.\(key) must be above 0", at: node)
            } else {
                limits[keyPath: path] = value
            }
        }
        for (key, path) in [
            ("idle_timeout", \RemedyConfiguration.Server.Limits.idleTimeout), ("body_timeout", \.bodyTimeout),
        ] {
            guard let node = fields[key], let value = walker.duration(node, "server.limits.\(key)") else { continue }
            if value < .seconds(1) || value > .seconds(600) {
                walker.error("server.limits.\(key) must be between 1s and 10m", at: node)
            } else {
                limits[keyPath: path] = value
            }
        }
        if let value = fields["max_connections"].flatMap({
            walker.integer($0, "server.limits.max_connections", range: 16...1_000_000)
        }) {
            limits.maximumConnections = value
        }
        if let node = fields["client_address_header"],
            let header = walker.string(node, "server.limits.client_address_header")
        {
            if header.isEmpty || !header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                walker.error(
                    "server.limits.client_address_header must be a header name such as X-Forwarded-For",
                    at: node
                )
            } else {
                limits.clientAddressHeader = header
            }
        }
        if let node = fields["trusted_proxies"] {
            let blocks = walker.stringList(node, "server.limits.trusted_proxies")
            for block in blocks where IPAddress(block) == nil {
                walker.error("server.limits.trusted_proxies: '\(block)' is not an IP address or CIDR block", at: node)
            }
            limits.trustedProxies = blocks
        }
        // One without the other either believes every client's header or names proxies it never reads.
        if (limits.clientAddressHeader == nil) != limits.trustedProxies.isEmpty {
            walker.error(
                "server.limits.client_address_header and trusted_proxies go together: the header is believed only "
                    + "from the proxies",
                at: node
            )
        }
        return limits
    }

    /// A map of names to `{env: NAME}` or `{file: PATH}`.
    private func readSecrets(_ node: YAMLNode, _ what: String) -> [String: RemedyConfiguration.SecretReference] {
        var secrets: [String: RemedyConfiguration.SecretReference] = [:]
        guard let mapping = walker.mapping(node, what) else { return secrets }
        for entry in mapping {
            let name = entry.key
            guard PlaybookParser.isStepID(name) else {
                walker.error("\(what): name '\(name)' must be letters, digits, '-' and '_'", at: entry.keyLocation)
                continue
            }
            if let reference = readSecret(entry.value, "\(what).\(name)") { secrets[name] = reference }
        }
        return secrets
    }

    private func readSecret(_ node: YAMLNode, _ what: String) -> RemedyConfiguration.SecretReference? {
        if case .scalar = node.content {
            walker.error("\(what) must be {env: NAME} or {file: PATH}: secrets are not written in the file", at: node)
            return nil
        }
        guard let mapping = walker.mapping(node, what) else { return nil }
        let fields = walker.fields(of: mapping, allowed: ["env", "file"], in: what)
        switch (fields["env"], fields["file"]) {
        case (let env?, nil): return walker.string(env, "\(what).env").map { .environment($0) }
        case (nil, let file?): return walker.string(file, "\(what).file").map { .file($0) }
        default:
            walker.error("\(what) needs exactly one of env or file", at: node)
            return nil
        }
    }

    static func hostAndPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    static func isTopicARN(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts[0] == "arn" && parts[2] == "sns" && !parts[3].isEmpty
            && parts[4].count == 12 && parts[4].allSatisfy(\.isNumber) && !parts[5].isEmpty
    }
}
