/// A call to AWS that did not succeed, with what a responder needs to act on it.
///
/// Carries the service, operation, HTTP status, AWS error code, message and request id, never credentials or
/// signatures. `kind` says whether trying again could help.
public struct AWSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Whether retrying could succeed.
    public enum Kind: String, Sendable, Hashable {
        /// AWS asked the caller to slow down; the request was not performed.
        case throttling
        /// A server or network fault; the request may or may not have been performed.
        case transient
        /// The request is wrong or not allowed; retrying gives the same answer.
        case permanent
        /// The endpoint does not implement the operation (an HTML page where an API answer was expected).
        case notImplemented = "not-implemented"
        /// The answer could not be read: wrong root element, truncated body, not the protocol spoken.
        case malformedResponse = "malformed-response"
        /// The transport refused the call before sending it (dry-run, or no network in offline mode).
        case refused
    }

    public var service: String
    public var operation: String
    public var statusCode: Int?
    /// The AWS error code (`AuthFailure`, `NoSuchEntity`, `Throttling`), or a remedy code for local failures.
    public var code: String
    public var message: String
    public var requestID: String?
    public var kind: Kind

    public init(
        service: String,
        operation: String,
        statusCode: Int?,
        code: String,
        message: String,
        requestID: String? = nil,
        kind: Kind? = nil
    ) {
        self.service = service
        self.operation = operation
        self.statusCode = statusCode
        self.code = code
        self.message = message
        self.requestID = requestID
        self.kind = kind ?? Self.classify(code: code, statusCode: statusCode)
    }

    public var description: String {
        var text = "\(service) \(operation) failed: \(code)"
        if let statusCode { text += " (HTTP \(statusCode))" }
        if !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " [request id \(requestID)]" }
        if let advice { text += ". \(advice)" }
        return text
    }

    /// What the responder should do about the most common failures.
    public var advice: String? {
        switch code {
        case "SignatureDoesNotMatch":
            "The secret key is wrong or the clock is skewed; check the credentials and the machine's time "
                + "(remedy debug sigv4 shows what was signed)"
        case "InvalidClientTokenId", "InvalidAccessKeyId", "UnrecognizedClientException":
            "AWS does not know this access key: check which credentials are in use (remedy doctor)"
        case "AuthFailure":
            "AWS refused the credentials: the key is unknown, the secret wrong, or the session token missing or expired"
        case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
            "The session token expired; refresh the credentials"
        case "RequestTimeTooSkewed":
            "The machine's clock is more than 5 minutes off; fix the time (NTP)"
        case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
            operation == "AssumeRole"
                ? "The caller may not assume this role: check the role's trust policy, the caller's sts:AssumeRole "
                    + "permission, and the external id"
                : "The role lacks this permission; compare with remedy iam-policy"
        default:
            nil
        }
    }

    /// Error codes AWS uses for throttling (botocore's standard retry mode).
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Error codes for faults worth retrying.
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError", "InternalFailure",
        "ServiceUnavailable",
    ]

    static func classify(code: String, statusCode: Int?) -> Kind {
        if throttlingCodes.contains(code) { return .throttling }
        if transientCodes.contains(code) { return .transient }
        if let statusCode, [500, 502, 503, 504].contains(statusCode) { return .transient }
        return .permanent
    }
}
