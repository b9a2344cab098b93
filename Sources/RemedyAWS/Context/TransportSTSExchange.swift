/// The credential chain's STS calls, made with remedy's own STS client.
public struct TransportSTSExchange: STSCredentialExchange {
    let region: String
    let resolver: EndpointResolver
    let transport: any HTTPTransport

    public init(region: String, resolver: EndpointResolver, transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.region = region
        self.resolver = resolver
        self.transport = transport
    }

    func client(_ credentials: any AWSCredentialProvider) throws(AWSError) -> STSClient {
        STSClient(
            try AWSClient(
                service: .sts,
                region: region,
                endpoint: try resolver.endpoint(for: .sts, region: region),
                credentials: credentials,
                transport: transport
            )
        )
    }

    public func assumeRole(
        _ request: AssumeRoleRequest,
        using credentials: AWSCredentials
    ) async throws
        -> AWSCredentials
    {
        try await client(StaticCredentialProvider(credentials)).assumeRole(
            roleARN: request.roleARN,
            sessionName: request.sessionName,
            externalID: request.externalID,
            durationSeconds: request.durationSeconds
        )
    }

    public func assumeRoleWithWebIdentity(_ request: AssumeRoleWithWebIdentityRequest) async throws -> AWSCredentials {
        // Unsigned: the token is the credential. The provider below is never asked.
        let sts = try client(StaticCredentialProvider(AWSCredentials(accessKeyID: "", secretAccessKey: "")))
        let result = try await sts.client.query("AssumeRoleWithWebIdentity", effect: .readOnly, signed: false) {
            $0.set("RoleArn", request.roleARN)
            $0.set("RoleSessionName", request.sessionName)
            $0.set("WebIdentityToken", request.webIdentityToken)
            if let duration = request.durationSeconds { $0.set("DurationSeconds", duration) }
        }
        return try sts.credentials(from: result, operation: "AssumeRoleWithWebIdentity")
    }
}
