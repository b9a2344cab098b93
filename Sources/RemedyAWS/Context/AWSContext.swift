import Foundation
import Logging

/// Everything needed to call AWS, resolved once from the environment and the shared config files: region,
/// endpoints, credentials, and the transport, retry quota and pacing that every client shares.
///
/// `remedy run`, `remedy serve` and `remedy doctor` build one of these; clients come from it.
public struct AWSContext: Sendable {
    public let region: String
    /// Where the region came from, for `remedy doctor`.
    public let regionSource: String
    public let resolver: EndpointResolver
    public let credentials: ResolvedCredentialProvider
    public let mode: AWSClient.Mode
    public let configuration: AWSClient.Configuration
    let transport: any HTTPTransport
    let quota: RetryQuota
    let pacer: RequestPacer
    let roleSessions: RoleSessionCache
    /// Signing keys derived for the context's clients: a client is made per call, a key lasts a day.
    let signingKeys: SigningKeyCache

    /// Why the context could not be built: no region, or no usable credentials.
    public struct SetupError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// A context from parts already resolved (tests, the exercise backend).
    public init(
        region: String,
        regionSource: String = "configuration",
        resolver: EndpointResolver,
        credentials: ResolvedCredentialProvider,
        mode: AWSClient.Mode = .live,
        configuration: AWSClient.Configuration = AWSClient.Configuration(),
        transport: any HTTPTransport = AsyncHTTPClientTransport(),
        pacer: RequestPacer = RequestPacer()
    ) {
        let sts = TransportSTSExchange(region: region, resolver: resolver, transport: transport)
        self.init(
            region: region,
            regionSource: regionSource,
            resolver: resolver,
            credentials: credentials,
            mode: mode,
            configuration: configuration,
            transport: transport,
            quota: RetryQuota(),
            pacer: pacer,
            roleSessions: RoleSessionCache(sts: sts),
            signingKeys: SigningKeyCache()
        )
    }

    private init(
        region: String,
        regionSource: String,
        resolver: EndpointResolver,
        credentials: ResolvedCredentialProvider,
        mode: AWSClient.Mode,
        configuration: AWSClient.Configuration,
        transport: any HTTPTransport,
        quota: RetryQuota,
        pacer: RequestPacer,
        roleSessions: RoleSessionCache,
        signingKeys: SigningKeyCache
    ) {
        self.region = region
        self.regionSource = regionSource
        self.resolver = resolver
        self.credentials = credentials
        self.mode = mode
        self.configuration = configuration
        self.transport = transport
        self.quota = quota
        self.pacer = pacer
        self.roleSessions = roleSessions
        self.signingKeys = signingKeys
    }

    /// The same context, restricted to `mode` when that is dry-run: dry-run contexts are derived, never configured
    /// separately, and a dry-run context never yields a live one (a process started with `--dry-run` cannot be made
    /// to mutate by what a run says).
    public func restricted(to mode: AWSClient.Mode) -> AWSContext {
        let mode: AWSClient.Mode = self.mode == .dryRun ? .dryRun : mode
        return AWSContext(
            region: region,
            regionSource: regionSource,
            resolver: resolver,
            credentials: credentials,
            mode: mode,
            configuration: configuration,
            transport: transport,
            quota: quota,
            pacer: pacer,
            roleSessions: roleSessions,
            signingKeys: signingKeys
        )
    }

    /// Reads the environment and the shared files and resolves the credential chain.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String? = nil,
        profile: String? = nil,
        region explicitRegion: String? = nil,
        mode: AWSClient.Mode = .live,
        configuration: AWSClient.Configuration = AWSClient.Configuration(),
        transport: any HTTPTransport = AsyncHTTPClientTransport(),
        pacer: RequestPacer = RequestPacer()
    ) async throws -> AWSContext {
        let config = try AWSSharedConfig.load(
            environment: environment,
            homeDirectory: homeDirectory ?? environment["HOME"]
        )
        let profileName = CredentialChain.profileName(environment: environment, explicit: profile)
        let active = config.profile(named: profileName)

        let region: String
        let regionSource: String
        if let explicitRegion {
            (region, regionSource) = (explicitRegion, "--region")
        } else if let found = EndpointResolver.region(
            environment: environment,
            profileRegion: active?.region,
            profileDescription: "profile '\(profileName)' in \(config.configFile)"
        ) {
            (region, regionSource) = found
        } else {
            throw SetupError(
                message: "no AWS region: set AWS_REGION, pass --region, or add region to profile '\(profileName)'"
            )
        }

        var serviceEndpoints: [String: String] = [:]
        for (service, settings) in active?.services ?? [:] {
            if let url = settings["endpoint_url"], !url.isEmpty { serviceEndpoints[service] = url }
        }
        var resolverEnvironment = environment
        if active?.ignoresConfiguredEndpointURLs == true {
            resolverEnvironment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
        }
        let resolver = EndpointResolver(
            environment: resolverEnvironment,
            profileServiceEndpoints: serviceEndpoints,
            profileEndpoint: active?.endpointURL
        )
        let sts = TransportSTSExchange(region: region, resolver: resolver, transport: transport)
        let chain = CredentialChain(environment: environment, homeDirectory: homeDirectory, profile: profile, sts: sts)
        return AWSContext(
            region: region,
            regionSource: regionSource,
            resolver: resolver,
            credentials: try await chain.resolve(),
            mode: mode,
            configuration: configuration,
            transport: transport,
            pacer: pacer
        )
    }

    /// A client for `service`, with the context's credentials unless others are given (an assumed role's).
    public func client(
        _ service: AWSService,
        region: String? = nil,
        credentials: (any AWSCredentialProvider)? = nil,
        account: String = ""
    ) throws(AWSError) -> AWSClient {
        let region = region ?? self.region
        return try AWSClient(
            service: service,
            region: region,
            endpoint: try resolver.endpoint(for: service, region: region),
            credentials: credentials ?? self.credentials,
            account: account,
            mode: mode,
            configuration: configuration,
            transport: transport,
            quota: quota,
            pacer: pacer,
            signingKeys: signingKeys
        )
    }

    /// Credentials for a playbook's `target.role`, assumed with the context's credentials and cached for the session.
    public func assumedRole(
        _ roleARN: String,
        sessionName: String,
        externalID: String? = nil,
        durationSeconds: Int? = nil
    )
        async -> any AWSCredentialProvider
    {
        await roleSessions.provider(
            for: AssumeRoleRequest(
                roleARN: roleARN,
                sessionName: RoleSessionCache.sessionName(sessionName),
                externalID: externalID,
                durationSeconds: durationSeconds
            ),
            source: credentials
        )
    }
}

/// Assumed-role credentials, one refreshing provider per role, external id and session name.
///
/// The session name carries the run id, so each run's calls are attributed to it in CloudTrail while its steps share
/// one session per role.
actor RoleSessionCache {
    private let sts: any STSCredentialExchange
    private var providers: [AssumeRoleRequest: RefreshingCredentialProvider] = [:]

    init(sts: any STSCredentialExchange) {
        self.sts = sts
    }

    func provider(for request: AssumeRoleRequest, source: any AWSCredentialProvider) -> RefreshingCredentialProvider {
        if let cached = providers[request] { return cached }
        let provider = RefreshingCredentialProvider(
            wrapping: AssumeRoleCredentialProvider(request: request, source: source, sts: sts)
        )
        providers[request] = provider
        return provider
    }

    /// A valid role session name (`[\w+=,.@-]{2,64}`) from `text`, other characters replaced by `-`.
    static func sessionName(_ text: String) -> String {
        var name = String(text.lazy.map { isAllowedInSessionName($0) ? $0 : "-" }.prefix(64))
        while name.count < 2 { name += "-" }
        return name
    }

    /// Checked per character, without building a set each time: every call with an assumed role names its session.
    private static func isAllowedInSessionName(_ character: Character) -> Bool {
        guard let byte = character.asciiValue else { return false }
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "_+=,.@-".utf8.contains(byte)
        }
    }
}
