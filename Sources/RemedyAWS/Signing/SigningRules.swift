/// The service-dependent choices SigV4 leaves open: path handling, payload header, session-token placement.
///
/// Use ``standard`` for every service but S3 and ``s3(signPayload:)`` for S3; the individual switches exist for the
/// test suites and for unusual endpoints.
public struct SigningRules: Sendable, Hashable, CustomStringConvertible {
    /// Remove `.`/`..` and empty path segments before encoding (every service but S3).
    public var normalizePath: Bool
    /// Percent-encode the (already wire-encoded) path once more, so `%3A` signs as `%253A` (every service but S3).
    public var encodePath: Bool
    /// Add and sign `X-Amz-Content-SHA256` with the payload hash when signing with headers (S3 requires it).
    public var addContentSHA256Header: Bool
    /// Sign the payload's SHA-256; `false` signs the literal `UNSIGNED-PAYLOAD` instead (S3 only).
    public var signPayload: Bool
    /// Send the session token but leave it out of the signature (aws-c-auth's `omit_session_token`).
    ///
    /// A few services (IoT's MQTT-over-WebSocket presigning) want the token appended after signing.
    public var omitSessionTokenFromSignature: Bool
    /// Lower-case names of headers never signed: hop-by-hop headers and ones proxies rewrite.
    public var unsignedHeaders: [String]

    /// Headers botocore and the AWS SDKs leave unsigned because intermediaries add, drop or rewrite them.
    public static let defaultUnsignedHeaders = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    public init(
        normalizePath: Bool,
        encodePath: Bool,
        addContentSHA256Header: Bool,
        signPayload: Bool = true,
        omitSessionTokenFromSignature: Bool = false,
        unsignedHeaders: [String] = SigningRules.defaultUnsignedHeaders
    ) {
        self.normalizePath = normalizePath
        self.encodePath = encodePath
        self.addContentSHA256Header = addContentSHA256Header
        self.signPayload = signPayload
        self.omitSessionTokenFromSignature = omitSessionTokenFromSignature
        self.unsignedHeaders = unsignedHeaders.map { $0.lowercased() }
    }

    /// Every service but S3: path normalised, then encoded again; payload hashed but not sent as a header.
    public static let standard = SigningRules(normalizePath: true, encodePath: true, addContentSHA256Header: false)

    /// S3: path signed exactly as sent; `X-Amz-Content-SHA256` always added, `UNSIGNED-PAYLOAD` when not signing it.
    public static func s3(signPayload: Bool = true) -> SigningRules {
        SigningRules(normalizePath: false, encodePath: false, addContentSHA256Header: true, signPayload: signPayload)
    }

    public var description: String {
        "SigningRules(normalizePath: \(normalizePath), encodePath: \(encodePath), "
            + "addContentSHA256Header: \(addContentSHA256Header), signPayload: \(signPayload), "
            + "omitSessionTokenFromSignature: \(omitSessionTokenFromSignature))"
    }
}
