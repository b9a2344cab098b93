import HTTPTypes

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who a request counts as for rate limits.
///
/// The connection's peer, unless the peer is one of the configured trusted proxies (a load balancer): then the
/// address the proxy names in `header` (`X-Forwarded-For`), read from the right, skipping the trusted proxies' own
/// addresses, so a client cannot pick its bucket by writing the header itself. IPv6 clients are counted by their /64,
/// which is what one host or site is usually given: rotating through the 2^64 addresses of a prefix gains nothing.
struct ClientAddress: Sendable {
    let header: HTTPField.Name?
    let trustedProxies: [CIDRBlock]

    init(header: String?, trustedProxies: [String]) {
        self.header = header.flatMap { HTTPField.Name($0) }
        self.trustedProxies = trustedProxies.compactMap(CIDRBlock.init)
    }

    /// The rate-limit bucket of a request from `peer` carrying `headers`.
    func bucket(peer: String, headers: HTTPFields) -> String {
        guard let peerBytes = CIDRBlock.bytes(of: peer) else { return peer }
        guard let header, isTrusted(peerBytes), let forwarded = headers[values: header].last else {
            return Self.bucket(peerBytes)
        }
        var client = peerBytes
        for entry in forwarded.split(separator: ",").reversed() {
            guard let bytes = CIDRBlock.bytes(of: entry.trimmingCharacters(in: .whitespaces)) else { break }
            client = bytes
            if !isTrusted(bytes) { break }
        }
        return Self.bucket(client)
    }

    private func isTrusted(_ bytes: [UInt8]) -> Bool { trustedProxies.contains { $0.contains(bytes) } }

    /// An IPv4 address as itself; an IPv6 address as its /64 (an IPv4-mapped one as the IPv4 address).
    static func bucket(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        if bytes.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] { return bucket(Array(bytes.suffix(4))) }
        let groups = stride(from: 0, to: 8, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }
}

/// An IPv4 or IPv6 block such as `10.0.0.0/8` or `2001:db8::/32` (a bare address is its own block).
struct CIDRBlock: Sendable, Hashable {
    let bytes: [UInt8]
    let prefixLength: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = Self.bytes(of: String(parts[0])) else { return nil }
        let maximum = bytes.count * 8
        guard let length = parts.count == 2 ? Int(parts[1]) : maximum, (0...maximum).contains(length) else {
            return nil
        }
        self.bytes = bytes
        prefixLength = length
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(bytes, address) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard mine & mask == theirs & mask else { return false }
            remaining -= 8
        }
        return true
    }

    /// The address's bytes (4 or 16), parsed by `inet_pton`; nil when it is neither.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
