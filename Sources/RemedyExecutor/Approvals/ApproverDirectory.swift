/// Resolves the named approver references a playbook may use (`group:NAME`, `role:NAME`) to principal ARNs.
///
/// ```swift
/// let directory = StaticApproverDirectory(groups: ["group:incident-leads": ["arn:aws:iam::111122223333:user/ana"]])
/// let leads = try await directory.principals(for: "group:incident-leads")
/// ```
public protocol ApproverDirectory: Sendable {
    /// The principal ARNs `reference` names; empty when the reference is unknown (the gate then fails closed).
    func principals(for reference: String) async throws -> [String]
}

/// Approver groups from the config file.
public struct StaticApproverDirectory: ApproverDirectory {
    /// Reference (`group:NAME` or `role:NAME`) to principal ARNs.
    public var groups: [String: [String]]

    public init(groups: [String: [String]] = [:]) {
        self.groups = groups
    }

    public func principals(for reference: String) async throws -> [String] { groups[reference] ?? [] }
}
