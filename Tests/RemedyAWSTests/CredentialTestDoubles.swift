import Foundation
import RemedyAWS
import Synchronization

/// Secrets every credentials test uses, so secrecy tests can search messages for them.
enum TestSecrets {
    static let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
    static let sessionToken = "FwoGZXIvYXdzSESSIONTOKENSECRET"
    static let webIdentityToken = "eyJhbGciOiJSUzI1NiJ9.WEBIDENTITYTOKEN.sig"
    static let containerToken = "CONTAINERAUTHTOKENSECRET"
    static let all = [secretKey, sessionToken, webIdentityToken, containerToken]
}

/// An STS stand-in that records its calls and answers with role credentials named after the request.
final class FakeSTS: STSCredentialExchange {
    enum Call: Equatable {
        case assumeRole(AssumeRoleRequest, signedWith: String)
        case webIdentity(AssumeRoleWithWebIdentityRequest)
    }

    private let recorded = Mutex<[Call]>([])
    private let expiration: Date

    init(expiration: Date = Date(timeIntervalSinceNow: 3600)) { self.expiration = expiration }

    var calls: [Call] { recorded.withLock { $0 } }

    func assumeRole(_ request: AssumeRoleRequest, using credentials: AWSCredentials) async throws -> AWSCredentials {
        recorded.withLock { $0.append(.assumeRole(request, signedWith: credentials.accessKeyID)) }
        return AWSCredentials(
            accessKeyID: "ASIA-\(request.roleARN.split(separator: "/").last ?? "")",
            secretAccessKey: TestSecrets.secretKey,
            sessionToken: TestSecrets.sessionToken,
            expiration: expiration
        )
    }

    func assumeRoleWithWebIdentity(_ request: AssumeRoleWithWebIdentityRequest) async throws -> AWSCredentials {
        recorded.withLock { $0.append(.webIdentity(request)) }
        return AWSCredentials(
            accessKeyID: "ASIA-WEB",
            secretAccessKey: TestSecrets.secretKey,
            sessionToken: TestSecrets.sessionToken,
            expiration: expiration
        )
    }
}
