import Crypto
import Foundation

// The canonical request (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), built in
// three passes over one scratch allocation: validation (everything that can throw, and the sizes), the canonical
// headers, the canonical query; then the bytes are assembled once.
extension SigV4Signer {
    struct Canonical {
        var bytes: [UInt8]
        var signedHeaders: [UInt8]
        var headersAdded: [(name: String, value: String)]
        var queryParametersAdded: [(name: String, value: String)]
        /// The request's own query pieces (wire form), minus replaced authentication parameters.
        var retainedQuery: [UInt8]
    }

    /// A header (lower-cased name, collapsed value) or a canonical query pair, as ranges of a scratch buffer.
    struct Span {
        var name: Range<Int>
        var value: Range<Int>
        var order: Int
    }

    /// What the validation pass learns about the request before anything is built.
    struct Shape {
        var headerBytes = 0
        /// Index of a caller-supplied `X-Amz-Content-SHA256` the signer does not replace.
        var suppliedPayloadHashHeader: Int?
        var queryPieces = 1
        var payloadHash: [UInt8] = []
    }

    /// How this signature treats the request: presigned or not, with which token, adding which headers.
    struct Mode {
        var presignExpiry: Int?
        var token: String?
        /// Whether the session token is part of what is signed (some services want it added after signing).
        var signsToken: Bool
        var addsContentHeader: Bool

        var isPresigning: Bool { presignExpiry != nil }
    }

    /// The sorted header spans and the `SignedHeaders` list, and what the signer adds to the request.
    struct CanonicalHeaders {
        var spans: UnsafeMutableBufferPointer<Span>
        var signed: [UInt8]
        var added: [(name: String, value: String)]
    }

    /// The sorted query-pair spans, the request's own pieces kept for a presigned URL, and the parameters added.
    struct CanonicalQuery {
        var spans: UnsafeMutableBufferPointer<Span>
        var retained: [UInt8]
        var added: [(name: String, value: String)]
    }

    func canonicalize(
        _ request: SigV4Request,
        credentials: AWSCredentials,
        time: SigV4Timestamp,
        presignExpiry: Int?
    ) throws(SigV4Error) -> Canonical {
        let token = credentials.sessionToken
        let mode = Mode(
            presignExpiry: presignExpiry,
            token: token,
            signsToken: token != nil && !rules.omitSessionTokenFromSignature,
            addsContentHeader: rules.addContentSHA256Header && presignExpiry == nil
        )
        let shape = try validate(request, mode: mode)

        let tokenBytes = token?.utf8.count ?? 0
        let headerCapacity =
            shape.headerBytes + 32 + (tokenBytes + 32) + (shape.payloadHash.count + 32)
            + (request.host.utf8.count + 32)
        let presignCapacity =
            mode.isPresigning
            ? 3 * (credentials.accessKeyID.utf8.count + tokenBytes + scopeSuffix.count + headerCapacity) + 400 : 0
        let queryCapacity = 4 * request.query.utf8.count + 8 + presignCapacity
        let headerSpanCapacity = request.headers.count + 4
        let spanCapacity = headerSpanCapacity + shape.queryPieces + 8

        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: headerCapacity + queryCapacity) { scratch in
            withUnsafeTemporaryAllocation(of: Span.self, capacity: spanCapacity) { spans in
                var headers = ByteWriter(UnsafeMutableBufferPointer(rebasing: scratch[..<headerCapacity]))
                var query = ByteWriter(UnsafeMutableBufferPointer(rebasing: scratch[headerCapacity...]))
                let canonicalHeaders = writeCanonicalHeaders(
                    of: request,
                    mode: mode,
                    payloadHash: shape.payloadHash,
                    time: time,
                    into: &headers,
                    spans: UnsafeMutableBufferPointer(rebasing: spans[..<headerSpanCapacity])
                )
                let canonicalQuery = writeCanonicalQuery(
                    of: request,
                    mode: mode,
                    credentials: credentials,
                    signedHeaders: canonicalHeaders.signed,
                    time: time,
                    into: &query,
                    spans: UnsafeMutableBufferPointer(rebasing: spans[headerSpanCapacity...])
                )
                return Canonical(
                    bytes: assemble(
                        request,
                        headers: headers,
                        canonicalHeaders,
                        query: query,
                        canonicalQuery,
                        payloadHash: shape.payloadHash
                    ),
                    signedHeaders: canonicalHeaders.signed,
                    headersAdded: canonicalHeaders.added,
                    queryParametersAdded: canonicalQuery.added,
                    retainedQuery: canonicalQuery.retained
                )
            }
        }
    }

    /// Everything that can throw, before anything is built; and the sizes the buffers need.
    private func validate(_ request: SigV4Request, mode: Mode) throws(SigV4Error) -> Shape {
        try Self.validateMethod(request.method)
        try Self.validateHost(request.host)
        var shape = Shape()
        for (index, header) in request.headers.enumerated() {
            shape.headerBytes += try Self.validateHeader(header)
            if !mode.addsContentHeader, header.name.utf8.count == 20,
                header.name.lowercased() == "x-amz-content-sha256"
            {
                shape.suppliedPayloadHashHeader = index
            }
        }
        for byte in request.query.utf8 where byte == UInt8(ascii: "&") { shape.queryPieces += 1 }
        // A caller-supplied X-Amz-Content-SHA256 is what the service checks the body against, so it is the hash.
        if let index = shape.suppliedPayloadHashHeader {
            shape.payloadHash = Self.collapsed(request.headers[index].value)
        } else {
            shape.payloadHash = try Self.payloadHash(of: request.payload, signPayload: rules.signPayload)
        }
        return shape
    }

    /// The request's headers lower-cased and collapsed, the signer's own added, sorted; and `SignedHeaders`.
    private func writeCanonicalHeaders(
        of request: SigV4Request,
        mode: Mode,
        payloadHash: [UInt8],
        time: SigV4Timestamp,
        into headers: inout ByteWriter,
        spans: UnsafeMutableBufferPointer<Span>
    ) -> CanonicalHeaders {
        var added: [(name: String, value: String)] = []
        // Signer-owned headers are dropped, not signed twice: the request may carry stale ones from a retry.
        var count = 0
        var hasHost = false
        for (order, header) in request.headers.enumerated() {
            let nameStart = headers.count
            headers.write(lowercased: header.name)
            let name = nameStart..<headers.count
            let buffer = headers.buffer
            let owned =
                SigV4Bytes.equals(buffer, name, "authorization")
                || SigV4Bytes.equals(buffer, name, "x-amz-date")
                || (mode.token != nil && SigV4Bytes.equals(buffer, name, "x-amz-security-token"))
                || (mode.addsContentHeader && SigV4Bytes.equals(buffer, name, "x-amz-content-sha256"))
            if owned || isUnsigned(buffer, name) {
                headers.truncate(to: nameStart)
                continue
            }
            let valueStart = headers.count
            var value = header.value
            value.withUTF8 { SigV4Bytes.writeCollapsedValue($0, to: &headers) }
            if SigV4Bytes.equals(buffer, name, "host") { hasHost = true }
            spans[count] = Span(name: name, value: valueStart..<headers.count, order: order)
            count += 1
        }
        func addHeader(_ name: StaticString, _ write: (inout ByteWriter) -> Void) {
            let nameStart = headers.count
            headers.write(name)
            let valueStart = headers.count
            write(&headers)
            spans[count] = Span(
                name: nameStart..<valueStart,
                value: valueStart..<headers.count,
                order: request.headers.count + count
            )
            count += 1
        }
        if !mode.isPresigning {
            addHeader("x-amz-date") { time.writeAmzDate(to: &$0) }
            added.append((name: "X-Amz-Date", value: time.amzDate))
            if let token = mode.token {
                if mode.signsToken { addHeader("x-amz-security-token") { $0.write(token) } }
                added.append((name: "X-Amz-Security-Token", value: token))
            }
            if mode.addsContentHeader {
                addHeader("x-amz-content-sha256") { $0.write(payloadHash) }
                added.append((name: "X-Amz-Content-SHA256", value: String(decoding: payloadHash, as: UTF8.self)))
            }
        }
        if !hasHost {
            addHeader("host") { Self.writeSigningHost(of: request, to: &$0) }
        }

        // Stable order: by name, then position, so repeated headers join in order of appearance.
        var sorted = UnsafeMutableBufferPointer(rebasing: spans[..<count])
        let buffer = headers.buffer
        sorted.sort { lhs, rhs in
            let order = SigV4Bytes.compare(buffer, lhs.name, rhs.name)
            return order != 0 ? order < 0 : lhs.order < rhs.order
        }
        var namesLength = 0
        for span in sorted { namesLength += span.name.count + 1 }
        let written = headers
        let signed = [UInt8](unsafeUninitializedCapacity: namesLength) { names, initialized in
            var out = ByteWriter(names)
            var previous: Range<Int>?
            for span in sorted {
                if let previous, SigV4Bytes.compare(buffer, previous, span.name) == 0 { continue }
                if previous != nil { out.write(UInt8(ascii: ";")) }
                out.write(from: written, span.name)
                previous = span.name
            }
            initialized = out.count
        }
        return CanonicalHeaders(spans: sorted, signed: signed, added: added)
    }

    /// The request's query pairs decoded and encoded again, a presigned URL's parameters added, sorted.
    private func writeCanonicalQuery(
        of request: SigV4Request,
        mode: Mode,
        credentials: AWSCredentials,
        signedHeaders: [UInt8],
        time: SigV4Timestamp,
        into query: inout ByteWriter,
        spans: UnsafeMutableBufferPointer<Span>
    ) -> CanonicalQuery {
        // Pairs are decoded and re-encoded, as the service does before comparing: any wire encoding signs alike.
        var count = 0
        var retained: [UInt8] = []
        var added: [(name: String, value: String)] = []
        var wireQuery = request.query
        wireQuery.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
                defer { start = end + 1 }
                guard end > start else { continue }
                let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
                let equals = piece.firstIndex(of: UInt8(ascii: "=")) ?? piece.count
                let keyStart = query.count
                SigV4Bytes.writeCanonicalQueryComponent(UnsafeBufferPointer(rebasing: piece[..<equals]), to: &query)
                let key = keyStart..<query.count
                if mode.isPresigning, Self.isPresignParameter(query.buffer, key) {
                    query.truncate(to: keyStart)
                    continue
                }
                let valueStart = query.count
                if equals < piece.count {
                    SigV4Bytes.writeCanonicalQueryComponent(
                        UnsafeBufferPointer(rebasing: piece[(equals + 1)...]),
                        to: &query
                    )
                }
                spans[count] = Span(name: key, value: valueStart..<query.count, order: count)
                count += 1
                if mode.isPresigning {
                    if !retained.isEmpty { retained.append(UInt8(ascii: "&")) }
                    retained.append(contentsOf: piece)
                }
            }
        }
        if let presignExpiry = mode.presignExpiry {
            func addParameter(_ name: StaticString, encoding write: (inout ByteWriter) -> Void) {
                let keyStart = query.count
                query.write(name)
                let valueStart = query.count
                write(&query)
                spans[count] = Span(name: keyStart..<valueStart, value: valueStart..<query.count, order: count)
                count += 1
                let value = String(decoding: query.bytes(valueStart..<query.count), as: UTF8.self)
                added.append((name: "\(name)", value: value))
            }
            func encoding(_ string: String) -> (inout ByteWriter) -> Void {
                { out in
                    var copy = string
                    copy.withUTF8 { SigV4Bytes.writeEncoded($0, keepSlash: false, to: &out) }
                }
            }
            addParameter("X-Amz-Algorithm") { $0.write("AWS4-HMAC-SHA256") }
            addParameter("X-Amz-Credential") { out in
                encoding(credentials.accessKeyID)(&out)
                out.write("%2F")
                time.writeDateStamp(to: &out)
                scopeSuffix.withUnsafeBufferPointer { SigV4Bytes.writeEncoded($0, keepSlash: false, to: &out) }
            }
            addParameter("X-Amz-Date") { time.writeAmzDate(to: &$0) }
            addParameter("X-Amz-SignedHeaders") { out in
                signedHeaders.withUnsafeBufferPointer { SigV4Bytes.writeEncoded($0, keepSlash: false, to: &out) }
            }
            addParameter("X-Amz-Expires") { SigV4Bytes.writeDecimal(presignExpiry, to: &$0) }
            if let token = mode.token {
                if mode.signsToken {
                    addParameter("X-Amz-Security-Token", encoding: encoding(token))
                } else {
                    // Sent, but after the signed parameters and outside the canonical query.
                    let pairs = count
                    addParameter("X-Amz-Security-Token", encoding: encoding(token))
                    count = pairs
                }
            }
        }
        var sorted = UnsafeMutableBufferPointer(rebasing: spans[..<count])
        let buffer = query.buffer
        sorted.sort { lhs, rhs in
            let order = SigV4Bytes.compare(buffer, lhs.name, rhs.name)
            return order != 0 ? order < 0 : SigV4Bytes.compare(buffer, lhs.value, rhs.value) < 0
        }
        return CanonicalQuery(spans: sorted, retained: retained, added: added)
    }

    /// Method, path, query, headers, signed headers and payload hash, each on its line.
    private func assemble(
        _ request: SigV4Request,
        headers: ByteWriter,
        _ canonicalHeaders: CanonicalHeaders,
        query: ByteWriter,
        _ canonicalQuery: CanonicalQuery,
        payloadHash: [UInt8]
    ) -> [UInt8] {
        let headerSpans = canonicalHeaders.spans
        let pairSpans = canonicalQuery.spans
        let signedHeaders = canonicalHeaders.signed
        let capacity =
            request.method.utf8.count + 1 + 3 * request.path.utf8.count + 2 + 1 + query.count + 2 * pairSpans.count
            + 1 + headers.count + 2 * headerSpans.count + 1 + signedHeaders.count + 1 + payloadHash.count
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var out = ByteWriter(buffer)
            out.write(request.method)
            out.write(UInt8(ascii: "\n"))
            writeCanonicalPath(request.path, to: &out)
            out.write(UInt8(ascii: "\n"))
            for (index, pair) in pairSpans.enumerated() {
                if index > 0 { out.write(UInt8(ascii: "&")) }
                out.write(from: query, pair.name)
                out.write(UInt8(ascii: "="))
                out.write(from: query, pair.value)
            }
            out.write(UInt8(ascii: "\n"))
            var index = 0
            while index < headerSpans.count {
                let name = headerSpans[index].name
                out.write(from: headers, name)
                out.write(UInt8(ascii: ":"))
                out.write(from: headers, headerSpans[index].value)
                index += 1
                while index < headerSpans.count,
                    SigV4Bytes.compare(headers.buffer, headerSpans[index].name, name) == 0
                {
                    out.write(UInt8(ascii: ","))
                    out.write(from: headers, headerSpans[index].value)
                    index += 1
                }
                out.write(UInt8(ascii: "\n"))
            }
            out.write(UInt8(ascii: "\n"))
            out.write(signedHeaders)
            out.write(UInt8(ascii: "\n"))
            out.write(payloadHash)
            initialized = out.count
        }
    }
}
