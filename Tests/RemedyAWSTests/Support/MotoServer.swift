import Foundation
import RemedyAWS
import RemedyCore

/// The moto_server that `scripts/test` starts, with signature checking switched on.
///
/// moto's auth switch is server-wide, so every test that uses it runs in one serialized suite. `prepare()` resets
/// the server, creates a user with an allow-all policy and an access key while auth is off, then turns auth on:
/// from then on every request must be signed with that key. Auth stays on until the next `prepare()`; nothing else
/// uses this server, and `scripts/test` stops it at the end.
struct MotoServer {
    static let environmentVariable = "REMEDY_TEST_MOTO_ENDPOINT"
    static var endpointURL: String? { ProcessInfo.processInfo.environment[environmentVariable] }
    static var isAvailable: Bool { endpointURL != nil }
    /// moto's account for every request.
    static let account = "123456789012"

    let endpointURL: String
    let region = "us-east-1"
    let transport = AsyncHTTPClientTransport()

    init() throws {
        guard let url = Self.endpointURL else { throw MotoUnavailable() }
        endpointURL = url
    }

    struct MotoUnavailable: Error, CustomStringConvertible {
        var description: String { "\(MotoServer.environmentVariable) is not set; run the tests through scripts/test" }
    }

    /// A signed-in account: the credentials of a user allowed everything, with auth on.
    func prepare() async throws -> AWSCredentials {
        try await setAuth("inf")
        try await control("/moto-api/reset", body: "")
        let setup = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "setup")
        let credentials = try await createUserAllowedEverything("remedy-runner", using: setup)
        try await setAuth("0")
        return credentials
    }

    /// Creates an IAM user with an allow-all inline policy and returns its new access key.
    func createUserAllowedEverything(_ name: String, using credentials: AWSCredentials) async throws -> AWSCredentials {
        let iam = try client(.iam, credentials: credentials)
        _ = try await iam.query("CreateUser", effect: .mutating(idempotent: false)) { $0.set("UserName", name) }
        _ = try await iam.query("PutUserPolicy", effect: .mutating(idempotent: true)) {
            $0.set("UserName", name)
            $0.set("PolicyName", "allow-all")
            $0.set(
                "PolicyDocument",
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            )
        }
        let key = try await iam.query("CreateAccessKey", effect: .mutating(idempotent: false)) {
            $0.set("UserName", name)
        }
        guard let id = key.string("AccessKey", "AccessKeyId"), let secret = key.string("AccessKey", "SecretAccessKey")
        else { throw MotoUnavailable() }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret)
    }

    func client(_ service: AWSService, credentials: AWSCredentials, mode: AWSClient.Mode = .live) throws -> AWSClient {
        let endpoint = try EndpointResolver(environment: ["AWS_ENDPOINT_URL": endpointURL]).endpoint(
            for: service,
            region: region
        )
        return try AWSClient(
            service: service,
            region: region,
            endpoint: endpoint,
            credentials: StaticCredentialProvider(credentials),
            mode: mode,
            configuration: .init(retry: RetryStrategy(maximumAttempts: 1), timeout: .seconds(20)),
            transport: transport
        )
    }

    /// Turns signature checking off until the next `prepare()`, for calls moto cannot authenticate: it re-signs a
    /// rest-json GET or DELETE without a body over a form encoding of the headers, so those never match
    /// (docs/aws.md#moto-signature-checking).
    func turnAuthOff() async throws {
        try await setAuth("inf")
    }

    private func setAuth(_ value: String) async throws {
        try await control("/moto-api/reset-auth", body: value)
    }

    private func control(_ path: String, body: String) async throws {
        // moto reads this body raw: it must not be form-encoded.
        let request = HTTPRequestData(
            method: "POST",
            url: endpointURL + path,
            headers: [("Content-Type", "text/plain")],
            body: Array(body.utf8)
        )
        let response = try await transport.send(request, timeout: .seconds(20))
        guard response.status == 200 else { throw MotoUnavailable() }
    }
}
