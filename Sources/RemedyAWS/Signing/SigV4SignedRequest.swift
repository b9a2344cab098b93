/// The outcome of header signing: the `Authorization` value, the headers to add, and every intermediate artefact.
///
/// The canonical request and string to sign are kept as bytes and decoded on access, so signing pays for them
/// only when a test or the debug command reads them. `description` omits them: they may hold the session token.
public struct SigV4SignedRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let canonicalRequestBytes: [UInt8]
    let stringToSignBytes: [UInt8]
    let signedHeadersBytes: [UInt8]
    /// The hex HMAC-SHA256 of the string to sign.
    public let signature: String
    /// The `Authorization` header value: `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    public let authorization: String
    /// Headers the signer added, in order: `X-Amz-Date`, `X-Amz-Security-Token`, `X-Amz-Content-SHA256`.
    ///
    /// `Authorization` is not among them (see ``authorization``), nor is `Host`, which the HTTP client sends.
    public let headersAdded: [(name: String, value: String)]
    let requestHeaders: [(name: String, value: String)]

    /// The canonical request whose hash was signed.
    public var canonicalRequest: String { String(decoding: canonicalRequestBytes, as: UTF8.self) }
    /// The string to sign: algorithm, timestamp, credential scope and canonical request hash.
    public var stringToSign: String { String(decoding: stringToSignBytes, as: UTF8.self) }
    /// `;`-separated lower-case names of the signed headers.
    public var signedHeaders: String { String(decoding: signedHeadersBytes, as: UTF8.self) }

    /// The request's headers as they must be sent: the originals minus the ones the signer replaced, then
    /// ``headersAdded``, then `Authorization`.
    public var headers: [(name: String, value: String)] {
        let replaced = Set(headersAdded.map { $0.name.lowercased() } + ["authorization"])
        var result = requestHeaders.filter { !replaced.contains($0.name.lowercased()) }
        result.append(contentsOf: headersAdded)
        result.append((name: "Authorization", value: authorization))
        return result
    }

    public var description: String {
        "SigV4SignedRequest(signedHeaders: \(signedHeaders), signature: \(signature))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["signedHeaders": signedHeaders, "signature": signature], displayStyle: .struct)
    }
}

/// The outcome of presigning: the query to send, the parameters added, and every intermediate artefact.
public struct SigV4PresignedRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let canonicalRequestBytes: [UInt8]
    let stringToSignBytes: [UInt8]
    let signedHeadersBytes: [UInt8]
    /// The hex HMAC-SHA256 of the string to sign.
    public let signature: String
    /// The `X-Amz-*` parameters appended to the query, values wire-encoded, in the order they are appended.
    public let queryParametersAdded: [(name: String, value: String)]
    /// The complete wire query (without `?`): the request's own parameters, then ``queryParametersAdded``.
    public let query: String
    let request: SigV4Request

    /// The canonical request whose hash was signed; its query includes the `X-Amz-*` parameters.
    public var canonicalRequest: String { String(decoding: canonicalRequestBytes, as: UTF8.self) }
    /// The string to sign: algorithm, timestamp, credential scope and canonical request hash.
    public var stringToSign: String { String(decoding: stringToSignBytes, as: UTF8.self) }
    /// `;`-separated lower-case names of the signed headers.
    public var signedHeaders: String { String(decoding: signedHeadersBytes, as: UTF8.self) }

    /// The presigned URL: `scheme://host[:port]path?query`.
    public var url: String {
        var authority = request.host
        if authority.contains(":"), !authority.hasPrefix("[") { authority = "[\(authority)]" }
        if let port = request.port, port != SigV4Request.defaultPort(forScheme: request.scheme) {
            authority += ":\(port)"
        }
        let path = request.path.isEmpty ? "/" : request.path
        return "\(request.scheme)://\(authority)\(path)?\(query)"
    }

    public var description: String {
        "SigV4PresignedRequest(signedHeaders: \(signedHeaders), signature: \(signature))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["signedHeaders": signedHeaders, "signature": signature], displayStyle: .struct)
    }
}
