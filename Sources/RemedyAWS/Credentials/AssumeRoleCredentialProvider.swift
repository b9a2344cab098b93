/// Temporary credentials from STS `AssumeRole`, signed with the credentials of a source provider.
///
/// Each call fetches new credentials; the chain wraps it in a ``RefreshingCredentialProvider``.
public struct AssumeRoleCredentialProvider: AWSCredentialProvider {
    /// What is asked of STS on every call.
    public let request: AssumeRoleRequest
    private let source: any AWSCredentialProvider
    private let sts: any STSCredentialExchange

    public init(request: AssumeRoleRequest, source: any AWSCredentialProvider, sts: any STSCredentialExchange) {
        self.request = request
        self.source = source
        self.sts = sts
    }

    public func credentials() async throws -> AWSCredentials {
        try await sts.assumeRole(request, using: try await source.credentials())
    }
}
