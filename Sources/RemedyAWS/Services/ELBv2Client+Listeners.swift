import RemedyCore

extension ELBv2Client {
    /// A load balancer's listener and its default actions, as JSON objects with the API's member names
    /// (`Type`, `TargetGroupArn`, `RedirectConfig`...), so they can be written back as they were.
    public struct Listener: Sendable, Hashable {
        public var arn: String
        public var networkProtocol: String
        public var port: Int?
        public var defaultActions: [JSONValue]
    }

    /// The members of each action type remedy can write back; a listener with another type (authenticate-oidc,
    /// authenticate-cognito) is read with its type only.
    static let actionMembers: [String: [String]] = [
        "RedirectConfig": ["Protocol", "Port", "Host", "Path", "Query", "StatusCode"],
        "FixedResponseConfig": ["StatusCode", "ContentType", "MessageBody"],
    ]

    public func listeners(ofLoadBalancer loadBalancerARN: String) async throws(AWSError) -> [Listener] {
        let result = try await client.query("DescribeListeners", effect: .readOnly) {
            $0.set("LoadBalancerArn", loadBalancerARN)
        }
        return result.list("Listeners").compactMap { listener in
            guard let arn = listener.string("ListenerArn") else { return nil }
            return Listener(
                arn: arn,
                networkProtocol: listener.string("Protocol") ?? "",
                port: listener.string("Port").flatMap { Int($0) },
                defaultActions: listener.list("DefaultActions").map(Self.action)
            )
        }
    }

    static func action(_ element: AWSXMLElement) -> JSONValue {
        var action: [String: JSONValue] = [:]
        for name in ["Type", "TargetGroupArn", "Order"] {
            if let value = element.string(name) { action[name] = .string(value) }
        }
        for (config, members) in actionMembers {
            guard let node = element[config] else { continue }
            var values: [String: JSONValue] = [:]
            for member in members { if let value = node.string(member) { values[member] = .string(value) } }
            action[config] = .object(values)
        }
        if let forward = element["ForwardConfig"] {
            action["ForwardConfig"] = [
                "TargetGroups": .array(
                    forward.list("TargetGroups").map { group in
                        var values: [String: JSONValue] = [:]
                        for member in ["TargetGroupArn", "Weight"] {
                            if let value = group.string(member) { values[member] = .string(value) }
                        }
                        return .object(values)
                    }
                ),
                "StickinessEnabled": .string(forward.string("TargetGroupStickinessConfig", "Enabled") ?? "false"),
                "StickinessSeconds": forward.string("TargetGroupStickinessConfig", "DurationSeconds").map(
                    JSONValue.string
                )
                    ?? .null,
            ]
        }
        return .object(action)
    }

    /// Replaces a listener's default actions with `actions` (as ``listeners(ofLoadBalancer:)`` reads them).
    public func setDefaultActions(listenerARN: String, _ actions: [JSONValue]) async throws(AWSError) {
        _ = try await client.query("ModifyListener", effect: .mutating(idempotent: true)) { form in
            form.set("ListenerArn", listenerARN)
            for (index, action) in actions.enumerated() {
                let prefix = "DefaultActions.member.\(index + 1)"
                for name in ["Type", "TargetGroupArn", "Order"] {
                    if let value = action[name]?.stringValue { form.set("\(prefix).\(name)", value) }
                }
                for (config, members) in Self.actionMembers {
                    guard let values = action[config] else { continue }
                    for member in members {
                        if let value = values[member]?.stringValue { form.set("\(prefix).\(config).\(member)", value) }
                    }
                }
                if let forward = action["ForwardConfig"] {
                    for (groupIndex, group) in (forward["TargetGroups"]?.arrayValue ?? []).enumerated() {
                        let groupPrefix = "\(prefix).ForwardConfig.TargetGroups.member.\(groupIndex + 1)"
                        if let arn = group["TargetGroupArn"]?.stringValue {
                            form.set("\(groupPrefix).TargetGroupArn", arn)
                        }
                        if let weight = group["Weight"]?.stringValue { form.set("\(groupPrefix).Weight", weight) }
                    }
                    if let enabled = forward["StickinessEnabled"]?.stringValue {
                        form.set("\(prefix).ForwardConfig.TargetGroupStickinessConfig.Enabled", enabled)
                    }
                    if let seconds = forward["StickinessSeconds"]?.stringValue {
                        form.set("\(prefix).ForwardConfig.TargetGroupStickinessConfig.DurationSeconds", seconds)
                    }
                }
            }
        }
    }
}
