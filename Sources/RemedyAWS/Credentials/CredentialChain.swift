// Over 400 lines: one chain, the credential providers in the order the AWS SDKs try them.
import AsyncHTTPClient
import Foundation
import Logging
import RemedyCore

/// Finds credentials the way botocore 1.43's default chain does, first hit wins.
///
/// 1. Environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (skipped when a profile is
///    passed explicitly).
/// 2. Assume role from the profile: `role_arn` with `source_profile` (chains of profiles, loops refused) or
///    `credential_source` = `Environment` | `Ec2InstanceMetadata` | `EcsContainer`.
/// 3. Web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, or the profile's `web_identity_token_file`.
/// 4. SSO profiles are recognised and refused with advice (remedy has no SSO token cache).
/// 5. Static keys in the shared credentials file; 6. `credential_process`; 7. static keys in the config file.
/// 8. The container endpoint (ECS, EKS Pod Identity); 9. EC2 instance metadata (IMDSv2).
///
/// The profile is the `profile` argument, else `AWS_DEFAULT_PROFILE`, else `AWS_PROFILE`, else `default`: the
/// order botocore uses (docs/aws.md#credentials), so remedy and boto3 scripts agree on a shell where both are
/// set. Temporary credentials are wrapped in a ``RefreshingCredentialProvider``. STS calls go through the given
/// ``STSCredentialExchange``; without one, profiles that need STS fail with ``CredentialError/stsNotConfigured``.
///
///     let chain = CredentialChain(environment: ProcessInfo.processInfo.environment, sts: stsExchange)
///     let provider = try await chain.resolve()
///     print("credentials: \(provider.source)")
public struct CredentialChain: Sendable {
    /// The environment variables the chain reads (and passes to `credential_process`).
    public let environment: [String: String]
    /// The directory `~` stands for in file paths: the `homeDirectory` argument, else `HOME`.
    public let homeDirectory: String?
    /// The profile passed in code, which also disables the environment provider.
    public let explicitProfile: String?
    /// How long `credential_process` may run.
    public var processTimeout: Duration = .seconds(60)
    /// How long before expiry temporary credentials are refreshed.
    public var refreshWindow: Duration = RefreshingCredentialProvider.defaultRefreshWindow
    /// Added to the local clock when judging expiry (positive when the local clock is behind AWS's).
    public var clockSkew: Duration = .zero

    private let sts: (any STSCredentialExchange)?
    private let httpClient: HTTPClient
    private let wallClock: WallClock
    private let logger: Logger

    public init(
        environment: [String: String],
        homeDirectory: String? = nil,
        profile: String? = nil,
        sts: (any STSCredentialExchange)? = nil,
        httpClient: HTTPClient = AsyncHTTPClientTransport.processClient,
        wallClock: WallClock = .system,
        logger: Logger = Logger(label: "remedy.aws.credentials")
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory ?? environment["HOME"]
        self.explicitProfile = profile
        self.sts = sts
        self.httpClient = httpClient
        self.wallClock = wallClock
        self.logger = logger
    }

    /// The profile the chain reads.
    public var profileName: String { Self.profileName(environment: environment, explicit: explicitProfile) }

    /// The profile botocore would read: `explicit`, else `AWS_DEFAULT_PROFILE`, else `AWS_PROFILE`, else `default`.
    public static func profileName(environment: [String: String], explicit: String?) -> String {
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return explicit ?? variable("AWS_DEFAULT_PROFILE") ?? variable("AWS_PROFILE") ?? "default"
    }

    /// Finds the first source with credentials and returns a provider for it.
    ///
    /// Only instance metadata is contacted here (to learn whether the machine has a role at all); every other
    /// source is fetched on the provider's first ``ResolvedCredentialProvider/credentials()`` call.
    ///
    /// - Throws: ``CredentialError``: `.noCredentials` listing what was tried, or the configuration problem that
    ///   stopped the search (missing profile, source profile loop, MFA profile, partial keys…).
    public func resolve() async throws -> ResolvedCredentialProvider {
        let config = try AWSSharedConfig.load(environment: environment, homeDirectory: homeDirectory)
        let name = profileName
        var tried: [String] = []

        if explicitProfile == nil {
            if let credentials = try EnvironmentCredentialProvider.read(environment) {
                return ResolvedCredentialProvider(source: .environment, provider: StaticCredentialProvider(credentials))
            }
            tried.append("environment (AWS_ACCESS_KEY_ID not set)")
        } else {
            tried.append("environment (skipped: profile '\(name)' given explicitly)")
        }

        let profile = config.profile(named: name)
        if profile == nil && name != "default" {
            let known = config.profileNames.isEmpty ? "none" : config.profileNames.joined(separator: ", ")
            throw CredentialError.profileNotFound(
                "profile '\(name)' is in neither \(config.configFile) nor \(config.credentialsFile) (profiles: "
                    + "\(known)): fix AWS_PROFILE / --profile or add the profile"
            )
        }
        if let resolved = try profileChain(name, config: config, includeAssumeRole: true, environmentWebIdentity: true)
        {
            return resolved
        }
        tried.append("shared files (\(describeFiles(config, profile: name)))")

        if let container = try ContainerCredentialProvider.fromEnvironment(environment, httpClient: httpClient) {
            return ResolvedCredentialProvider(source: .container(uri: container.uri), provider: refreshing(container))
        }
        tried.append("container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI not set)")

        if let configuration = try InstanceMetadataCredentialProvider.Configuration.from(
            environment: environment,
            profile: profile
        ) {
            let metadata = InstanceMetadataCredentialProvider(configuration: configuration, httpClient: httpClient)
            do {
                let (role, credentials) = try await metadata.fetch()
                return ResolvedCredentialProvider(
                    source: .instanceMetadata(role: role),
                    provider: refreshing(metadata, initial: credentials)
                )
            } catch let error as CredentialError {
                tried.append("instance metadata (\(error.message))")
            }
        } else {
            tried.append("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)")
        }
        throw CredentialError.noCredentials(
            "no credentials found for profile '\(name)': set AWS_PROFILE to a profile with credentials, or "
                + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with a task or instance role; tried: "
                + tried.joined(separator: ", ")
        )
    }

    // MARK: - Profiles

    /// Steps 2–7 for profile `name`; nil when the profile has no credentials of its own.
    private func profileChain(
        _ name: String,
        config: AWSSharedConfig,
        includeAssumeRole: Bool,
        environmentWebIdentity: Bool,
        visited: [String] = []
    ) throws -> ResolvedCredentialProvider? {
        let profile = config.profile(named: name)
        if includeAssumeRole, let profile, isAssumeRoleProfile(profile) {
            return try assumeRole(profile, config: config, visited: visited + [name])
        }
        if let webIdentity = try webIdentity(profile, environmentVariables: environmentWebIdentity) {
            return webIdentity
        }
        if let profile,
            profile["sso_session"] != nil || profile["sso_start_url"] != nil
                || profile["sso_account_id"] != nil
        {
            throw CredentialError.ssoNotSupported(
                "profile '\(name)' uses IAM Identity Center (SSO), which remedy does not support: add "
                    + "`credential_process = aws configure export-credentials --profile \(name) --format process` "
                    + "to a profile that uses it as source, or export credentials into the environment"
            )
        }
        if let resolved = try staticProfile(name, config: config, fromCredentialsFile: true) { return resolved }
        if let command = profile?["credential_process"] {
            let process = try ProcessCredentialProvider(
                commandLine: command,
                profile: name,
                environment: environment,
                timeout: processTimeout
            )
            return ResolvedCredentialProvider(source: .process(profile: name), provider: refreshing(process))
        }
        return try staticProfile(name, config: config, fromCredentialsFile: false)
    }

    private func isAssumeRoleProfile(_ profile: AWSSharedConfig.Profile) -> Bool {
        profile["role_arn"] != nil && profile["web_identity_token_file"] == nil
    }

    /// Static keys of profile `name` in one of the two files.
    private func staticProfile(
        _ name: String,
        config: AWSSharedConfig,
        fromCredentialsFile: Bool
    ) throws -> ResolvedCredentialProvider? {
        let file = fromCredentialsFile ? config.credentialsFile : config.configFile
        let found =
            fromCredentialsFile ? config.credentialsFileProfile(named: name) : config.configFileProfile(named: name)
        guard let profile = found, let accessKeyID = profile["aws_access_key_id"] else { return nil }
        guard let secret = profile["aws_secret_access_key"] else {
            throw CredentialError.partialCredentials(
                "profile '\(name)' in \(file) has aws_access_key_id but no aws_secret_access_key: add it"
            )
        }
        let credentials = AWSCredentials(
            accessKeyID: accessKeyID,
            secretAccessKey: secret,
            sessionToken: profile["aws_session_token"] ?? profile["aws_security_token"]
        )
        return ResolvedCredentialProvider(
            source: .profile(name: name, file: file),
            provider: StaticCredentialProvider(credentials)
        )
    }

    private func hasStaticKeys(_ profile: AWSSharedConfig.Profile) -> Bool {
        profile["aws_access_key_id"] != nil && profile["aws_secret_access_key"] != nil
    }

    // MARK: - Assume role

    private func assumeRole(
        _ profile: AWSSharedConfig.Profile,
        config: AWSSharedConfig,
        visited: [String]
    ) throws -> ResolvedCredentialProvider {
        let name = profile.name
        guard let roleARN = profile["role_arn"] else {
            throw CredentialError.invalidConfiguration("profile '\(name)' has no role_arn")
        }
        if profile["mfa_serial"] != nil {
            throw CredentialError.mfaNotSupported(
                "profile '\(name)' sets mfa_serial: MFA profiles are not supported non-interactively; give remedy a "
                    + "role without an MFA condition, or export temporary credentials (aws sts get-session-token) "
                    + "into the environment"
            )
        }
        let sts = try requireSTS(for: "profile '\(name)' (role_arn \(roleARN))")
        let request = AssumeRoleRequest(
            roleARN: roleARN,
            sessionName: profile["role_session_name"] ?? defaultSessionName(),
            externalID: profile["external_id"],
            durationSeconds: try durationSeconds(profile)
        )
        let via = try assumeRoleSource(profile, config: config, visited: visited)
        let provider = AssumeRoleCredentialProvider(request: request, source: via.provider, sts: sts)
        return ResolvedCredentialProvider(
            source: .assumeRole(roleARN: roleARN, profile: name, via: via.source),
            provider: refreshing(provider)
        )
    }

    /// The credentials an assume-role profile signs its AssumeRole call with.
    private func assumeRoleSource(
        _ profile: AWSSharedConfig.Profile,
        config: AWSSharedConfig,
        visited: [String]
    ) throws -> ResolvedCredentialProvider {
        let name = profile.name
        switch (profile["source_profile"], profile["credential_source"]) {
        case (.some, .some):
            throw CredentialError.invalidConfiguration(
                "profile '\(name)' sets both source_profile and credential_source: keep one"
            )
        case (nil, nil):
            throw CredentialError.invalidConfiguration(
                "profile '\(name)' sets role_arn but neither source_profile nor credential_source: add one"
            )
        case (let source?, nil):
            if source == name {
                // A profile may name itself to assume its role with its own static keys.
                let own =
                    try staticProfile(name, config: config, fromCredentialsFile: true)
                    ?? staticProfile(name, config: config, fromCredentialsFile: false)
                guard let own else {
                    throw CredentialError.invalidConfiguration(
                        "profile '\(name)' is its own source_profile but has no aws_access_key_id"
                    )
                }
                return own
            }
            if visited.contains(source) {
                throw CredentialError.sourceProfileCycle(
                    "source_profile settings form a loop: \((visited + [source]).joined(separator: " -> ")); point "
                        + "one of them at a profile with keys"
                )
            }
            guard let sourceProfile = config.profile(named: source) else {
                throw CredentialError.invalidConfiguration(
                    "source_profile '\(source)' of profile '\(name)' is in neither \(config.configFile) nor "
                        + "\(config.credentialsFile)"
                )
            }
            if isAssumeRoleProfile(sourceProfile) && !hasStaticKeys(sourceProfile) {
                return try assumeRole(sourceProfile, config: config, visited: visited + [source])
            }
            let resolved = try profileChain(
                source,
                config: config,
                includeAssumeRole: false,
                environmentWebIdentity: false
            )
            guard let resolved else {
                throw CredentialError.invalidConfiguration(
                    "source_profile '\(source)' of profile '\(name)' has no credentials"
                )
            }
            return resolved
        case (nil, let credentialSource?):
            return try namedCredentialSource(credentialSource, profile: profile)
        }
    }

    private func namedCredentialSource(
        _ credentialSource: String,
        profile: AWSSharedConfig.Profile
    ) throws -> ResolvedCredentialProvider {
        let name = profile.name
        switch credentialSource {
        case "Environment":
            guard try EnvironmentCredentialProvider.read(environment) != nil else {
                throw CredentialError.invalidConfiguration(
                    "profile '\(name)' has credential_source = Environment but AWS_ACCESS_KEY_ID is not set"
                )
            }
            return ResolvedCredentialProvider(
                source: .environment,
                provider: EnvironmentCredentialProvider(environment: environment)
            )
        case "Ec2InstanceMetadata":
            guard
                let configuration = try InstanceMetadataCredentialProvider.Configuration.from(
                    environment: environment,
                    profile: profile
                )
            else {
                throw CredentialError.invalidConfiguration(
                    "profile '\(name)' has credential_source = Ec2InstanceMetadata but AWS_EC2_METADATA_DISABLED=true"
                )
            }
            let metadata = InstanceMetadataCredentialProvider(configuration: configuration, httpClient: httpClient)
            return ResolvedCredentialProvider(source: .instanceMetadata(role: nil), provider: refreshing(metadata))
        case "EcsContainer":
            guard let container = try ContainerCredentialProvider.fromEnvironment(environment, httpClient: httpClient)
            else {
                throw CredentialError.invalidConfiguration(
                    "profile '\(name)' has credential_source = EcsContainer but neither "
                        + "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set"
                )
            }
            return ResolvedCredentialProvider(source: .container(uri: container.uri), provider: refreshing(container))
        default:
            throw CredentialError.invalidConfiguration(
                "profile '\(name)' has credential_source = \(credentialSource): use Environment, "
                    + "Ec2InstanceMetadata or EcsContainer"
            )
        }
    }

    // MARK: - Web identity

    /// Web identity from the environment (each variable beating the profile's setting) or from the profile.
    private func webIdentity(
        _ profile: AWSSharedConfig.Profile?,
        environmentVariables: Bool
    ) throws -> ResolvedCredentialProvider? {
        let setting = { (variable: String, key: String) -> String? in
            (environmentVariables ? self.variable(variable) : nil) ?? profile?[key]
        }
        guard let tokenFile = setting("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file") else { return nil }
        guard let roleARN = setting("AWS_ROLE_ARN", "role_arn") else {
            throw CredentialError.invalidConfiguration(
                "a web identity token file is set (\(tokenFile)) but no role: set AWS_ROLE_ARN or role_arn"
            )
        }
        let what = profile.map { "profile '\($0.name)'" } ?? "AWS_WEB_IDENTITY_TOKEN_FILE"
        let provider = WebIdentityCredentialProvider(
            roleARN: roleARN,
            sessionName: setting("AWS_ROLE_SESSION_NAME", "role_session_name") ?? defaultSessionName(),
            tokenFile: AWSSharedConfig.expandingTilde(tokenFile, home: homeDirectory),
            durationSeconds: try profile.flatMap { try durationSeconds($0) },
            sts: try requireSTS(for: "\(what) (web identity, role \(roleARN))")
        )
        return ResolvedCredentialProvider(
            source: .webIdentity(roleARN: roleARN, tokenFile: provider.tokenFile),
            provider: refreshing(provider)
        )
    }

    // MARK: - Helpers

    private func requireSTS(for what: String) throws -> any STSCredentialExchange {
        guard let sts else {
            throw CredentialError.stsNotConfigured(
                "\(what) needs STS, but this chain was built without an STS client"
            )
        }
        return sts
    }

    private func durationSeconds(_ profile: AWSSharedConfig.Profile) throws -> Int? {
        guard let text = profile["duration_seconds"] else { return nil }
        guard let seconds = Int(text), (900...43_200).contains(seconds) else {
            throw CredentialError.invalidConfiguration(
                "profile '\(profile.name)' has duration_seconds = \(text): use a whole number from 900 to 43200"
            )
        }
        return seconds
    }

    private func defaultSessionName() -> String { "remedy-session-\(Int(wallClock.now.timeIntervalSince1970))" }

    private func refreshing(
        _ provider: any AWSCredentialProvider,
        initial: AWSCredentials? = nil
    ) -> RefreshingCredentialProvider {
        RefreshingCredentialProvider(
            wrapping: provider,
            initial: initial,
            refreshWindow: refreshWindow,
            clockSkew: clockSkew,
            wallClock: wallClock,
            logger: logger
        )
    }

    private func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

    private func describeFiles(_ config: AWSSharedConfig, profile: String) -> String {
        let credentials =
            config.hasCredentialsFile
            ? (config.credentialsFileProfile(named: profile) == nil
                ? "no profile '\(profile)'" : "profile '\(profile)' has no keys")
            : "not found"
        let configText =
            config.hasConfigFile
            ? (config.configFileProfile(named: profile) == nil
                ? "no profile '\(profile)'" : "profile '\(profile)' has no credentials")
            : "not found"
        return "\(config.credentialsFile): \(credentials); \(config.configFile): \(configText)"
    }
}
