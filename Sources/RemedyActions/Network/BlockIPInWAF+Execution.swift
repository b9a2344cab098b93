import RemedyAWS
import RemedyCore

extension BlockIPInWAF: ExecutableAction {
    /// How many times a stale lock token is answered by reading the set again before the step gives up.
    static let maximumLockAttempts = 5

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let set = try ipSet(parameters)
        let address = try cidr(parameters)
        let wasPresent = try await change(set, address: address, present: true, try context.clients.wafv2())
        return ActionResult(priorState: ["address": .string(address), "was_present": .bool(wasPresent)])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let reference = try ipSet(parameters)
        let address = try cidr(parameters)
        let waf = try context.clients.wafv2()
        let set = try await readingCall { () async throws(AWSError) in
            try await waf.getIPSet(name: reference.name, id: reference.id, scope: reference.scope)
        }
        return contains(set.addresses, address) ? .done(ActionResult(verified: true)) : .notDone
    }

    /// Removes the address again, unless it was in the set before the step.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard priorState["was_present"]?.boolValue != true else { return }
        var address = try cidr(parameters)
        if let recorded = priorState["address"]?.stringValue { address = recorded }
        _ = try await change(try ipSet(parameters), address: address, present: false, try context.clients.wafv2())
    }

    /// Adds (`present`) or removes the address with the set's lock token; returns whether it was there at first.
    ///
    /// A stale token (someone else changed the set between the read and the update) is answered by reading again,
    /// at most ``maximumLockAttempts`` times.
    static func change(
        _ reference: (name: String, id: String, scope: String),
        address: String,
        present: Bool,
        _ waf: WAFv2Client
    ) async throws(ActionFailure) -> Bool {
        var wasPresent: Bool?
        for _ in 1...maximumLockAttempts {
            var set = try await readingCall { () async throws(AWSError) in
                try await waf.getIPSet(name: reference.name, id: reference.id, scope: reference.scope)
            }
            let isPresent = contains(set.addresses, address)
            if wasPresent == nil { wasPresent = isPresent }
            if isPresent == present { return wasPresent ?? isPresent }
            if present {
                set.addresses.append(address)
            } else {
                set.addresses.removeAll { $0.lowercased() == address.lowercased() }
            }
            do {
                try await waf.updateIPSet(set)
                return wasPresent ?? isPresent
            } catch  where error.code == "WAFOptimisticLockException" {
                continue
            } catch {
                throw ActionFailure(error, isMutating: true)
            }
        }
        throw ActionFailure(
            .retryable,
            code: "WAFOptimisticLockException",
            message: "the IP set \(reference.name) kept changing under \(maximumLockAttempts) attempts to update it"
        )
    }

    /// Name, id and scope from `arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/NAME/ID` (`global` for CloudFront).
    static func ipSet(_ parameters: ActionParameters) throws(ActionFailure) -> (name: String, id: String, scope: String)
    {
        let arn = try parameters.string("ip_set_arn")
        let resource = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).dropFirst(5).first
        let parts = resource.map { $0.split(separator: "/", omittingEmptySubsequences: false) } ?? []
        guard parts.count == 4, parts[1] == "ipset", ["regional", "global"].contains(parts[0]) else {
            throw ActionParameters.missing("ip_set_arn", "a WAFv2 IP set ARN (...:regional/ipset/NAME/ID)")
        }
        return (String(parts[2]), String(parts[3]), parts[0] == "global" ? "CLOUDFRONT" : "REGIONAL")
    }

    /// The address as WAF stores it: a single address becomes /32 (IPv4) or /128 (IPv6).
    static func cidr(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        let address = try parameters.string("address")
        if address.contains("/") { return address }
        return address + (address.contains(":") ? "/128" : "/32")
    }

    static func contains(_ addresses: [String], _ address: String) -> Bool {
        addresses.contains { $0.lowercased() == address.lowercased() }
    }
}
