/// Something that hands out AWS credentials for signing.
///
///     let credentials = try await provider.credentials()
///     let signed = try signer.sign(request, with: credentials)
///
/// Implementations may fetch on every call; wrap them in ``RefreshingCredentialProvider`` to cache temporary
/// credentials until shortly before they expire.
public protocol AWSCredentialProvider: Sendable {
    /// Returns credentials valid now, fetching or refreshing them if needed.
    func credentials() async throws -> AWSCredentials
}

/// A provider that always returns the same credentials.
public struct StaticCredentialProvider: AWSCredentialProvider {
    private let value: AWSCredentials

    public init(_ credentials: AWSCredentials) { self.value = credentials }

    public func credentials() async throws -> AWSCredentials { value }
}

/// A provider together with where its credentials come from: what ``CredentialChain/resolve()`` returns.
public struct ResolvedCredentialProvider: AWSCredentialProvider, CustomStringConvertible {
    /// Where the credentials come from.
    public let source: CredentialSource
    /// The provider that fetches (and, for temporary credentials, refreshes) them.
    public let provider: any AWSCredentialProvider

    public init(source: CredentialSource, provider: any AWSCredentialProvider) {
        self.source = source
        self.provider = provider
    }

    public func credentials() async throws -> AWSCredentials { try await provider.credentials() }

    public var description: String { "credentials: \(source)" }
}
