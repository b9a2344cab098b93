import RemedyCore

/// Resolves the named approver references a playbook may use (`group:NAME`, `role:NAME`) to principal ARNs.
///
/// ```swift
/// let directory = StaticApproverDirectory(groups: ["group:incident-leads": ["arn:aws:iam::111122223333:user/ana"]])
/// let leads = try await directory.principals(for: "group:incident-leads")
/// ```
public protocol ApproverDirectory: Sendable {
    /// The principal ARNs `reference` names; empty when the reference is unknown (the gate then fails closed).
    func principals(for reference: String) async throws -> [String]
    /// Who a deciding principal counts as for the initiator rule and the quorum.
    var identities: ApproverIdentities { get }
}

extension ApproverDirectory {
    /// Every session of a role is one approver: no role's session names are trusted.
    public var identities: ApproverIdentities { ApproverIdentities() }
}

/// Approver groups from the config file.
public struct StaticApproverDirectory: ApproverDirectory {
    /// Group name, as `approvers.groups` in the configuration names it (or a full `group:NAME` reference), to
    /// principal ARNs.
    public var groups: [String: [String]]
    public var identities: ApproverIdentities

    public init(groups: [String: [String]] = [:], identities: ApproverIdentities = ApproverIdentities()) {
        self.groups = groups
        self.identities = identities
    }

    /// The configuration's `approvers` section: its groups and the roles whose session names are trusted.
    public init(_ approvers: RemedyConfiguration.Approvers) {
        self.init(
            groups: approvers.groups,
            identities: ApproverIdentities(trustedSessionRoles: approvers.trustedSessionRoles)
        )
    }

    /// `group:NAME` and `role:NAME` find the configuration's group `NAME`.
    public func principals(for reference: String) async throws -> [String] {
        if let members = groups[reference] { return members }
        for prefix in ["group:", "role:"] where reference.hasPrefix(prefix) {
            return groups[String(reference.dropFirst(prefix.count))] ?? []
        }
        return []
    }
}
