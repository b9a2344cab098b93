/// Why a request could not be signed.
///
/// Messages name the offending part of the request, never a credential: they are safe to log.
public enum SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be split into scheme, host, port, path and query.
    case invalidURL(reason: String)
    /// The host is empty or contains characters that cannot appear in an HTTP authority.
    case invalidHost
    /// The HTTP method is empty or not an HTTP token.
    case invalidMethod
    /// A header name is empty or contains a separator, whitespace or control character.
    case invalidHeaderName(String)
    /// A header value contains CR, LF or NUL, which would split or truncate the header on the wire.
    case invalidHeaderValue(name: String)
    /// A precomputed payload hash is neither 64 lower-case hex digits nor a SigV4 payload marker.
    case invalidPayloadHash
    /// A presigned URL's lifetime is outside 1...604800 seconds (SigV4 allows at most seven days).
    case invalidExpiration(Int)
    /// A timestamp string is not in `yyyyMMdd'T'HHmmss'Z'` or ISO 8601 `yyyy-MM-dd'T'HH:mm:ss'Z'` form.
    case invalidTimestamp(String)
    /// The region or service signing name is empty or contains `/`, which would corrupt the credential scope.
    case invalidScope
    /// A debug vector line could not be decoded.
    case invalidDebugVector(reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let reason): "SigV4: invalid URL: \(reason)"
        case .invalidHost: "SigV4: invalid host"
        case .invalidMethod: "SigV4: invalid HTTP method"
        case .invalidHeaderName(let name): "SigV4: invalid header name \(String(reflecting: name))"
        case .invalidHeaderValue(let name): "SigV4: header \(name) has a CR, LF or NUL in its value"
        case .invalidPayloadHash: "SigV4: payload hash must be 64 lower-case hex digits or a SigV4 payload marker"
        case .invalidExpiration(let seconds): "SigV4: presign expiry \(seconds)s is outside 1...604800"
        case .invalidTimestamp(let text): "SigV4: invalid timestamp \(String(reflecting: text))"
        case .invalidScope: "SigV4: region and service must be non-empty and contain no '/'"
        case .invalidDebugVector(let reason): "SigV4: invalid debug vector: \(reason)"
        }
    }
}
