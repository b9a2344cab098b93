/// Whether a playbook applies to a finding, and why.
public enum MatchDecision: Sendable, Hashable {
    /// The playbook applies. `pendingChecks` are conditions the finding could not settle; the run must confirm them
    /// against the account before its first step, and refuses to act when it cannot (scoping fails closed).
    case matched(pendingChecks: [PendingCheck])
    case notMatched(reason: String)

    public var isMatch: Bool {
        if case .matched = self { return true }
        return false
    }
}

/// A scoping condition the finding alone cannot settle.
public enum PendingCheck: Sendable, Hashable, CustomStringConvertible {
    /// The finding carries no tags for the resource, so the exemption tags must be read from the account.
    case exemptionTags(type: String, resource: String, tags: [String: String])

    /// The action that settles `exemptionTags` as a run's first step (the planner adds it).
    public static let exemptionCheckAction = "remedy.check_exemption_tags"
    /// The id of that step.
    public static let exemptionCheckStep = "check-exemption-tags"

    public var description: String {
        switch self {
        case .exemptionTags(_, let resource, let tags):
            let list = tags.keys.sorted().map { "\($0)=\(tags[$0] ?? "")" }.joined(separator: ", ")
            return "the finding does not carry the tags of \(resource); the run reads them and refuses if any of "
                + "\(list) is set or the tags cannot be read"
        }
    }
}

extension FindingFilter {
    /// Decides whether the filter selects `finding`.
    ///
    /// Conditions are checked in a fixed order and the first that fails is the reason given.
    public func decide(_ finding: Finding) -> MatchDecision {
        guard !types.isEmpty || !controls.isEmpty || !resourceTypes.isEmpty || !sources.isEmpty else {
            return .notMatched(reason: "the playbook's match names no types, controls, sources or resources")
        }
        if !sources.isEmpty, !sources.contains(finding.source) {
            return .notMatched(
                reason: "source \(finding.source.rawValue) is not one of \(list(sources.map(\.rawValue)))"
            )
        }
        // Types and controls both say what a finding is: matching either is enough. A control finding is matched by
        // its control alone: every control's findings share the broad ASFF types ("Software and Configuration
        // Checks/..."), so a types glob would act on a bucket for its access logging (S3.9) as for its exposure.
        if !types.isEmpty || !controls.isEmpty {
            let isControlFinding = finding.controlID != nil
            let typeMatches =
                !isControlFinding && finding.types.contains { type in types.contains { $0.matches(type) } }
            let controlMatches = finding.controlID.map { control in controls.contains { $0.matches(control) } } ?? false
            guard typeMatches || controlMatches else {
                var reasons: [String] = []
                if isControlFinding, controls.isEmpty {
                    reasons.append(
                        "a control finding (\(finding.controlID ?? "")) matches by control, and none is listed"
                    )
                } else if !types.isEmpty, !isControlFinding {
                    reasons.append("types \(list(finding.types)) match none of \(list(types.map(\.pattern)))")
                }
                if !controls.isEmpty {
                    reasons.append(
                        "control \(finding.controlID ?? "(none)") matches none of \(list(controls.map(\.pattern)))"
                    )
                }
                return .notMatched(reason: reasons.joined(separator: "; "))
            }
        }
        if let severity, !severity.contains(finding.severity) {
            return .notMatched(reason: "severity \(JSONValue.format(finding.severity.score)) is outside the range")
        }
        if !resourceTypes.isEmpty {
            guard let type = finding.resources.first?.type, resourceTypes.contains(type) else {
                let type = finding.resources.first?.type ?? "(none)"
                return .notMatched(reason: "resource type \(type) is not one of \(list(resourceTypes))")
            }
        }
        if !accounts.isEmpty, !accounts.contains(finding.account) {
            return .notMatched(reason: "account \(finding.account) is not in scope")
        }
        if !regions.isEmpty, !regions.contains(finding.region) {
            return .notMatched(reason: "region \(finding.region) is not in scope")
        }
        if exclusions.accounts.contains(finding.account) {
            return .notMatched(reason: "account \(finding.account) is excluded")
        }
        if exclusions.regions.contains(finding.region) {
            return .notMatched(reason: "region \(finding.region) is excluded")
        }
        if let type = finding.types.first(where: { type in exclusions.types.contains { $0.matches(type) } }) {
            return .notMatched(reason: "type \(type) is excluded")
        }
        var pending: [PendingCheck] = []
        if !exclusions.tags.isEmpty, let resource = finding.resources.first {
            if let tags = resource.tags {
                if let key = exclusions.tags.keys.sorted().first(where: { tags[$0] == exclusions.tags[$0] }) {
                    return .notMatched(reason: "resource \(resource.id) is exempt by tag \(key)=\(tags[key] ?? "")")
                }
            } else {
                pending.append(.exemptionTags(type: resource.type, resource: resource.id, tags: exclusions.tags))
            }
        }
        return .matched(pendingChecks: pending)
    }

    private func list(_ values: [String]) -> String { "[" + values.joined(separator: ", ") + "]" }
}
