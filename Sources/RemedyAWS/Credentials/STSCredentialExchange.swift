/// The two STS calls the credential chain needs, implemented elsewhere by the STS client.
///
/// Assume-role and web identity providers only decide *what* to ask; keeping the call behind this protocol lets
/// the chain be tested with a fake and keeps STS wire code in one place.
public protocol STSCredentialExchange: Sendable {
    /// Calls `AssumeRole`, signed with `credentials`, and returns the role's temporary credentials.
    func assumeRole(_ request: AssumeRoleRequest, using credentials: AWSCredentials) async throws -> AWSCredentials
    /// Calls `AssumeRoleWithWebIdentity` (unsigned) and returns the role's temporary credentials.
    func assumeRoleWithWebIdentity(_ request: AssumeRoleWithWebIdentityRequest) async throws -> AWSCredentials
}

/// The parameters of an STS `AssumeRole` call taken from a profile.
public struct AssumeRoleRequest: Sendable, Hashable {
    /// `role_arn`.
    public var roleARN: String
    /// `role_session_name`, or `remedy-session-<unix time>`.
    public var sessionName: String
    /// `external_id`, when the role's trust policy requires one.
    public var externalID: String?
    /// `duration_seconds`; nil lets STS use the role's default (one hour).
    public var durationSeconds: Int?

    public init(roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int? = nil) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.externalID = externalID
        self.durationSeconds = durationSeconds
    }
}

/// The parameters of an STS `AssumeRoleWithWebIdentity` call.
///
/// The token is a bearer credential: `description` redacts it.
public struct AssumeRoleWithWebIdentityRequest: Sendable, Equatable, CustomStringConvertible {
    /// `AWS_ROLE_ARN` or the profile's `role_arn`.
    public var roleARN: String
    /// `AWS_ROLE_SESSION_NAME`, `role_session_name`, or `remedy-session-<unix time>`.
    public var sessionName: String
    /// The OIDC token read from the token file just before the call.
    public var webIdentityToken: String
    /// `duration_seconds` from the profile, if any.
    public var durationSeconds: Int?

    public init(roleARN: String, sessionName: String, webIdentityToken: String, durationSeconds: Int? = nil) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.webIdentityToken = webIdentityToken
        self.durationSeconds = durationSeconds
    }

    public var description: String {
        "AssumeRoleWithWebIdentityRequest(roleARN: \(roleARN), sessionName: \(sessionName), "
            + "webIdentityToken: <redacted>, durationSeconds: \(durationSeconds.map(String.init) ?? "nil"))"
    }
}
