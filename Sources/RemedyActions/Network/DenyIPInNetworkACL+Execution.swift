import RemedyAWS
import RemedyCore

/// Adds an inbound deny-all entry for the address to the network ACL of the instance's subnet, at a free rule number
/// below every inbound allow entry (so it is evaluated first). The entry itself is what the probe recognises;
/// undo deletes it.
extension DenyIPInNetworkACL: ExecutableAction {
    /// The catch-all entry every ACL ends with; it cannot be changed.
    static let catchAllRule = 32767

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let ec2 = try context.clients.ec2()
        let (acl, cidr) = try await target(parameters, ec2)
        if let existing = denyEntry(for: cidr, in: acl) { return result(acl: acl.id, ruleNumber: existing) }
        let ruleNumber = try freeRuleNumber(
            below: firstAllow(in: acl),
            preferring: try parameters.integer("rule_number"),
            in: acl
        )
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.createNetworkACLDenyEntry(
                aclID: acl.id,
                ruleNumber: ruleNumber,
                cidr: cidr,
                isIPv6: cidr.contains(":")
            )
        }
        return result(acl: acl.id, ruleNumber: ruleNumber)
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let (acl, cidr) = try await target(parameters, try context.clients.ec2())
        guard let existing = denyEntry(for: cidr, in: acl) else { return .notDone }
        var done = result(acl: acl.id, ruleNumber: existing)
        done.verified = true
        return .done(done)
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard let acl = priorState["network_acl"]?.stringValue, let rule = priorState["rule_number"]?.doubleValue
        else { return }
        let ec2 = try context.clients.ec2()
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.deleteNetworkACLEntry(aclID: acl, ruleNumber: Int(rule))
        }
    }

    /// The ACL of the instance's subnet, and the address as a CIDR block (`/32` or `/128` when none is given).
    static func target(
        _ parameters: ActionParameters,
        _ ec2: EC2Client
    ) async throws(ActionFailure)
        -> (EC2NetworkACL, String)
    {
        let instanceID = try parameters.string("instance")
        let address = try parameters.string("address")
        guard let parsed = IPAddress(address) else {
            throw ActionFailure(.permanent, code: "InvalidParameter", message: "'\(address)' is not an IP address")
        }
        let cidr = parsed.prefixLength == nil ? "\(address)/\(parsed.family == .v4 ? 32 : 128)" : address
        guard let subnetID = try await TagInstance.instance(instanceID, ec2).subnetID else {
            throw ActionFailure(.permanent, code: "NotInVPC", message: "instance \(instanceID) has no subnet")
        }
        let acls = try await readingCall { () async throws(AWSError) in
            try await ec2.describeNetworkACLs(subnetID: subnetID)
        }
        guard let acl = acls.first else {
            throw ActionFailure(
                .permanent,
                code: "InvalidNetworkAclID.NotFound",
                message: "no network ACL is associated with subnet \(subnetID)"
            )
        }
        return (acl, cidr)
    }

    /// The lowest inbound allow entry's number: a deny only works below it.
    static func firstAllow(in acl: EC2NetworkACL) -> Int {
        acl.entries.filter { !$0.isEgress && $0.action == "allow" }.map(\.ruleNumber).min() ?? catchAllRule
    }

    /// An inbound deny-all entry for `cidr` already evaluated before every allow.
    static func denyEntry(for cidr: String, in acl: EC2NetworkACL) -> Int? {
        let first = firstAllow(in: acl)
        return acl.entries.first {
            !$0.isEgress && $0.action == "deny" && $0.protocolNumber == "-1" && $0.cidr == cidr && $0.ruleNumber < first
        }?.ruleNumber
    }

    /// `preferred` when it is free and below `limit`, else the highest free number below both.
    static func freeRuleNumber(
        below limit: Int,
        preferring preferred: Int,
        in acl: EC2NetworkACL
    ) throws(ActionFailure)
        -> Int
    {
        let taken = Set(acl.entries.filter { !$0.isEgress }.map(\.ruleNumber))
        let start = min(preferred, limit - 1)
        guard let number = stride(from: start, through: 1, by: -1).first(where: { !taken.contains($0) }) else {
            throw ActionFailure(
                .permanent,
                code: "NoFreeRuleNumber",
                message: "network ACL \(acl.id) has no free inbound rule number below \(limit)"
            )
        }
        return number
    }

    static func result(acl: String, ruleNumber: Int) -> ActionResult {
        let state: JSONValue = ["network_acl": .string(acl), "rule_number": .number(Double(ruleNumber))]
        return ActionResult(
            outputs: ["network_acl": .string(acl), "rule_number": .number(Double(ruleNumber))],
            priorState: state
        )
    }
}
