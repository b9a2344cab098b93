/// Why credentials could not be found, loaded or refreshed.
///
/// Compare with the static values (`error == .noCredentials`): two errors are equal when they have the same kind,
/// whatever their messages. The ``message`` says what failed and what the responder should do; it never contains
/// a secret access key, session token, web identity token or container authorization token, so it is safe to log.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case noCredentials
        case partialCredentials
        case profileNotFound
        case invalidConfiguration
        case sourceProfileCycle
        case mfaNotSupported
        case ssoNotSupported
        case stsNotConfigured
        case processFailed
        case endpointRefused
        case endpointUnreachable
        case invalidResponse
    }

    private let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// The underlying error, when there is one (an HTTP client error, a file system error).
    public let cause: (any Error & Sendable)?

    private init(_ code: Code, _ message: String = "", cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "credentials: \(message)" }

    public static func == (lhs: CredentialError, rhs: CredentialError) -> Bool { lhs.code == rhs.code }

    /// No provider in the chain had credentials.
    public static let noCredentials = CredentialError(.noCredentials)
    /// An access key ID without its secret (or the reverse).
    public static let partialCredentials = CredentialError(.partialCredentials)
    /// The selected profile is in neither shared file.
    public static let profileNotFound = CredentialError(.profileNotFound)
    /// A shared file or a profile setting cannot be used as written.
    public static let invalidConfiguration = CredentialError(.invalidConfiguration)
    /// `source_profile` settings form a loop.
    public static let sourceProfileCycle = CredentialError(.sourceProfileCycle)
    /// The profile needs an MFA code, which a non-interactive responder cannot type.
    public static let mfaNotSupported = CredentialError(.mfaNotSupported)
    /// The profile uses IAM Identity Center (SSO), which remedy does not implement.
    public static let ssoNotSupported = CredentialError(.ssoNotSupported)
    /// The profile needs STS, but no ``STSCredentialExchange`` was given to the chain.
    public static let stsNotConfigured = CredentialError(.stsNotConfigured)
    /// `credential_process` could not run, failed, timed out or printed unusable output.
    public static let processFailed = CredentialError(.processFailed)
    /// A container credentials URI is not one remedy may send a token to.
    public static let endpointRefused = CredentialError(.endpointRefused)
    /// The container or instance metadata endpoint did not answer, or answered with an error status.
    public static let endpointUnreachable = CredentialError(.endpointUnreachable)
    /// An endpoint answered, but not with usable credentials.
    public static let invalidResponse = CredentialError(.invalidResponse)

    static func noCredentials(_ message: String) -> CredentialError { CredentialError(.noCredentials, message) }
    static func partialCredentials(_ message: String) -> CredentialError {
        CredentialError(.partialCredentials, message)
    }
    static func profileNotFound(_ message: String) -> CredentialError { CredentialError(.profileNotFound, message) }
    static func invalidConfiguration(_ message: String, cause: (any Error & Sendable)? = nil) -> CredentialError {
        CredentialError(.invalidConfiguration, message, cause: cause)
    }
    static func sourceProfileCycle(_ message: String) -> CredentialError {
        CredentialError(.sourceProfileCycle, message)
    }
    static func mfaNotSupported(_ message: String) -> CredentialError { CredentialError(.mfaNotSupported, message) }
    static func ssoNotSupported(_ message: String) -> CredentialError { CredentialError(.ssoNotSupported, message) }
    static func stsNotConfigured(_ message: String) -> CredentialError { CredentialError(.stsNotConfigured, message) }
    static func processFailed(_ message: String, cause: (any Error & Sendable)? = nil) -> CredentialError {
        CredentialError(.processFailed, message, cause: cause)
    }
    static func endpointRefused(_ message: String) -> CredentialError { CredentialError(.endpointRefused, message) }
    static func endpointUnreachable(_ message: String, cause: (any Error & Sendable)? = nil) -> CredentialError {
        CredentialError(.endpointUnreachable, message, cause: cause)
    }
    static func invalidResponse(_ message: String) -> CredentialError { CredentialError(.invalidResponse, message) }
}
