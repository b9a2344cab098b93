import Crypto
import Foundation
import HTTPTypes
import RemedyCore

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
    private let wallClock: WallClock

    init(
        bearerTokens: [String: [UInt8]],
        hmacSecrets: [String: [UInt8]],
        replayWindow: Duration,
        wallClock: WallClock = .system
    ) {
        bearerDigests = bearerTokens.sorted { $0.key < $1.key }.map { ($0.key, ConstantTime.sha256($0.value)) }
        hmacKeys = hmacSecrets.mapValues { SymmetricKey(data: $0) }
        self.replayWindow = replayWindow
        seenSignatures = SeenSignatures()
        self.wallClock = wallClock
    }

    /// Whether the request carries credentials of this kind at all (then they must be valid).
    func carriesCredentials(_ headers: HTTPFields) -> Bool {
        headers[.authorization] != nil || headers[Self.signatureHeader] != nil
    }

    /// A request authenticated, holding its HMAC signature (if any) against replays until `settle` says whether its
    /// findings were journaled.
    struct Authenticated: Sendable {
        var feed: FeedIdentity
        fileprivate var signature: [UInt8]?
    }

    func authenticate(_ headers: HTTPFields, body: [UInt8]) async throws(Rejection) -> Authenticated {
        if let authorization = headers[.authorization] {
            return Authenticated(feed: try bearer(authorization))
        }
        if headers[Self.signatureHeader] != nil {
            return try await hmac(headers, body: body)
        }
        throw .noCredentials
    }

    /// Runs `body` for an authenticated request: a signature stays used only if `body` succeeds (its findings are
    /// journaled); otherwise it is given back, so the sender's retry is accepted.
    func settle<Result: Sendable>(
        _ authenticated: Authenticated,
        _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch {
            if let signature = authenticated.signature { await seenSignatures.release(signature) }
            throw error
        }
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

    private func hmac(_ headers: HTTPFields, body: [UInt8]) async throws(Rejection) -> Authenticated {
        guard let feed = headers[Self.feedHeader], let key = hmacKeys[feed] else {
            throw .unauthenticated("X-Remedy-Feed must name a feed with an HMAC secret")
        }
        guard let timestampText = headers[Self.timestampHeader], let timestamp = Int64(timestampText) else {
            throw .unauthenticated("X-Remedy-Timestamp must be the Unix time in seconds")
        }
        let window = replayWindow.components.seconds
        let current = Int64(wallClock.now.timeIntervalSince1970.rounded(.down))
        let skew = timestamp.subtractingReportingOverflow(current).partialValue.magnitude
        guard skew <= window.magnitude else {
            throw .unauthenticated(
                "X-Remedy-Timestamp is \(skew) s from the server's clock, outside the replay window"
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
        // Kept until the signed time leaves the window: only then is the timestamp check sure to refuse it.
        switch await seenSignatures.claim(signature, expiresAt: timestamp + window + 1, now: current) {
        case .claimed:
            return Authenticated(feed: FeedIdentity(method: .hmac, name: feed), signature: signature)
        case .replay:
            throw .unauthenticated("this signed request was already received: a replay")
        case .full:
            throw Rejection(
                .serviceUnavailable,
                "replay-cache-full",
                "too many signed requests within the replay window; retry shortly",
                retryAfter: 5
            )
        }
    }
}

extension RequestAuthenticator: CustomStringConvertible, CustomReflectable {
    /// Never the token digests or HMAC keys.
    var description: String { "RequestAuthenticator" }
    var customMirror: Mirror { Mirror(self, children: []) }
}

/// Signatures accepted while their signed timestamp is within the replay window, so one signed request is taken once.
///
/// A signature is kept until its *signed* time leaves the window (a request signed 120 s ahead is kept 120 s longer),
/// not for a window from its arrival, after which the same request would be accepted again. A request whose findings
/// could not be journaled gives its signature back (`release`), so the sender's retry is taken, not refused as a
/// replay while its findings are lost. When full, new signed requests are refused (retry later) rather than the
/// oldest signatures forgotten early, which would let them be replayed.
actor SeenSignatures {
    /// Most signatures remembered at once.
    let capacity: Int

    private var expiries: [[UInt8]: Int64] = [:]
    /// Signatures by the second their signed time leaves the window (`expiresAt`), for eviction in order.
    private var byExpiry: [Int64: [[UInt8]]] = [:]
    /// The next second to evict; every earlier one has been.
    private var nextToEvict: Int64?

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    enum Claim: Sendable, Equatable {
        case claimed
        case replay
        case full
    }

    /// Claims `signature` until `expiresAt` (Unix seconds: from then on the signed time is outside the window).
    func claim(_ signature: [UInt8], expiresAt: Int64, now: Int64) -> Claim {
        evict(through: now)
        guard expiries[signature] == nil else { return .replay }
        guard expiries.count < capacity else { return .full }
        expiries[signature] = expiresAt
        byExpiry[expiresAt, default: []].append(signature)
        return .claimed
    }

    /// Forgets a claimed signature whose request failed before its findings were journaled.
    func release(_ signature: [UInt8]) {
        guard let expiresAt = expiries.removeValue(forKey: signature) else { return }
        byExpiry[expiresAt]?.removeAll { $0 == signature }
    }

    /// How many signatures are held.
    var count: Int { expiries.count }

    private func evict(through now: Int64) {
        // Walk the seconds since the last eviction; after a long idle spell, jump to the oldest second held.
        var second = nextToEvict ?? now
        if now - second > 7_200 { second = byExpiry.keys.min() ?? now }
        while second <= now {
            for signature in byExpiry.removeValue(forKey: second) ?? [] { expiries[signature] = nil }
            second += 1
        }
        nextToEvict = max(nextToEvict ?? second, second)
    }
}
