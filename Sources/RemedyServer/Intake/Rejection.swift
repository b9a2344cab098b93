import Hummingbird

/// Why the server refused a request: an HTTP status, a stable reason code for counters and senders, and a message
/// that says what to fix.
///
/// The message never repeats credentials or signatures from the request.
public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable, lower-case code: the `reason` label of `remedy_requests_rejected_total`.
    public var reason: String
    public var message: String
    /// Seconds the sender should wait before trying again (429, 503).
    public var retryAfter: Int?
    /// Headers the answer carries besides (`Allow` for 405).
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status,
        _ reason: String,
        _ message: String,
        retryAfter: Int? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.reason = reason
        self.message = message
        self.retryAfter = retryAfter
        self.headers = headers
    }

    public var description: String { "\(status.code) \(reason): \(message)" }

    static func unauthenticated(_ message: String) -> Rejection {
        Rejection(.unauthorized, "unauthenticated", message)
    }

    static let noCredentials = unauthenticated(
        "no credentials: send Authorization: Bearer, an X-Remedy-Signature, or a signed SNS message"
    )
}

extension Rejection: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body = JSONResponse.encode(["error": .string(reason), "message": .string(message)])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
