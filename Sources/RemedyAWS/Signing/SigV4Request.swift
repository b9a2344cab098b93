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
    /// cover exactly the bytes that will be sent. User info is dropped; a fragment is not sent, so not signed.
    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        payload: SigV4Payload = .empty
    ) throws(SigV4Error) {
        var rest = Substring(url)
        guard let schemeEnd = rest.range(of: "://") else { throw .invalidURL(reason: "missing scheme") }
        let scheme = rest[..<schemeEnd.lowerBound].lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
            throw .invalidURL(reason: "invalid scheme")
        }
        rest = rest[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }

        var host = authority
        var port: Int?
        let portSeparator: Substring.Index?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(reason: "unclosed IPv6 literal") }
            let afterClose = authority.index(after: close)
            host = authority[...close]
            guard afterClose == authority.endIndex || authority[afterClose] == ":" else {
                throw .invalidURL(reason: "junk after IPv6 literal")
            }
            portSeparator = afterClose == authority.endIndex ? nil : afterClose
        } else {
            portSeparator = authority.lastIndex(of: ":")
            if let portSeparator { host = authority[..<portSeparator] }
        }
        if let portSeparator {
            let digits = authority[authority.index(after: portSeparator)...]
            if !digits.isEmpty {
                guard digits.count <= 5, digits.allSatisfy(\.isASCII), let value = Int(digits), value <= 65_535 else {
                    throw .invalidURL(reason: "invalid port")
                }
                port = value
            }
        }
        guard !host.isEmpty else { throw .invalidURL(reason: "missing host") }

        let queryStart = rest.firstIndex(of: "?")
        let path = queryStart.map { rest[..<$0] } ?? rest
        let query = queryStart.map { rest[rest.index(after: $0)...] } ?? ""
        self.init(
            method: method,
            scheme: scheme,
            host: host.lowercased(),
            port: port,
            path: String(path),
            query: String(query),
            headers: headers,
            payload: payload
        )
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
