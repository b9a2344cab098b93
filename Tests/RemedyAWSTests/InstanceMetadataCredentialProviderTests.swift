import Foundation
import RemedyAWS
import RemedyTestSupport
import Testing

@Suite struct InstanceMetadataCredentialProviderTests {
    static let credentialsBody = """
        {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIAIMDS",
         "SecretAccessKey": "\(TestSecrets.secretKey)", "Token": "\(TestSecrets.sessionToken)",
         "Expiration": "2030-01-01T00:00:00Z"}
        """

    /// An IMDS that answers the token request with `tokenStatus` and serves role `web` with or without a token.
    static func metadata(tokenStatus: Int = 200) -> LocalHTTPServer.Handler {
        { request in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                return tokenStatus == 200 ? LocalHTTPResponse(text: "TOKEN-1") : .status(tokenStatus)
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                return LocalHTTPResponse(text: "web\n")
            case ("GET", "/latest/meta-data/iam/security-credentials/web"):
                return .json(credentialsBody)
            default:
                return .status(404)
            }
        }
    }

    static func provider(
        _ server: LocalHTTPServer,
        timeout: Duration = .seconds(10)
    ) -> InstanceMetadataCredentialProvider {
        InstanceMetadataCredentialProvider(
            configuration: .init(endpoint: server.baseURL + "/", timeout: timeout)
        )
    }

    @Test func imdsV2FetchesATokenFirstAndSendsItOnEveryRequest() async throws {
        try await withLocalHTTPServer(Self.metadata()) { server in
            let (role, credentials) = try await Self.provider(server).fetch()
            #expect(role == "web")
            #expect(credentials.accessKeyID == "ASIAIMDS")
            #expect(credentials.sessionToken == TestSecrets.sessionToken)
            #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
            let requests = server.requests
            #expect(
                requests.map(\.description) == [
                    "PUT /latest/api/token",
                    "GET /latest/meta-data/iam/security-credentials/",
                    "GET /latest/meta-data/iam/security-credentials/web",
                ]
            )
            #expect(requests[0].header("x-aws-ec2-metadata-token-ttl-seconds") == "21600")
            #expect(requests[1].header("x-aws-ec2-metadata-token") == "TOKEN-1")
            #expect(requests[2].header("x-aws-ec2-metadata-token") == "TOKEN-1")
        }
    }

    @Test(arguments: [403, 404, 405])
    func aRefusedTokenRequestFallsBackToIMDSv1(_ status: Int) async throws {
        try await withLocalHTTPServer(Self.metadata(tokenStatus: status)) { server in
            let credentials = try await Self.provider(server).credentials()
            #expect(credentials.accessKeyID == "ASIAIMDS")
            #expect(server.requests.count == 3)
            #expect(server.requests.dropFirst().allSatisfy { $0.header("x-aws-ec2-metadata-token") == nil })
        }
    }

    @Test func fallbackIsRefusedWhenIMDSv1IsDisabled() async throws {
        try await withLocalHTTPServer(Self.metadata(tokenStatus: 405)) { server in
            let provider = InstanceMetadataCredentialProvider(
                configuration: .init(endpoint: server.baseURL, timeout: .seconds(10), isV1Disabled: true)
            )
            await #expect(throws: CredentialError.endpointUnreachable) { try await provider.credentials() }
            #expect(server.requests.count == 1)
        }
    }

    @Test func aBadRequestAnswerToTheTokenRequestIsFatal() async throws {
        try await withLocalHTTPServer(Self.metadata(tokenStatus: 400)) { server in
            let error = await #expect(throws: CredentialError.endpointUnreachable) {
                try await Self.provider(server).credentials()
            }
            #expect(error?.message.contains("HTTP 400") == true)
            #expect(server.requests.count == 1)
        }
    }

    @Test func aSilentEndpointFailsWithinTheTimeout() async throws {
        let handler: LocalHTTPServer.Handler = { _ in
            try await Task.sleep(for: .seconds(30))
            return .status(200)
        }
        try await withLocalHTTPServer(handler) { server in
            let started = ContinuousClock.now
            let error = await #expect(throws: CredentialError.endpointUnreachable) {
                try await Self.provider(server, timeout: .milliseconds(300)).credentials()
            }
            // Far below the endpoint's 30 s of silence, with room for a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(15))
            #expect(error?.message.contains("timed out after 0.3 s") == true)
            #expect(server.requests.count == 1)
        }
    }

    @Test func configurationComesFromEnvironmentThenProfile() throws {
        let profile = AWSSharedConfig.Profile(
            name: "default",
            settings: ["ec2_metadata_service_endpoint_mode": "IPv6", "metadata_service_num_attempts": "2"]
        )
        let fromProfile = try #require(
            try InstanceMetadataCredentialProvider.Configuration.from(
                environment: [:],
                profile: profile
            )
        )
        #expect(fromProfile.endpoint == "http://[fd00:ec2::254]")
        #expect(fromProfile.attempts == 2)
        #expect(fromProfile.timeout == .seconds(1))
        let fromEnvironment = try #require(
            try InstanceMetadataCredentialProvider.Configuration.from(
                environment: [
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9/", "AWS_METADATA_SERVICE_TIMEOUT": "2",
                ],
                profile: profile
            )
        )
        #expect(fromEnvironment.endpoint == "http://127.0.0.1:9")
        #expect(fromEnvironment.timeout == .seconds(2))
        #expect(
            try InstanceMetadataCredentialProvider.Configuration.from(
                environment: ["AWS_EC2_METADATA_DISABLED": "TRUE"],
                profile: profile
            ) == nil
        )
    }

    @Test func theChainFallsThroughToInstanceMetadataAndNamesTheRole() async throws {
        try await withTemporaryDirectory { directory in
            try await withLocalHTTPServer(Self.metadata()) { server in
                let chain = CredentialChain(
                    // A generous timeout: this test is about the chain, not about failing fast.
                    environment: [
                        "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL, "AWS_METADATA_SERVICE_TIMEOUT": "10",
                    ],
                    homeDirectory: directory.path
                )
                let provider = try await chain.resolve()
                #expect(provider.source == .instanceMetadata(role: "web"))
                #expect("\(provider.source)" == "EC2 instance metadata (role 'web')")
                // The credentials fetched while resolving are reused.
                #expect(try await provider.credentials().accessKeyID == "ASIAIMDS")
                #expect(server.requests.count == 3)
            }
        }
    }

    @Test func theChainReportsAnUnreachableInstanceMetadataServiceAmongWhatItTried() async throws {
        try await withTemporaryDirectory { directory in
            let handler: LocalHTTPServer.Handler = { _ in
                try await Task.sleep(for: .seconds(30))
                return .status(200)
            }
            try await withLocalHTTPServer(handler) { server in
                let chain = CredentialChain(
                    environment: [
                        "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL,
                        "AWS_METADATA_SERVICE_TIMEOUT": "0.2",
                    ],
                    homeDirectory: directory.path
                )
                let error = await #expect(throws: CredentialError.noCredentials) { try await chain.resolve() }
                #expect(error?.message.contains("instance metadata (instance metadata at") == true)
                #expect(error?.message.contains("timed out after 0.2 s") == true)
            }
        }
    }

    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["REMEDY_TEST_MOTO_ENDPOINT"] != nil,
            "set REMEDY_TEST_MOTO_ENDPOINT (scripts/test does) to check IMDS against moto_server"
        )
    )
    func motoServesInstanceMetadataCredentials() async throws {
        let endpoint = try #require(ProcessInfo.processInfo.environment["REMEDY_TEST_MOTO_ENDPOINT"])
        let provider = InstanceMetadataCredentialProvider(
            configuration: .init(endpoint: endpoint, timeout: .seconds(5))
        )
        let (_, credentials) = try await provider.fetch()
        #expect(credentials.accessKeyID == "test-key")
        #expect(credentials.secretAccessKey == "test-secret-key")
        #expect(credentials.sessionToken == "test-session-token")
    }
}
