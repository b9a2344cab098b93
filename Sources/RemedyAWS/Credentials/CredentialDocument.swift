import Foundation

/// The JSON that `credential_process`, the container endpoint and instance metadata answer with.
///
/// Field names differ by source (`Token` or `SessionToken`); all are optional here and checked by ``credentials(
/// from:)``. Decoding failures are reported without the document, which holds secrets.
struct CredentialDocument: Decodable, Sendable {
    var version: Int?
    var code: String?
    var accessKeyID: String?
    var secretAccessKey: String?
    var token: String?
    var sessionToken: String?
    var expiration: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case code = "Code"
        case accessKeyID = "AccessKeyId"
        case secretAccessKey = "SecretAccessKey"
        case token = "Token"
        case sessionToken = "SessionToken"
        case expiration = "Expiration"
    }

    /// Decodes `data`; `what` names the source in the error ("credential_process of profile 'p'").
    static func decode(_ data: Data, from what: String) throws -> CredentialDocument {
        do {
            return try JSONDecoder().decode(CredentialDocument.self, from: data)
        } catch {
            throw CredentialError.invalidResponse("\(what) did not return a JSON credentials object")
        }
    }

    /// The credentials in the document, or an error naming the missing field.
    func credentials(from what: String) throws -> AWSCredentials {
        guard let accessKeyID, !accessKeyID.isEmpty else {
            throw CredentialError.invalidResponse("\(what) returned no AccessKeyId")
        }
        guard let secretAccessKey, !secretAccessKey.isEmpty else {
            throw CredentialError.invalidResponse("\(what) returned no SecretAccessKey")
        }
        var date: Date?
        if let expiration {
            guard let parsed = ISO8601.parse(expiration) else {
                throw CredentialError.invalidResponse("\(what) returned an Expiration that is not ISO 8601")
            }
            date = parsed
        }
        return AWSCredentials(
            accessKeyID: accessKeyID,
            secretAccessKey: secretAccessKey,
            sessionToken: token ?? sessionToken,
            expiration: date
        )
    }
}
