import Crypto
import Foundation

/// Signs requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`), in the `Authorization` header or as a
/// presigned URL.
///
/// A signer is bound to one service signing name, region and set of ``SigningRules``; it is a cheap value to share
/// between tasks and caches derived signing keys per secret and day. The request is validated first; the canonical
/// request is then built in buffers sized from upper bounds (scratch space on the stack), so a signature costs
/// two SHA-256 passes over short inputs plus the body hash and a handful of allocations for the results.
public struct SigV4Signer: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The service signing name of the credential scope (`ec2`, `s3`, `securityhub`, ...).
    public let service: String
    /// The region of the credential scope (`us-east-1`).
    public let region: String
    /// How paths, payload and session token are treated.
    public let rules: SigningRules
    /// `/<region>/<service>/aws4_request`, written after the date in every credential scope.
    let scopeSuffix: [UInt8]
    private let unsignedHeaderNames: [[UInt8]]
    private let keyCache: SigningKeyCache

    /// A signer for `service` in `region`, deriving keys into `keyCache`, which other signers may share (those of
    /// one `AWSContext` do).
    ///
    /// - Throws: ``SigV4Error/invalidScope`` when either is empty or contains `/`, whitespace or control bytes.
    public init(
        service: String,
        region: String,
        rules: SigningRules = .standard,
        keyCache: SigningKeyCache = SigningKeyCache()
    ) throws(SigV4Error) {
        let valid: (String) -> Bool = { part in
            !part.isEmpty && part.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") }
        }
        guard valid(service), valid(region) else { throw .invalidScope }
        self.service = service
        self.region = region
        self.rules = rules
        self.scopeSuffix = Array("/\(region)/\(service)/aws4_request".utf8)
        self.unsignedHeaderNames = rules.unsignedHeaders.map { Array($0.lowercased().utf8) }
        self.keyCache = keyCache
    }

    /// Signs `request` with an `Authorization` header.
    ///
    /// Adds `X-Amz-Date`, `X-Amz-Security-Token` (for temporary credentials) and, under S3 rules,
    /// `X-Amz-Content-SHA256`, replacing any the request already has, and signs every other header except
    /// ``SigningRules/unsignedHeaders``. `Host` is signed from the request's `Host` header when it has one, else
    /// from ``SigV4Request/signingHost``.
    public func sign(
        _ request: SigV4Request,
        credentials: AWSCredentials,
        at time: SigV4Timestamp = SigV4Timestamp(Date())
    ) throws(SigV4Error) -> SigV4SignedRequest {
        let canonical = try canonicalize(request, credentials: credentials, time: time, presignExpiry: nil)
        let key = signingKey(for: credentials, at: time)
        let stringToSign = makeStringToSign(canonical.bytes, time: time)
        let signature = stringToSign.withUnsafeBytes { key.signature(forBytes: $0) }

        let accessKeyID = credentials.accessKeyID
        let capacity = 64 + accessKeyID.utf8.count + 8 + scopeSuffix.count + canonical.signedHeaders.count + 64
        let authorization = String(unsafeUninitializedCapacity: capacity) { buffer in
            var out = ByteWriter(buffer)
            out.write("AWS4-HMAC-SHA256 Credential=")
            out.write(accessKeyID)
            out.write(UInt8(ascii: "/"))
            time.writeDateStamp(to: &out)
            out.write(scopeSuffix)
            out.write(", SignedHeaders=")
            out.write(canonical.signedHeaders)
            out.write(", Signature=")
            out.write(signature)
            return out.count
        }
        return SigV4SignedRequest(
            canonicalRequestBytes: canonical.bytes,
            stringToSignBytes: stringToSign,
            signedHeadersBytes: canonical.signedHeaders,
            signature: signature,
            authorization: authorization,
            headersAdded: canonical.headersAdded,
            requestHeaders: request.headers
        )
    }

    /// Presigns `request`: the signature and credential travel in `X-Amz-*` query parameters, valid for
    /// `expires` seconds.
    ///
    /// Only headers already in the request (and `host`) are signed; whoever follows the URL must send them
    /// unchanged. Any `X-Amz-*` authentication parameters already in the query are replaced.
    public func presign(
        _ request: SigV4Request,
        credentials: AWSCredentials,
        at time: SigV4Timestamp = SigV4Timestamp(Date()),
        expires: Int
    ) throws(SigV4Error) -> SigV4PresignedRequest {
        guard (1...604_800).contains(expires) else { throw .invalidExpiration(expires) }
        let canonical = try canonicalize(request, credentials: credentials, time: time, presignExpiry: expires)
        let key = signingKey(for: credentials, at: time)
        let stringToSign = makeStringToSign(canonical.bytes, time: time)
        let signature = stringToSign.withUnsafeBytes { key.signature(forBytes: $0) }

        var added = canonical.queryParametersAdded
        added.append((name: "X-Amz-Signature", value: signature))
        var query = String(decoding: canonical.retainedQuery, as: UTF8.self)
        for (name, value) in added {
            query += query.isEmpty ? "\(name)=\(value)" : "&\(name)=\(value)"
        }
        return SigV4PresignedRequest(
            canonicalRequestBytes: canonical.bytes,
            stringToSignBytes: stringToSign,
            signedHeadersBytes: canonical.signedHeaders,
            signature: signature,
            queryParametersAdded: added,
            query: query,
            request: request
        )
    }

    /// The signing key for `credentials` on `time`'s day, from this signer's cache when already derived.
    public func signingKey(for credentials: AWSCredentials, at time: SigV4Timestamp) -> SigningKey {
        keyCache.key(secretAccessKey: credentials.secretAccessKey, date: time, region: region, service: service)
    }

    public var description: String {
        "SigV4Signer(service: \(service), region: \(region), rules: \(rules))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["service": service, "region": region, "rules": rules], displayStyle: .struct)
    }

    private func makeStringToSign(_ canonicalRequest: [UInt8], time: SigV4Timestamp) -> [UInt8] {
        var hasher = SHA256()
        canonicalRequest.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        let digest = hasher.finalize()
        return [UInt8](unsafeUninitializedCapacity: 17 + 16 + 1 + 8 + scopeSuffix.count + 1 + 64) {
            buffer,
            initialized in
            var out = ByteWriter(buffer)
            out.write("AWS4-HMAC-SHA256\n")
            time.writeAmzDate(to: &out)
            out.write(UInt8(ascii: "\n"))
            time.writeDateStamp(to: &out)
            out.write(scopeSuffix)
            out.write(UInt8(ascii: "\n"))
            digest.withUnsafeBytes { SigV4Bytes.writeHex($0, to: &out) }
            initialized = out.count
        }
    }

    /// Writes the canonical URI: normalised and encoded again, or verbatim, per ``rules``.
    ///
    /// Needs at most `3 * path.count + 2` bytes.
    func writeCanonicalPath(_ path: String, to out: inout ByteWriter) {
        var copy = path
        copy.withUTF8 { bytes in
            guard !bytes.isEmpty else {
                out.write(UInt8(ascii: "/"))
                return
            }
            guard rules.normalizePath else {
                if rules.encodePath {
                    SigV4Bytes.writeEncoded(bytes, keepSlash: true, to: &out)
                } else {
                    out.write(bytes)
                }
                return
            }
            // RFC 3986 remove_dot_segments, also dropping empty segments as AWS services expect; a trailing
            // slash survives only if a segment does (botocore's normalize_url_path).
            var slashes = 0
            for byte in bytes where byte == UInt8(ascii: "/") { slashes += 1 }
            withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: slashes + 1) { segments in
                var depth = 0
                var start = 0
                while start <= bytes.count {
                    var end = start
                    while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
                    let length = end - start
                    let isDot = length == 1 && bytes[start] == UInt8(ascii: ".")
                    let isDotDot =
                        length == 2 && bytes[start] == UInt8(ascii: ".") && bytes[start + 1] == UInt8(ascii: ".")
                    if isDotDot {
                        if depth > 0 { depth -= 1 }
                    } else if length > 0 && !isDot {
                        segments[depth] = start..<end
                        depth += 1
                    }
                    start = end + 1
                }
                if bytes[0] == UInt8(ascii: "/") { out.write(UInt8(ascii: "/")) }
                for index in 0..<depth {
                    if index > 0 { out.write(UInt8(ascii: "/")) }
                    let segment = UnsafeBufferPointer(rebasing: bytes[segments[index]])
                    if rules.encodePath {
                        SigV4Bytes.writeEncoded(segment, keepSlash: false, to: &out)
                    } else {
                        out.write(segment)
                    }
                }
                if bytes[bytes.count - 1] == UInt8(ascii: "/"), depth > 0 { out.write(UInt8(ascii: "/")) }
            }
        }
    }

    func isUnsigned(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
        for candidate in unsignedHeaderNames where candidate.count == name.count {
            let matches = candidate.withUnsafeBufferPointer { candidateBytes in
                var index = 0
                while index < candidateBytes.count {
                    if candidateBytes[index] != buffer[name.lowerBound + index] { return false }
                    index += 1
                }
                return true
            }
            if matches { return true }
        }
        return false
    }

    // MARK: - Validation and small encoders

    static func isPresignParameter(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ key: Range<Int>) -> Bool {
        SigV4Bytes.equals(buffer, key, "X-Amz-Algorithm") || SigV4Bytes.equals(buffer, key, "X-Amz-Credential")
            || SigV4Bytes.equals(buffer, key, "X-Amz-Date") || SigV4Bytes.equals(buffer, key, "X-Amz-Expires")
            || SigV4Bytes.equals(buffer, key, "X-Amz-SignedHeaders")
            || SigV4Bytes.equals(buffer, key, "X-Amz-Security-Token")
            || SigV4Bytes.equals(buffer, key, "X-Amz-Signature")
    }

    /// Whether `byte` may appear in an HTTP token (RFC 9110 `tchar`): method names and header names.
    @inline(__always)
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        if SigV4Bytes.isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "^"), UInt8(ascii: "`"),
            UInt8(ascii: "|"):
            return true
        default:
            return false
        }
    }

    static func validateMethod(_ method: String) throws(SigV4Error) {
        guard !method.isEmpty, method.utf8.allSatisfy(isTokenCharacter) else { throw .invalidMethod }
    }

    /// Checks a header can go on the wire and returns its name and value length.
    static func validateHeader(_ header: (name: String, value: String)) throws(SigV4Error) -> Int {
        var name = header.name
        let nameLength = name.withUTF8 { bytes in
            bytes.isEmpty || !bytes.allSatisfy(isTokenCharacter) ? -1 : bytes.count
        }
        guard nameLength > 0 else { throw .invalidHeaderName(header.name) }
        var value = header.value
        let valueLength = value.withUTF8 { bytes in
            bytes.contains { $0 == 0x0a || $0 == 0x0d || $0 == 0 } ? -1 : bytes.count
        }
        guard valueLength >= 0 else { throw .invalidHeaderValue(name: header.name) }
        return nameLength + valueLength
    }

    static func validateHost(_ host: String) throws(SigV4Error) {
        var copy = host
        let valid = copy.withUTF8 { bytes in
            !bytes.isEmpty
                && !bytes.contains {
                    $0 <= 0x20 || $0 == 0x7f || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?")
                        || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "@")
                }
        }
        guard valid else { throw .invalidHost }
    }

    /// Writes the `host` to sign: lower-cased, IPv6 bracketed, port only when not the scheme's default.
    ///
    /// Needs at most `host.count + 2 + 1 + 20` bytes.
    static func writeSigningHost(of request: SigV4Request, to out: inout ByteWriter) {
        var host = request.host
        host.withUTF8 { bytes in
            let needsBrackets = bytes.contains(UInt8(ascii: ":")) && bytes.first != UInt8(ascii: "[")
            if needsBrackets { out.write(UInt8(ascii: "[")) }
            SigV4Bytes.writeLowercased(bytes, to: &out)
            if needsBrackets { out.write(UInt8(ascii: "]")) }
        }
        if let port = request.port, port >= 0, port != SigV4Request.defaultPort(forScheme: request.scheme) {
            out.write(UInt8(ascii: ":"))
            SigV4Bytes.writeDecimal(port, to: &out)
        }
    }

    /// The signing host of `request`, for ``SigV4Request/signingHost``.
    static func signingHost(of request: SigV4Request) throws(SigV4Error) -> String {
        try validateHost(request.host)
        return String(unsafeUninitializedCapacity: request.host.utf8.count + 24) { buffer in
            var out = ByteWriter(buffer)
            writeSigningHost(of: request, to: &out)
            return out.count
        }
    }

    static func collapsed(_ value: String) -> [UInt8] {
        var copy = value
        return copy.withUTF8 { bytes in
            [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
                var out = ByteWriter(buffer)
                SigV4Bytes.writeCollapsedValue(bytes, to: &out)
                initialized = out.count
            }
        }
    }

    private static let emptyPayloadHash = Array("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".utf8)

    static func payloadHash(of payload: SigV4Payload, signPayload: Bool) throws(SigV4Error) -> [UInt8] {
        guard signPayload else { return Array("UNSIGNED-PAYLOAD".utf8) }
        switch payload {
        case .bytes(let body):
            if body.isEmpty { return emptyPayloadHash }
            var hasher = SHA256()
            body.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            let digest = hasher.finalize()
            return [UInt8](unsafeUninitializedCapacity: 64) { buffer, initialized in
                var out = ByteWriter(buffer)
                digest.withUnsafeBytes { SigV4Bytes.writeHex($0, to: &out) }
                initialized = out.count
            }
        case .precomputedHash(let hash):
            let bytes = Array(hash.utf8)
            let isHex =
                bytes.count == 64 && bytes.allSatisfy { $0 &- UInt8(ascii: "0") < 10 || $0 &- UInt8(ascii: "a") < 6 }
            guard isHex || payloadMarkers.contains(hash) else { throw .invalidPayloadHash }
            return bytes
        }
    }

    /// The literal payload values SigV4 signs instead of a hash.
    private static let payloadMarkers: Set<String> = [
        "UNSIGNED-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    ]
}

extension ByteWriter {
    /// Writes `string` with ASCII letters lower-cased.
    @inline(__always)
    mutating func write(lowercased string: String) {
        var copy = string
        copy.withUTF8 { SigV4Bytes.writeLowercased($0, to: &self) }
    }
}
