import RemedyCore

/// An IAM principal deciding on a gate, compared the way approvals need.
///
/// An assumed-role session (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`) acts as its role
/// (`arn:aws:iam::ACCT:role/ROLE`, whatever the role's path) when the gate's approvers are checked.
struct Principal: Sendable, Hashable {
    let arn: String

    init(_ arn: String) {
        self.arn = arn
    }

    /// For an assumed-role session: its partition, account and role name.
    var session: (partition: String, account: String, role: String)? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sts" else { return nil }
        let resource = parts[5].split(separator: "/", omittingEmptySubsequences: false)
        guard resource.count == 3, resource[0] == "assumed-role", !resource[1].isEmpty, !resource[2].isEmpty else {
            return nil
        }
        return (String(parts[1]), String(parts[4]), String(resource[1]))
    }

    /// For an IAM role ARN (`arn:P:iam::ACCT:role/PATH/NAME`): its partition, account and name, path dropped.
    var role: (partition: String, account: String, name: String)? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[5].hasPrefix("role/"),
            let name = parts[5].split(separator: "/").last, name != "role"
        else { return nil }
        return (String(parts[1]), String(parts[4]), String(name))
    }

    /// Whether `listed` (a principal ARN from the gate's approvers) covers this principal.
    func isCovered(by listed: String) -> Bool {
        if listed == arn { return true }
        guard let session, let role = Principal(listed).role else { return false }
        return role.partition == session.partition && role.account == session.account && role.name == session.role
    }
}

/// Who a principal is as an approver: what the initiator rule and the quorum compare.
///
/// A role session's name is chosen by whoever assumes the role, so by default every session of a role is one
/// approver, the role (`arn:P:iam::ACCT:role/NAME`): Alice re-assuming her role as `alice2` is still Alice, and still
/// the initiator. A role listed in `trustedSessionRoles` is one whose trust policy pins the session name to the person
/// (for example `sts:RoleSessionName` required to equal `${aws:SourceIdentity}` or the identity provider's subject);
/// its sessions are told apart by name. IAM users and local names are themselves.
///
/// ```swift
/// let identities = ApproverIdentities()
/// identities.identity(of: "arn:aws:sts::111122223333:assumed-role/Responder/alice")
/// // "arn:aws:iam::111122223333:role/Responder"
/// ```
public struct ApproverIdentities: Sendable, Hashable {
    /// The trusted roles, each as `roleIdentity` writes it (path dropped).
    private let trusted: Set<String>

    /// - Parameter trustedSessionRoles: role ARNs (any path) whose session names identify a person.
    public init(trustedSessionRoles: [String] = []) {
        trusted = Set(trustedSessionRoles.compactMap { Principal($0).role.map(Self.roleIdentity) })
    }

    /// The approver `principal` counts as.
    public func identity(of principal: String) -> String {
        let principal = Principal(principal)
        if let session = principal.session {
            let role = Self.roleIdentity((session.partition, session.account, session.role))
            return trusted.contains(role) ? principal.arn : role
        }
        if let role = principal.role { return Self.roleIdentity(role) }
        return principal.arn
    }

    private static func roleIdentity(_ role: (partition: String, account: String, name: String)) -> String {
        "arn:\(role.partition):iam::\(role.account):role/\(role.name)"
    }
}
