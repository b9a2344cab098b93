import Foundation

/// Temporary credentials from STS `AssumeRoleWithWebIdentity` with an OIDC token read from a file.
///
/// The token file is read on every call, because EKS and other issuers rotate it in place.
public struct WebIdentityCredentialProvider: AWSCredentialProvider {
    /// The role to assume.
    public let roleARN: String
    /// The session name sent to STS.
    public let sessionName: String
    /// The file holding the token (`AWS_WEB_IDENTITY_TOKEN_FILE` or `web_identity_token_file`).
    public let tokenFile: String
    /// `duration_seconds`, if the profile sets it.
    public let durationSeconds: Int?
    private let sts: any STSCredentialExchange

    public init(
        roleARN: String,
        sessionName: String,
        tokenFile: String,
        durationSeconds: Int? = nil,
        sts: any STSCredentialExchange
    ) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.tokenFile = tokenFile
        self.durationSeconds = durationSeconds
        self.sts = sts
    }

    public func credentials() async throws -> AWSCredentials {
        let token: String
        do {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingWhitespace()
        } catch {
            throw CredentialError.invalidConfiguration(
                "cannot read the web identity token file \(tokenFile): check AWS_WEB_IDENTITY_TOKEN_FILE or "
                    + "web_identity_token_file and the file's permissions"
            )
        }
        guard !token.isEmpty else {
            throw CredentialError.invalidConfiguration("the web identity token file \(tokenFile) is empty")
        }
        let request = AssumeRoleWithWebIdentityRequest(
            roleARN: roleARN,
            sessionName: sessionName,
            webIdentityToken: token,
            durationSeconds: durationSeconds
        )
        return try await sts.assumeRoleWithWebIdentity(request)
    }
}
