import RemedyCore

/// An IAM principal deciding on a gate, compared the way approvals need.
///
/// An assumed-role session (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`) acts as its role
/// (`arn:aws:iam::ACCT:role/ROLE`, whatever the role's path) and is identified by role plus session name, so two
/// people sharing a role are two approvers.
struct Principal: Sendable, Hashable {
    let arn: String

    init(_ arn: String) {
        self.arn = arn
    }

    /// For an assumed-role session: its partition, account and role name.
    private var session: (partition: String, account: String, role: String)? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sts" else { return nil }
        let resource = parts[5].split(separator: "/", omittingEmptySubsequences: false)
        guard resource.count == 3, resource[0] == "assumed-role", !resource[1].isEmpty, !resource[2].isEmpty else {
            return nil
        }
        return (String(parts[1]), String(parts[4]), String(resource[1]))
    }

    /// Whether `listed` (a principal ARN from the gate's approvers) covers this principal.
    func isCovered(by listed: String) -> Bool {
        if listed == arn { return true }
        guard let session else { return false }
        let parts = listed.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1] == session.partition, parts[2] == "iam",
            parts[4] == session.account, parts[5].hasPrefix("role/"),
            parts[5].split(separator: "/").last.map(String.init) == session.role
        else { return false }
        return true
    }

    /// Whether this is the same principal as `other`: the same ARN, an IAM user or role and nothing else.
    func isSame(as other: String) -> Bool { arn == other }
}
