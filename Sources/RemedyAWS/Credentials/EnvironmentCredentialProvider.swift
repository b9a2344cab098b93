import Foundation

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (or the legacy
/// `AWS_SECURITY_TOKEN`) and `AWS_CREDENTIAL_EXPIRATION`.
///
/// Empty variables count as unset, as in botocore.
public struct EnvironmentCredentialProvider: AWSCredentialProvider {
    private let environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    public func credentials() async throws -> AWSCredentials {
        guard let credentials = try Self.read(environment) else {
            throw CredentialError.noCredentials("AWS_ACCESS_KEY_ID is not set in the environment")
        }
        return credentials
    }

    /// The credentials in `environment`, or nil when `AWS_ACCESS_KEY_ID` is unset.
    ///
    /// - Throws: ``CredentialError/partialCredentials`` when the secret is missing,
    ///   ``CredentialError/invalidConfiguration`` when the expiration is not ISO 8601.
    static func read(_ environment: [String: String]) throws -> AWSCredentials? {
        let value = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let accessKeyID = value("AWS_ACCESS_KEY_ID") else { return nil }
        guard let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw CredentialError.partialCredentials(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or unset AWS_ACCESS_KEY_ID to "
                    + "use a profile"
            )
        }
        var expiration: Date?
        if let text = value("AWS_CREDENTIAL_EXPIRATION") {
            guard let date = ISO8601.parse(text) else {
                throw CredentialError.invalidConfiguration(
                    "AWS_CREDENTIAL_EXPIRATION '\(text)' is not an ISO 8601 time such as 2026-05-01T12:00:00Z"
                )
            }
            expiration = date
        }
        return AWSCredentials(
            accessKeyID: accessKeyID,
            secretAccessKey: secret,
            sessionToken: value("AWS_SESSION_TOKEN") ?? value("AWS_SECURITY_TOKEN"),
            expiration: expiration
        )
    }
}
