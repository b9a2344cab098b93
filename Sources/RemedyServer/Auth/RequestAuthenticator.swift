import Crypto
import Foundation
import HTTPTypes

/// Authenticates a feed's request by bearer token or by HMAC-SHA256 signature.
///
/// Tokens are kept only as SHA-256 digests and compared in constant time against every configured one, so neither
/// timing nor an early exit tells which feed came close. HMAC requests carry `X-Remedy-Feed`, `X-Remedy-Timestamp`
/// (Unix seconds) and `X-Remedy-Signature: sha256=<hex>` over `timestamp + "." + body`; a timestamp outside the
/// replay window, or a signature already accepted within it, is refused.
struct RequestAuthenticator: Sendable {
    static let feedHeader = headerName("X-Remedy-Feed")
    static let timestampHeader = headerName("X-Remedy-Timestamp")
    static let signatureHeader = headerName("X-Remedy-Signature")

    private static func headerName(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("'\(name)' is not a header name") }
        return field
    }

    private let bearerDigests: [(feed: String, digest: [UInt8])]
    private let hmacKeys: [String: SymmetricKey]
    private let replayWindow: Duration
    private let seenSignatures: SeenSignatures
    private let now: @Sendable () -> Date

    init(
        bearerTokens: [String: [UInt8]],
        hmacSecrets: [String: [UInt8]],
        replayWindow: Duration,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        bearerDigests = bearerTokens.sorted { $0.key < $1.key }.map { ($0.key, ConstantTime.sha256($0.value)) }
        hmacKeys = hmacSecrets.mapValues { SymmetricKey(data: $0) }
        self.replayWindow = replayWindow
        seenSignatures = SeenSignatures(window: replayWindow)
        self.now = now
    }

    /// Whether the request carries credentials of this kind at all (then they must be valid).
    func carriesCredentials(_ headers: HTTPFields) -> Bool {
        headers[.authorization] != nil || headers[Self.signatureHeader] != nil
    }

    func authenticate(_ headers: HTTPFields, body: [UInt8]) async throws(Rejection) -> FeedIdentity {
        if let authorization = headers[.authorization] {
            return try bearer(authorization)
        }
        if headers[Self.signatureHeader] != nil {
            return try await hmac(headers, body: body)
        }
        throw .noCredentials
    }

    private func bearer(_ authorization: String) throws(Rejection) -> FeedIdentity {
        let prefix = "Bearer "
        guard authorization.count > prefix.count, authorization.lowercased().hasPrefix(prefix.lowercased()) else {
            throw .unauthenticated("the Authorization header must be 'Bearer <token>'")
        }
        let digest = ConstantTime.sha256(Array(authorization.utf8.dropFirst(prefix.utf8.count)))
        var match: String?
        for entry in bearerDigests where ConstantTime.equal(entry.digest, digest) { match = entry.feed }
        guard let match else { throw .unauthenticated("the bearer token is not one this server accepts") }
        return FeedIdentity(method: .bearer, name: match)
    }

    private func hmac(_ headers: HTTPFields, body: [UInt8]) async throws(Rejection) -> FeedIdentity {
        guard let feed = headers[Self.feedHeader], let key = hmacKeys[feed] else {
            throw .unauthenticated("X-Remedy-Feed must name a feed with an HMAC secret")
        }
        guard let timestampText = headers[Self.timestampHeader], let timestamp = Int64(timestampText) else {
            throw .unauthenticated("X-Remedy-Timestamp must be the Unix time in seconds")
        }
        let skew = abs(now().timeIntervalSince1970 - Double(timestamp))
        guard skew <= Double(replayWindow.components.seconds) else {
            throw .unauthenticated(
                "X-Remedy-Timestamp is \(Int(skew)) s from the server's clock, outside the replay window"
            )
        }
        guard let signatureText = headers[Self.signatureHeader], signatureText.hasPrefix("sha256="),
            let signature = ConstantTime.bytes(fromHex: String(signatureText.dropFirst(7))), signature.count == 32
        else {
            throw .unauthenticated("X-Remedy-Signature must be sha256=<64 hex digits>")
        }
        var message = Array(timestampText.utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        guard ConstantTime.equal(expected, signature) else {
            throw .unauthenticated("the HMAC signature does not match the body and timestamp")
        }
        guard await seenSignatures.insert(signature, at: now()) else {
            throw .unauthenticated("this signed request was already received: a replay")
        }
        return FeedIdentity(method: .hmac, name: feed)
    }
}

extension RequestAuthenticator: CustomStringConvertible, CustomReflectable {
    /// Never the token digests or HMAC keys.
    var description: String { "RequestAuthenticator" }
    var customMirror: Mirror { Mirror(self, children: []) }
}

/// Signatures accepted within the replay window, so the same signed request is accepted once.
actor SeenSignatures {
    /// Most signatures remembered; past it the oldest are forgotten early (their timestamps still expire them).
    static let capacity = 200_000

    private let window: TimeInterval
    private var seen: [[UInt8]: Date] = [:]
    private var order: [(signature: [UInt8], at: Date)] = []
    private var head = 0

    init(window: Duration) {
        self.window = Double(window.components.seconds)
    }

    /// False when `signature` was already seen within the window.
    func insert(_ signature: [UInt8], at now: Date) -> Bool {
        while head < order.count, now.timeIntervalSince(order[head].at) > window || order.count - head > Self.capacity {
            seen[order[head].signature] = nil
            head += 1
        }
        if head > 4_096, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        guard seen[signature] == nil else { return false }
        seen[signature] = now
        order.append((signature, now))
        return true
    }
}
