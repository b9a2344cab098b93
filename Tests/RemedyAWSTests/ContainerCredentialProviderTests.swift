import Foundation
import RemedyAWS
import RemedyTestSupport
import Testing

@Suite struct ContainerCredentialProviderTests {
    static let body = """
        {"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "\(TestSecrets.secretKey)",
         "Token": "\(TestSecrets.sessionToken)", "Expiration": "2030-01-01T00:00:00Z", "RoleArn": "arn:x"}
        """

    static let answerWithCredentials: LocalHTTPServer.Handler = { _ in .json(body) }
    static func answer(_ status: Int) -> LocalHTTPServer.Handler { { _ in .status(status) } }

    @Test func relativeURIIsAppendedToTheECSAgentAddress() throws {
        let provider = try ContainerCredentialProvider.fromEnvironment([
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/ignored",
        ])
        #expect(provider?.uri == "http://169.254.170.2/v2/credentials/abc")
        #expect(try ContainerCredentialProvider.fromEnvironment([:]) == nil)
    }

    @Test func fullURIFetchesWithTheAuthorizationToken() async throws {
        try await withLocalHTTPServer(Self.answerWithCredentials) { server in
            let provider = try #require(
                try ContainerCredentialProvider.fromEnvironment(
                    [
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url("/v2/credentials/abc"),
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": TestSecrets.containerToken,
                    ],
                    timeout: .seconds(10)
                )
            )
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyID == "ASIACONTAINER")
            #expect(credentials.sessionToken == TestSecrets.sessionToken)
            #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.path == "/v2/credentials/abc")
            #expect(request.header("Authorization") == TestSecrets.containerToken)
        }
    }

    @Test func theTokenFileWinsOverTheTokenVariable() async throws {
        try await withTemporaryDirectory { directory in
            let tokenFile = try directory.write("token", "from-file\n")
            try await withLocalHTTPServer(Self.answerWithCredentials) { server in
                let provider = try #require(
                    try ContainerCredentialProvider.fromEnvironment(
                        [
                            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url("/creds"),
                            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-variable",
                            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                        ],
                        timeout: .seconds(10)
                    )
                )
                _ = try await provider.credentials()
                #expect(server.requests.first?.header("Authorization") == "from-file")
            }
        }
    }

    @Test(arguments: [
        "http://10.0.0.5/creds", "http://example.com/creds", "http://169.254.169.254/creds", "ftp://127.0.0.1/x",
    ])
    func plainHTTPToANonLoopbackHostIsRefused(_ uri: String) {
        #expect(throws: CredentialError.endpointRefused) {
            try ContainerCredentialProvider.fromEnvironment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri])
        }
    }

    @Test(arguments: [
        "http://127.0.0.1:8080/creds", "http://127.1.2.3/creds", "http://localhost/creds", "http://[::1]:80/creds",
        "http://169.254.170.2/v1", "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1",
        "https://creds.example.com/x",
    ])
    func loopbackTheContainerAgentsAndHTTPSAreAllowed(_ uri: String) throws {
        let provider = try ContainerCredentialProvider.fromEnvironment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri])
        #expect(provider?.uri == uri)
    }

    @Test func anErrorStatusIsReportedWithoutTheToken() async throws {
        try await withLocalHTTPServer(Self.answer(403)) { server in
            let provider = try ContainerCredentialProvider(
                uri: server.url("/creds"),
                authorizationToken: TestSecrets.containerToken,
                timeout: .seconds(10)
            )
            let error = await #expect(throws: CredentialError.endpointUnreachable) { try await provider.credentials() }
            #expect(error?.message.contains("HTTP 403") == true)
            #expect(error?.message.contains(TestSecrets.containerToken) == false)
        }
    }

    @Test func aRedirectIsNotFollowedAndTheTokenGoesNowhereElse() async throws {
        try await withLocalHTTPServer { request in
            request.path == "/creds"
                ? LocalHTTPResponse(status: 307, headers: [("Location", "/elsewhere")], text: "")
                : .json(Self.body)
        } body: { server in
            let provider = try ContainerCredentialProvider(
                uri: server.url("/creds"),
                authorizationToken: TestSecrets.containerToken,
                timeout: .seconds(10)
            )
            let error = await #expect(throws: CredentialError.endpointUnreachable) { try await provider.credentials() }
            #expect(error?.message.contains("HTTP 307") == true)
            // The token was sent once, to the endpoint configured, and to nothing its answer named.
            #expect(server.requests.map(\.description) == ["GET /creds"])
        }
    }

    @Test func serverErrorsAreRetriedUpToTheAttemptLimit() async throws {
        try await withLocalHTTPServer(Self.answer(500)) { server in
            let provider = try ContainerCredentialProvider(
                uri: server.url("/creds"),
                timeout: .seconds(10),
                attempts: 3
            )
            await #expect(throws: CredentialError.endpointUnreachable) { try await provider.credentials() }
            #expect(server.requests.count == 3)
        }
    }
}
