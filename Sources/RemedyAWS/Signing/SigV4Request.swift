/// The body of a request as the signer sees it.
public enum SigV4Payload: Sendable, Equatable {
    /// The exact body bytes; the signer hashes them (the empty body hashes to `e3b0c442…b855`).
    case bytes([UInt8])
    /// A hash computed elsewhere (for a streamed or large body): 64 lower-case hex digits, or a SigV4 marker
    /// such as `UNSIGNED-PAYLOAD` or `STREAMING-UNSIGNED-PAYLOAD-TRAILER`.
    case precomputedHash(String)

    /// No body.
    public static let empty = SigV4Payload.bytes([])
}

/// An HTTP request as it will go on the wire, the input of ``SigV4Signer``.
///
/// `path` and `query` are wire form: each path segment and query key and value percent-encoded once. The signer
/// never re-parses a URL string on the hot path; ``init(method:url:headers:payload:)`` does the one-off split.
public struct SigV4Request: Sendable {
    /// The HTTP method, as sent (`GET`, `POST`, ...).
    public var method: String
    /// `https` or `http`; decides which port is the default one.
    public var scheme: String
    /// The host name or IP literal (IPv6 with or without brackets).
    public var host: String
    /// The port, when the URL names one; the scheme's default port is left out of the signed `host`.
    public var port: Int?
    /// The wire path (`/a%20b/c`); empty means `/`.
    public var path: String
    /// The wire query without `?`: `&`-separated, keys may repeat, `k`, `k=` and `k=v` all allowed.
    public var query: String
    /// Header fields in order; names may repeat and are matched case-insensitively.
    public var headers: [(name: String, value: String)]
    /// The body, or its precomputed hash.
    public var payload: SigV4Payload

    public init(
        method: String,
        scheme: String = "https",
        host: String,
        port: Int? = nil,
        path: String,
        query: String = "",
        headers: [(name: String, value: String)] = [],
        payload: SigV4Payload = .empty
    ) {
        self.method = method
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.query = query
        self.headers = headers
        self.payload = payload
    }

    /// Splits a wire URL (`https://host[:port]/path?query`) without re-encoding anything.
    ///
    /// Foundation's `URL` is avoided on purpose: it may normalise or re-escape the path, and the signature must
    /// cover exactly the bytes that will be sent. User info is dropped; a fragment is not sent, so not signed. The
    /// split goes by bytes (every delimiter is ASCII): the exercise's simulated account splits every request with it.
    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        payload: SigV4Payload = .empty
    ) throws(SigV4Error) {
        var rest = Substring(url)
        guard let colon = rest.utf8.firstIndex(of: UInt8(ascii: ":")),
            rest.utf8[colon...].starts(with: "://".utf8)
        else {
            throw .invalidURL(reason: "missing scheme")
        }
        let scheme = rest[..<colon]
        guard !scheme.isEmpty, scheme.utf8.allSatisfy(Self.isSchemeByte) else {
            throw .invalidURL(reason: "invalid scheme")
        }
        rest = rest[rest.utf8.index(colon, offsetBy: 3)...]
        if let hash = rest.utf8.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        let authorityEnd =
            rest.utf8.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        if let at = authority.utf8.lastIndex(of: UInt8(ascii: "@")) {
            authority = authority[authority.utf8.index(after: at)...]
        }

        var host = authority
        var port: Int?
        let portSeparator: Substring.Index?
        if authority.utf8.first == UInt8(ascii: "[") {
            guard let close = authority.utf8.firstIndex(of: UInt8(ascii: "]")) else {
                throw .invalidURL(reason: "unclosed IPv6 literal")
            }
            let afterClose = authority.utf8.index(after: close)
            host = authority[..<afterClose]
            guard afterClose == authority.endIndex || authority.utf8[afterClose] == UInt8(ascii: ":") else {
                throw .invalidURL(reason: "junk after IPv6 literal")
            }
            portSeparator = afterClose == authority.endIndex ? nil : afterClose
        } else {
            portSeparator = authority.utf8.lastIndex(of: UInt8(ascii: ":"))
            if let portSeparator { host = authority[..<portSeparator] }
        }
        if let portSeparator {
            let digits = authority.utf8[authority.utf8.index(after: portSeparator)...]
            if !digits.isEmpty {
                guard digits.count <= 5 else { throw .invalidURL(reason: "invalid port") }
                var value = 0
                for digit in digits {
                    guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else {
                        throw .invalidURL(reason: "invalid port")
                    }
                    value = value * 10 + Int(digit - UInt8(ascii: "0"))
                }
                guard value <= 65_535 else { throw .invalidURL(reason: "invalid port") }
                port = value
            }
        }
        guard !host.isEmpty else { throw .invalidURL(reason: "missing host") }

        let queryStart = rest.utf8.firstIndex(of: UInt8(ascii: "?"))
        let path = queryStart.map { rest[..<$0] } ?? rest
        let query = queryStart.map { rest[rest.utf8.index(after: $0)...] } ?? ""
        self.init(
            method: method,
            scheme: scheme.lowercased(),
            host: host.lowercased(),
            port: port,
            path: String(path),
            query: String(query),
            headers: headers,
            payload: payload
        )
    }

    /// RFC 3986: `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (the first letter is not checked apart).
    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    /// The `host` value SigV4 signs when the request has no `Host` header: lower-cased, port only if not default.
    public var signingHost: String {
        get throws(SigV4Error) { try SigV4Signer.signingHost(of: self) }
    }

    static func defaultPort(forScheme scheme: String) -> Int? {
        // Compared without lower-casing into a new string: this runs on every signature.
        if scheme == "https" { return 443 }
        if scheme == "http" { return 80 }
        switch scheme.lowercased() {
        case "https", "wss": return 443
        case "http", "ws": return 80
        default: return nil
        }
    }
}
