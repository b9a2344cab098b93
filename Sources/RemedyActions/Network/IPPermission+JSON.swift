import RemedyAWS
import RemedyCore

/// Security group rules as a journal holds them, so undo can authorize exactly what was revoked.
extension IPPermission {
    var json: JSONValue {
        var object: [String: JSONValue] = ["protocol": .string(ipProtocol)]
        if let fromPort { object["from_port"] = .number(Double(fromPort)) }
        if let toPort { object["to_port"] = .number(Double(toPort)) }
        if !ipv4Ranges.isEmpty { object["ipv4_ranges"] = .array(ipv4Ranges.map(JSONValue.string)) }
        if !ipv6Ranges.isEmpty { object["ipv6_ranges"] = .array(ipv6Ranges.map(JSONValue.string)) }
        if !groupIDs.isEmpty { object["groups"] = .array(groupIDs.map(JSONValue.string)) }
        return .object(object)
    }

    init?(json: JSONValue) {
        guard let ipProtocol = json["protocol"]?.stringValue else { return nil }
        let strings = { (key: String) in json[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        self.init(
            ipProtocol: ipProtocol,
            fromPort: json["from_port"]?.integerValue,
            toPort: json["to_port"]?.integerValue,
            ipv4Ranges: strings("ipv4_ranges"),
            ipv6Ranges: strings("ipv6_ranges"),
            groupIDs: strings("groups")
        )
    }

    /// Whether the rule names no address range and no group (nothing left to revoke or authorize).
    var isEmpty: Bool { ipv4Ranges.isEmpty && ipv6Ranges.isEmpty && groupIDs.isEmpty }

    static func permissions(from json: JSONValue?) -> [IPPermission] {
        (json?.arrayValue ?? []).compactMap(IPPermission.init(json:))
    }
}
