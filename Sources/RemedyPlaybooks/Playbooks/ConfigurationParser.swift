import Foundation
import RemedyCore

/// Reads `remedy.yaml` into a `RemedyConfiguration`, reporting every problem with its position.
public struct ConfigurationParser: Sendable {
    public init() {}

    /// Where the configuration comes from: `--config`, then `REMEDY_CONFIG`, then `./remedy.yaml`, then
    /// `~/.config/remedy/config.yaml`; nil when none exists (built-in defaults apply).
    public static func locate(explicit: String?, environment: [String: String], currentDirectory: String) -> String? {
        if let explicit { return explicit }
        if let path = environment["REMEDY_CONFIG"], !path.isEmpty { return path }
        let candidates = [
            currentDirectory + "/remedy.yaml",
            (environment["HOME"] ?? "") + "/.config/remedy/config.yaml",
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    public func parse(_ text: String, file: String) -> (configuration: RemedyConfiguration?, diagnostics: [Diagnostic])
    {
        let root: YAMLNode
        switch YAMLDocument.read(text, file: file) {
        case .failure(let error): return (nil, error.diagnostics)
        case .success(let node): root = node
        }
        let walker = YAMLWalker(file: file)
        guard let mapping = walker.mapping(root, "the configuration") else { return (nil, walker.diagnostics) }
        let fields = walker.fields(
            of: mapping,
            allowed: [
                "apiVersion", "journal", "approvers", "concurrency", "cases", "pacing", "playbooks", "server",
                "notifications", "aws",
            ],
            in: "the configuration"
        )
        if let node = fields["apiVersion"], let version = walker.string(node, "apiVersion"),
            version != PlaybookParser.apiVersion
        {
            walker.error("apiVersion must be '\(PlaybookParser.apiVersion)', not '\(version)'", at: node)
        }
        var configuration = RemedyConfiguration()
        if let node = fields["journal"] { configuration.journal = readJournal(node, walker) }
        if let node = fields["approvers"] { configuration.approvers = readApprovers(node, walker) }
        if let node = fields["concurrency"], let map = walker.mapping(node, "concurrency") {
            let values = walker.fields(of: map, allowed: ["max_runs"], in: "concurrency")
            if let value = values["max_runs"].flatMap({ walker.integer($0, "concurrency.max_runs", range: 1...10_000) })
            {
                configuration.concurrency.maximumRuns = value
            }
        }
        if let node = fields["cases"], let map = walker.mapping(node, "cases") {
            let values = walker.fields(of: map, allowed: ["window"], in: "cases")
            if let node = values["window"], let window = walker.duration(node, "cases.window") {
                if window > .seconds(30 * 86_400) {
                    walker.error("cases.window must be at most 30d (0 starts a case for every finding)", at: node)
                } else {
                    configuration.cases.window = window
                }
            }
        }
        if let node = fields["pacing"] { configuration.pacing = readPacing(node, walker) }
        if let node = fields["aws"], let map = walker.mapping(node, "aws") {
            let values = walker.fields(
                of: map,
                allowed: ["request_timeout", "max_attempts", "max_throttled_attempts"],
                in: "aws"
            )
            if let node = values["request_timeout"], let timeout = walker.duration(node, "aws.request_timeout") {
                if timeout < .seconds(1) || timeout > .seconds(300) {
                    walker.error("aws.request_timeout must be between 1s and 5m", at: node)
                } else {
                    configuration.aws.requestTimeout = timeout
                }
            }
            if let value = values["max_attempts"].flatMap({ walker.integer($0, "aws.max_attempts", range: 1...20) }) {
                configuration.aws.maximumAttempts = value
            }
            if let value = values["max_throttled_attempts"].flatMap({
                walker.integer($0, "aws.max_throttled_attempts", range: 1...20)
            }) {
                configuration.aws.maximumThrottledAttempts = value
            }
        }
        if let node = fields["playbooks"], let path = walker.string(node, "playbooks") {
            configuration.playbooks = path
        }
        if let node = fields["server"] { configuration.server = ServerSectionReader(walker: walker).read(node) }
        if let node = fields["notifications"] {
            configuration.notifications = ServerSectionReader(walker: walker).readNotifications(node)
        }
        let diagnostics = walker.diagnostics
        return (diagnostics.containsErrors ? nil : configuration, diagnostics)
    }

    private func readJournal(_ node: YAMLNode, _ walker: YAMLWalker) -> RemedyConfiguration.Journal {
        var journal = RemedyConfiguration.Journal()
        guard let mapping = walker.mapping(node, "journal") else { return journal }
        let fields = walker.fields(of: mapping, allowed: ["path", "signing_key", "checkpoint_every"], in: "journal")
        if let path = fields["path"].flatMap({ walker.string($0, "journal.path") }) { journal.path = path }
        journal.signingKey = fields["signing_key"].flatMap { walker.string($0, "journal.signing_key") }
        if let interval = fields["checkpoint_every"].flatMap({
            walker.integer($0, "journal.checkpoint_every", range: 1...1_000_000)
        }) {
            journal.checkpointInterval = interval
        }
        return journal
    }

    private func readApprovers(_ node: YAMLNode, _ walker: YAMLWalker) -> RemedyConfiguration.Approvers {
        var approvers = RemedyConfiguration.Approvers()
        guard let mapping = walker.mapping(node, "approvers") else { return approvers }
        let fields = walker.fields(
            of: mapping,
            allowed: ["groups", "allow_local_principals", "trusted_session_roles"],
            in: "approvers"
        )
        if let groupsNode = fields["groups"], let groups = walker.mapping(groupsNode, "approvers.groups") {
            for entry in groups {
                let (name, valueNode) = (entry.key, entry.value)
                guard PlaybookParser.isStepID(name) else {
                    walker.error("group name '\(name)' must be letters, digits, '-' and '_'", at: entry.keyLocation)
                    continue
                }
                let members = walker.stringList(valueNode, "approvers.groups.\(name)")
                for member in members
                where !PlaybookParser.isApproverReference(member) || member.hasPrefix("group:")
                    || member.hasPrefix("role:")
                {
                    walker.error(
                        "approvers.groups.\(name): '\(member)' is not an IAM user, role or assumed-role ARN",
                        at: valueNode
                    )
                }
                if members.isEmpty {
                    walker.error("approvers.groups.\(name) is empty: nobody could approve", at: valueNode)
                }
                approvers.groups[name] = members
            }
        }
        if let node = fields["trusted_session_roles"] {
            let roles = walker.stringList(node, "approvers.trusted_session_roles")
            for role in roles where (try? ValueType.identifier(.roleARN).validate(.string(role))) == nil {
                walker.error("approvers.trusted_session_roles: '\(role)' is not an IAM role ARN", at: node)
            }
            approvers.trustedSessionRoles = roles
        }
        if let node = fields["allow_local_principals"] {
            if let value = walker.bool(node, "approvers.allow_local_principals") {
                approvers.allowsLocalPrincipals = value
            }
        }
        return approvers
    }

    private func readPacing(_ node: YAMLNode, _ walker: YAMLWalker) -> RemedyConfiguration.Pacing {
        var pacing = RemedyConfiguration.Pacing()
        guard let mapping = walker.mapping(node, "pacing") else { return pacing }
        let fields = walker.fields(of: mapping, allowed: ["default", "services"], in: "pacing")
        if let node = fields["default"], let rate = readRate(node, "pacing.default", walker) {
            pacing.defaultRate = rate
        }
        if let node = fields["services"], let services = walker.mapping(node, "pacing.services") {
            for entry in services {
                guard let rate = readRate(entry.value, "pacing.services.\(entry.key)", walker) else { continue }
                pacing.services[entry.key] = rate
            }
        }
        return pacing
    }

    private func readRate(_ node: YAMLNode, _ what: String, _ walker: YAMLWalker) -> RemedyConfiguration.Pacing.Rate? {
        guard let mapping = walker.mapping(node, what) else { return nil }
        let fields = walker.fields(of: mapping, allowed: ["per_second", "burst"], in: what)
        guard let perSecondNode = fields["per_second"],
            let perSecond = walker.number(perSecondNode, "\(what).per_second")
        else {
            walker.error("\(what) needs per_second", at: node)
            return nil
        }
        guard perSecond > 0 else {
            walker.error("\(what).per_second must be above 0", at: perSecondNode)
            return nil
        }
        let burst = fields["burst"].flatMap { walker.number($0, "\(what).burst") } ?? max(1, perSecond)
        return .init(perSecond: perSecond, burst: max(1, burst))
    }
}
