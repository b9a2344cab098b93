/// Where a chain found its credentials, described without revealing them.
///
/// `remedy doctor` prints it: `profile 'prod' from /root/.aws/config (assume role arn:aws:iam::1:role/r via
/// profile 'base' from /root/.aws/credentials)`.
public indirect enum CredentialSource: Sendable, Equatable, CustomStringConvertible {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    case environment
    /// Static keys in a profile of the shared credentials or config file.
    case profile(name: String, file: String)
    /// STS AssumeRoleWithWebIdentity with the token in `tokenFile`.
    case webIdentity(roleARN: String, tokenFile: String)
    /// STS AssumeRole for `profile`'s `role_arn`, signed with the credentials of `via`.
    case assumeRole(roleARN: String, profile: String, via: CredentialSource)
    /// The `credential_process` command of a profile.
    case process(profile: String)
    /// The ECS or EKS Pod Identity container credentials endpoint.
    case container(uri: String)
    /// The EC2 instance metadata service; `role` is known once credentials were fetched.
    case instanceMetadata(role: String?)

    public var description: String {
        switch self {
        case .environment:
            "environment variables (AWS_ACCESS_KEY_ID)"
        case .profile(let name, let file):
            "profile '\(name)' from \(file)"
        case .webIdentity(let roleARN, let tokenFile):
            "web identity token \(tokenFile) (assume role \(roleARN))"
        case .assumeRole(let roleARN, let profile, let via):
            "profile '\(profile)' (assume role \(roleARN) via \(via))"
        case .process(let profile):
            "credential_process of profile '\(profile)'"
        case .container(let uri):
            "container credentials endpoint \(uri)"
        case .instanceMetadata(let role):
            role.map { "EC2 instance metadata (role '\($0)')" } ?? "EC2 instance metadata"
        }
    }
}
