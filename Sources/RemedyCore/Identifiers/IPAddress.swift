/// An IPv4 or IPv6 address, optionally with a CIDR prefix length, parsed without the network stack.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case v4
        case v6
    }

    public var family: Family
    public var text: String
    public var prefixLength: Int?

    public init?(_ value: String) {
        let pieces = value.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count) else { return nil }
        let address = String(pieces[0])
        if Self.isIPv4(address) {
            family = .v4
        } else if Self.isIPv6(address) {
            family = .v6
        } else {
            return nil
        }
        if pieces.count == 2 {
            let limit = family == .v4 ? 32 : 128
            guard let length = Int(pieces[1]), (0...limit).contains(length), pieces[1].utf8.count <= 3 else {
                return nil
            }
            prefixLength = length
        }
        text = value
    }

    public var description: String { text }

    /// The address as a CIDR block: `/32` or `/128` when no prefix was given.
    public var cidr: String {
        if prefixLength != nil { return text }
        return text + (family == .v4 ? "/32" : "/128")
    }

    static func isIPv4(_ value: String) -> Bool {
        let octets = value.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4
            && octets.allSatisfy { octet in
                (1...3).contains(octet.utf8.count) && octet.utf8.allSatisfy(ResourceIdentifierKind.isDigit)
                    && (Int(octet) ?? 256) <= 255 && !(octet.utf8.count > 1 && octet.hasPrefix("0"))
            }
    }

    static func isIPv6(_ value: String) -> Bool {
        guard value.utf8.count <= 45, value.contains(":") else { return false }
        let halves = value.pieces(separatedBy: "::")
        var groups = 0
        for half in halves where !half.isEmpty {
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                // An embedded IPv4 address may end the last group ("::ffff:192.0.2.1") and counts as two groups.
                if index == parts.count - 1, half == halves.last, part.contains(".") {
                    guard isIPv4(String(part)) else { return false }
                    groups += 2
                    continue
                }
                guard (1...4).contains(part.utf8.count),
                    part.utf8.allSatisfy({ ResourceIdentifierKind.isLowerHex($0) || (0x41...0x46).contains($0) })
                else { return false }
                groups += 1
            }
        }
        return halves.count == 2 ? groups < 8 : groups == 8
    }
}

extension String {
    /// The text between occurrences of `separator` (the whole text when it is absent).
    ///
    /// Unlike `split`, a multi-character separator is matched as a whole.
    func pieces(separatedBy separator: String) -> [Substring] {
        var pieces: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            pieces.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        pieces.append(rest)
        return pieces
    }
}
