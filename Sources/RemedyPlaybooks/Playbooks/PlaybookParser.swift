// Over 400 lines: one grammar, the playbook language's sections read in document order.
import RemedyCore

/// Reads playbook YAML into a `Playbook`, reporting every structural problem with its position.
///
/// Structure only: whether actions, parameters and step references make sense is `PlaybookValidator`'s job.
public struct PlaybookParser: Sendable {
    public static let apiVersion = "remedy/v1"

    public init() {}

    /// Parses one playbook.
    ///
    /// The playbook is nil when the document is too broken to represent.
    public func parse(_ text: String, file: String) -> (playbook: Playbook?, diagnostics: [Diagnostic]) {
        switch YAMLDocument.read(text, file: file) {
        case .failure(let error):
            return (nil, error.diagnostics)
        case .success(let root):
            let walker = YAMLWalker(file: file)
            let playbook = read(root, walker)
            return (playbook, walker.diagnostics)
        }
    }

    private static let topLevelKeys = [
        "apiVersion", "name", "description", "match", "target", "inputs", "limits", "require_approval_for", "steps",
    ]

    private func read(_ root: YAMLNode, _ walker: YAMLWalker) -> Playbook? {
        guard let mapping = walker.mapping(root, "a playbook") else { return nil }
        let fields = walker.fields(of: mapping, allowed: Self.topLevelKeys, in: "the playbook")

        if let node = fields["apiVersion"] {
            if let version = walker.string(node, "apiVersion"), version != Self.apiVersion {
                walker.error("apiVersion must be '\(Self.apiVersion)', not '\(version)'", at: node)
            }
        } else {
            walker.error("missing 'apiVersion: \(Self.apiVersion)'", at: root)
        }

        var name = ""
        if let node = fields["name"], let value = walker.string(node, "name") {
            if value.isEmpty || !value.unicodeScalars.allSatisfy(Self.isNameScalar) || value.count > 64 {
                walker.error("name must be 1-64 lowercase letters, digits and hyphens, not '\(value)'", at: node)
            }
            name = value
        } else if fields["name"] == nil {
            walker.error("missing 'name'", at: root)
        }

        let description = fields["description"].flatMap { walker.string($0, "description") }
        var match = FindingFilter()
        if let node = fields["match"] {
            match = readMatch(node, walker)
        } else {
            walker.error("missing 'match': a playbook without one would match nothing", at: root)
        }
        let targetRole = fields["target"].flatMap { readTarget($0, walker) }
        let inputs = fields["inputs"].map { readInputs($0, walker) } ?? []
        let limits = fields["limits"].map { readLimits($0, walker) } ?? PlaybookLimits()
        let policy =
            fields["require_approval_for"].flatMap {
                walker.choice($0, "require_approval_for", as: Playbook.ApprovalPolicy.self)
            } ?? .none

        var steps: [Step] = []
        if let node = fields["steps"] {
            if let sequence = walker.sequence(node, "steps") {
                if sequence.isEmpty { walker.error("steps is empty: a playbook needs at least one step", at: node) }
                steps = sequence.compactMap { readStep($0, walker) }
            }
        } else {
            walker.error("missing 'steps'", at: root)
        }
        if let limitsNode = fields["limits"], limits.isCapped, limits.approvers.isEmpty,
            !steps.contains(where: { $0.approval != nil })
        {
            walker.error(
                "limits need 'approvers': over a cap a run parks for their approval, and this playbook has no "
                    + "approval step to borrow them from",
                at: limitsNode
            )
        }

        return Playbook(
            name: name,
            description: description,
            match: match,
            targetRole: targetRole,
            inputs: inputs,
            limits: limits,
            approvalPolicy: policy,
            steps: steps,
            location: root.location
        )
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }

    // MARK: match

    private static let matchKeys = [
        "types", "controls", "sources", "severity", "resource", "accounts", "regions", "exclude",
    ]

    private func readMatch(_ node: YAMLNode, _ walker: YAMLWalker) -> FindingFilter {
        guard let mapping = walker.mapping(node, "match") else { return FindingFilter() }
        let fields = walker.fields(of: mapping, allowed: Self.matchKeys, in: "match")
        var filter = FindingFilter()
        if let types = fields["types"] {
            filter.types = walker.stringList(types, "match.types").map(WildcardPattern.init)
        }
        if let controls = fields["controls"] {
            filter.controls = walker.stringList(controls, "match.controls").map(WildcardPattern.init)
        }
        if let sources = fields["sources"] {
            guard let sequence = walker.sequence(sources, "match.sources") else { return filter }
            filter.sources = sequence.compactMap {
                walker.choice($0, "each entry of match.sources", as: FindingSource.self)
            }
        }
        if let severity = fields["severity"] { filter.severity = readSeverity(severity, walker) }
        if let resource = fields["resource"] { filter.resourceTypes = walker.stringList(resource, "match.resource") }
        if let accounts = fields["accounts"] {
            filter.accounts = readAccounts(accounts, "match.accounts", walker)
        }
        if let regions = fields["regions"] { filter.regions = walker.stringList(regions, "match.regions") }
        if let exclude = fields["exclude"] { filter.exclusions = readExclusions(exclude, walker) }
        if filter.types.isEmpty, filter.controls.isEmpty, filter.sources.isEmpty, filter.resourceTypes.isEmpty {
            walker.error("match needs at least one of types, controls, sources or resource", at: node)
        }
        return filter
    }

    private func readAccounts(_ node: YAMLNode, _ what: String, _ walker: YAMLWalker) -> [String] {
        let accounts = walker.stringList(node, what)
        for account in accounts {
            if let problem = ResourceIdentifierKind.accountID.problem(with: account) {
                walker.error("\(what): \(problem)", at: node)
            }
        }
        return accounts
    }

    private func readSeverity(_ node: YAMLNode, _ walker: YAMLWalker) -> FindingFilter.SeverityRange? {
        guard let mapping = walker.mapping(node, "match.severity") else { return nil }
        let fields = walker.fields(of: mapping, allowed: ["min", "max"], in: "match.severity")
        var range = FindingFilter.SeverityRange()
        range.minimum = fields["min"].flatMap { readSeverityBound($0, "match.severity.min", walker) }
        range.maximum = fields["max"].flatMap { readSeverityBound($0, "match.severity.max", walker) }
        if let minimum = range.minimum, let maximum = range.maximum, minimum > maximum {
            walker.error("match.severity.min is above match.severity.max", at: node)
        }
        return range
    }

    /// A bound on the 0-100 scale, or a label (`HIGH` means 70).
    private func readSeverityBound(_ node: YAMLNode, _ what: String, _ walker: YAMLWalker) -> Double? {
        if case .scalar(let text, _) = node.content, let label = Severity.Label(rawValue: text.uppercased()) {
            return label.representativeScore
        }
        guard let value = walker.number(node, what) else { return nil }
        guard (0...100).contains(value) else {
            walker.error(
                "\(what) is on the 0-100 scale (or a label such as HIGH), not \(JSONValue.format(value))",
                at: node
            )
            return nil
        }
        return value
    }

    private func readExclusions(_ node: YAMLNode, _ walker: YAMLWalker) -> FindingFilter.Exclusions {
        guard let mapping = walker.mapping(node, "match.exclude") else { return FindingFilter.Exclusions() }
        let fields = walker.fields(of: mapping, allowed: ["tags", "accounts", "regions", "types"], in: "match.exclude")
        var exclusions = FindingFilter.Exclusions()
        if let tags = fields["tags"] { exclusions.tags = walker.stringMap(tags, "match.exclude.tags") }
        if let accounts = fields["accounts"] {
            exclusions.accounts = readAccounts(accounts, "match.exclude.accounts", walker)
        }
        if let regions = fields["regions"] { exclusions.regions = walker.stringList(regions, "match.exclude.regions") }
        if let types = fields["types"] {
            exclusions.types = walker.stringList(types, "match.exclude.types").map(WildcardPattern.init)
        }
        return exclusions
    }

    // MARK: target, inputs, limits

    private func readTarget(_ node: YAMLNode, _ walker: YAMLWalker) -> Template? {
        guard let mapping = walker.mapping(node, "target") else { return nil }
        let fields = walker.fields(of: mapping, allowed: ["role"], in: "target")
        return fields["role"].flatMap { walker.template($0, "target.role") }
    }

    private func readInputs(_ node: YAMLNode, _ walker: YAMLWalker) -> [Playbook.Input] {
        guard let mapping = walker.mapping(node, "inputs") else { return [] }
        var inputs: [Playbook.Input] = []
        for entry in mapping {
            let name = entry.key
            guard Self.isIdentifier(name) else {
                walker.error("input name '\(name)' must be letters, digits and underscores", at: entry.keyLocation)
                continue
            }
            guard let value = readTemplateValue(entry.value, "inputs.\(name)", walker) else { continue }
            inputs.append(Playbook.Input(name: name, value: value, location: entry.keyLocation))
        }
        return inputs
    }

    private func readLimits(_ node: YAMLNode, _ walker: YAMLWalker) -> PlaybookLimits {
        guard let mapping = walker.mapping(node, "limits") else { return PlaybookLimits() }
        let fields = walker.fields(
            of: mapping,
            allowed: ["max_runs_per_hour", "max_concurrent_runs", "approvers", "timeout"],
            in: "limits"
        )
        let approvers = fields["approvers"].map { walker.stringList($0, "limits.approvers") } ?? []
        for approver in approvers where !Self.isApproverReference(approver) {
            walker.error(
                "approver '\(approver)' must be an IAM user or role ARN, or group:NAME / role:NAME from the config",
                at: fields["approvers"] ?? node
            )
        }
        return PlaybookLimits(
            maximumRunsPerHour: fields["max_runs_per_hour"].flatMap {
                walker.integer($0, "limits.max_runs_per_hour", range: 1...100_000)
            },
            maximumConcurrentRuns: fields["max_concurrent_runs"].flatMap {
                walker.integer($0, "limits.max_concurrent_runs", range: 1...10_000)
            },
            approvers: approvers,
            approvalTimeout: fields["timeout"].flatMap { walker.duration($0, "limits.timeout") } ?? .seconds(3600)
        )
    }

    // MARK: steps

    private static let stepKeys = ["id", "action", "with", "approve", "when", "on_failure", "retry", "timeout"]

    private func readStep(_ node: YAMLNode, _ walker: YAMLWalker) -> Step? {
        guard let mapping = walker.mapping(node, "a step") else { return nil }
        let fields = walker.fields(of: mapping, allowed: Self.stepKeys, in: "a step")
        guard let idNode = fields["id"] else {
            walker.error("step is missing 'id'", at: node)
            return nil
        }
        guard let id = walker.string(idNode, "step id") else { return nil }
        guard Self.isStepID(id) else {
            walker.error(
                "step id '\(id)' must start with a letter and use letters, digits, '-' and '_' (at most 64)",
                at: idNode
            )
            return nil
        }

        let kind: Step.Kind
        switch (fields["action"], fields["approve"]) {
        case (let actionNode?, nil):
            guard let name = walker.string(actionNode, "action") else { return nil }
            var parameters: [String: TemplateValue] = [:]
            var locations: [String: SourceLocation] = [:]
            if let withNode = fields["with"], let withMapping = walker.mapping(withNode, "with") {
                for entry in withMapping {
                    guard let value = readTemplateValue(entry.value, "with.\(entry.key)", walker) else { continue }
                    parameters[entry.key] = value
                    locations[entry.key] = entry.keyLocation
                }
            }
            kind = .action(ActionInvocation(name: name, parameters: parameters, parameterLocations: locations))
        case (nil, let approveNode?):
            if let withNode = fields["with"] {
                walker.error("'with' belongs to action steps, not approvals", at: withNode)
            }
            guard let gate = readApproval(approveNode, walker) else { return nil }
            kind = .approval(gate)
        case (.some, .some):
            walker.error("step '\(id)' has both 'action' and 'approve'; use one per step", at: node)
            return nil
        case (nil, nil):
            walker.error("step '\(id)' needs 'action' or 'approve'", at: node)
            return nil
        }

        return Step(
            id: id,
            kind: kind,
            condition: fields["when"].flatMap { walker.condition($0, "when") },
            onFailure: fields["on_failure"].flatMap { walker.choice($0, "on_failure", as: FailurePolicy.self) }
                ?? .abort,
            retry: fields["retry"].flatMap { readRetry($0, walker) },
            timeout: fields["timeout"].flatMap { walker.duration($0, "timeout") },
            location: node.location
        )
    }

    private func readApproval(_ node: YAMLNode, _ walker: YAMLWalker) -> ApprovalGate? {
        guard let mapping = walker.mapping(node, "approve") else { return nil }
        let fields = walker.fields(
            of: mapping,
            allowed: ["approvers", "min_approvals", "timeout", "message", "scope", "window"],
            in: "approve"
        )
        guard let approversNode = fields["approvers"] else {
            walker.error("approve needs 'approvers'", at: node)
            return nil
        }
        let approvers = walker.stringList(approversNode, "approve.approvers")
        if approvers.isEmpty { walker.error("approve.approvers is empty: nobody could approve", at: approversNode) }
        for approver in approvers where !Self.isApproverReference(approver) {
            walker.error(
                "approver '\(approver)' must be an IAM user or role ARN, or group:NAME / role:NAME from the config",
                at: approversNode
            )
        }
        let minimum =
            fields["min_approvals"].flatMap { walker.integer($0, "approve.min_approvals", range: 1...100) } ?? 1
        guard let timeoutNode = fields["timeout"] else {
            walker.error("approve needs a 'timeout' (the gate fails closed when it passes)", at: node)
            return nil
        }
        guard let timeout = walker.duration(timeoutNode, "approve.timeout") else { return nil }
        return ApprovalGate(
            approvers: approvers,
            minimumApprovals: minimum,
            timeout: timeout,
            message: fields["message"].flatMap { walker.template($0, "approve.message") },
            scope: readApprovalScope(fields, at: node, walker)
        )
    }

    /// `scope: run` (the default) or `scope: campaign` with its `window`.
    private func readApprovalScope(
        _ fields: [String: YAMLNode],
        at node: YAMLNode,
        _ walker: YAMLWalker
    ) -> ApprovalScope {
        let scope = fields["scope"].flatMap { walker.choice($0, "approve.scope", as: ApprovalScopeName.self) } ?? .run
        switch (scope, fields["window"]) {
        case (.run, nil):
            return .run
        case (.run, let windowNode?):
            walker.error("approve.window belongs to 'scope: campaign'", at: windowNode)
            return .run
        case (.campaign, nil):
            walker.error(
                "approve with 'scope: campaign' needs a 'window' (how long one decision approves the playbook's runs)",
                at: node
            )
            return .run
        case (.campaign, let windowNode?):
            guard let window = walker.duration(windowNode, "approve.window") else { return .run }
            guard window > .zero, window <= Self.longestCampaignWindow else {
                walker.error("approve.window must be more than 0s and at most 24h", at: windowNode)
                return .run
            }
            return .campaign(window: window)
        }
    }

    /// One decision may stand for a day of a campaign's runs at most.
    static let longestCampaignWindow = Duration.seconds(86_400)

    private enum ApprovalScopeName: String, CaseIterable {
        case run
        case campaign
    }

    private func readRetry(_ node: YAMLNode, _ walker: YAMLWalker) -> RetryPolicy? {
        if case .scalar = node.content {
            return walker.integer(node, "retry", range: 1...10).map { RetryPolicy(attempts: $0) }
        }
        guard let mapping = walker.mapping(node, "retry") else { return nil }
        let fields = walker.fields(of: mapping, allowed: ["attempts", "backoff", "multiplier"], in: "retry")
        guard let attemptsNode = fields["attempts"] else {
            walker.error("retry needs 'attempts'", at: node)
            return nil
        }
        guard let attempts = walker.integer(attemptsNode, "retry.attempts", range: 1...10) else { return nil }
        var policy = RetryPolicy(attempts: attempts)
        if let backoff = fields["backoff"].flatMap({ walker.duration($0, "retry.backoff") }) {
            policy.initialBackoff = backoff
        }
        if let multiplierNode = fields["multiplier"], let multiplier = walker.number(multiplierNode, "retry.multiplier")
        {
            if (1...10).contains(multiplier) {
                policy.backoffMultiplier = multiplier
            } else {
                walker.error("retry.multiplier must be between 1 and 10", at: multiplierNode)
            }
        }
        return policy
    }

    // MARK: values

    private func readTemplateValue(_ node: YAMLNode, _ what: String, _ walker: YAMLWalker) -> TemplateValue? {
        switch node.content {
        case .scalar(_, let value):
            guard case .string(let text) = value, text.contains("{{") || text.contains("}}") else {
                return .literal(value)
            }
            do {
                return .template(try Template(parsing: text))
            } catch {
                walker.error("\(what): \(error.message)", at: node)
                return nil
            }
        case .sequence(let nodes):
            var elements: [TemplateValue] = []
            for (index, element) in nodes.enumerated() {
                guard let value = readTemplateValue(element, "\(what)[\(index)]", walker) else { return nil }
                elements.append(value)
            }
            return .list(elements)
        case .mapping(let entries):
            var members: [String: TemplateValue] = [:]
            for entry in entries {
                guard let value = readTemplateValue(entry.value, "\(what).\(entry.key)", walker) else { return nil }
                members[entry.key] = value
            }
            return .map(members)
        }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else {
            return false
        }
        return text.count <= 64
            && text.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
            }
    }

    static func isStepID(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else {
            return false
        }
        return text.count <= 64
            && text.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                    || $0 == "-"
            }
    }

    static func isApproverReference(_ text: String) -> Bool {
        if text.hasPrefix("group:") || text.hasPrefix("role:") {
            return isStepID(String(text.drop { $0 != ":" }.dropFirst()))
        }
        guard let arn = ARN(text) else { return false }
        return (arn.service == "iam" && (arn.resource.hasPrefix("user/") || arn.resource.hasPrefix("role/")))
            || (arn.service == "sts" && arn.resource.hasPrefix("assumed-role/"))
    }
}
