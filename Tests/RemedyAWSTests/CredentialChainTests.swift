import Foundation
import RemedyAWS
import RemedyTestSupport
import Testing

@Suite struct CredentialChainTests {
    /// An environment that keeps the chain off the network: instance metadata disabled.
    static let offline = ["AWS_EC2_METADATA_DISABLED": "true"]

    static let credentialsFile = """
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = \(TestSecrets.secretKey)

        [base]
        aws_access_key_id = AKIABASE
        aws_secret_access_key = \(TestSecrets.secretKey)
        aws_session_token = \(TestSecrets.sessionToken)

        [partial]
        aws_access_key_id = AKIAPARTIAL
        """

    /// Writes the two files under `home/.aws` and returns a chain over them.
    static func chain(
        in directory: TemporaryDirectory,
        config: String? = nil,
        credentials: String? = credentialsFile,
        environment: [String: String] = [:],
        profile: String? = nil,
        sts: FakeSTS? = FakeSTS()
    ) throws -> CredentialChain {
        if let config { try directory.write(".aws/config", config) }
        if let credentials { try directory.write(".aws/credentials", credentials) }
        return CredentialChain(
            environment: offline.merging(environment) { _, new in new },
            homeDirectory: directory.path,
            profile: profile,
            sts: sts
        )
    }

    // MARK: - Environment

    @Test func environmentKeysWinOverTheSelectedProfile() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(
                in: directory,
                environment: [
                    "AWS_PROFILE": "base",
                    "AWS_ACCESS_KEY_ID": "AKIAENV",
                    "AWS_SECRET_ACCESS_KEY": TestSecrets.secretKey,
                    "AWS_SECURITY_TOKEN": TestSecrets.sessionToken,
                    "AWS_CREDENTIAL_EXPIRATION": "2030-01-01T00:00:00Z",
                ]
            )
            let provider = try await chain.resolve()
            #expect(provider.source == .environment)
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyID == "AKIAENV")
            #expect(credentials.sessionToken == TestSecrets.sessionToken)
            #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        }
    }

    @Test func anExplicitProfileArgumentSkipsEnvironmentKeys() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(
                in: directory,
                environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "x", "AWS_PROFILE": "default"],
                profile: "base"
            )
            let provider = try await chain.resolve()
            #expect(provider.source == .profile(name: "base", file: directory.file(".aws/credentials")))
            #expect(try await provider.credentials().accessKeyID == "AKIABASE")
        }
    }

    @Test func anAccessKeyWithoutSecretInTheEnvironmentIsAnError() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(in: directory, environment: ["AWS_ACCESS_KEY_ID": "AKIAENV"])
            await #expect(throws: CredentialError.partialCredentials) { try await chain.resolve() }
        }
    }

    @Test func emptyEnvironmentVariablesCountAsUnset() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(
                in: directory,
                environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""]
            )
            #expect(try await chain.resolve().credentials().accessKeyID == "AKIADEFAULT")
        }
    }

    // MARK: - Profile choice

    @Test func awsDefaultProfileIsCheckedBeforeAwsProfileAsInBotocore() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(
                in: directory,
                environment: ["AWS_DEFAULT_PROFILE": "base", "AWS_PROFILE": "default"]
            )
            #expect(chain.profileName == "base")
            let explicit = try Self.chain(in: directory, environment: ["AWS_DEFAULT_PROFILE": "base"], profile: "x")
            #expect(explicit.profileName == "x")
        }
    }

    @Test func aMissingNamedProfileIsReportedWithTheKnownProfiles() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(in: directory, environment: ["AWS_PROFILE": "nope"])
            let error = await #expect(throws: CredentialError.profileNotFound) { try await chain.resolve() }
            #expect(error?.message.contains("default, base, partial") == true)
        }
    }

    // MARK: - Shared files

    @Test func credentialsFileKeysBeatConfigFileKeys() async throws {
        try await withTemporaryDirectory { directory in
            let config = "[default]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s\n"
            let provider = try await Self.chain(in: directory, config: config).resolve()
            #expect(provider.source == .profile(name: "default", file: directory.file(".aws/credentials")))
        }
    }

    @Test func configFileKeysAreUsedWhenTheCredentialsFileHasNone() async throws {
        try await withTemporaryDirectory { directory in
            let config = "[profile ops]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s\n"
            let provider = try await Self.chain(in: directory, config: config, credentials: nil, profile: "ops")
                .resolve()
            #expect(provider.source == .profile(name: "ops", file: directory.file(".aws/config")))
            #expect(try await provider.credentials().accessKeyID == "AKIACONFIG")
        }
    }

    @Test func filesNamedByEnvironmentVariablesReplaceTheDefaults() async throws {
        try await withTemporaryDirectory { directory in
            let file = try directory.write(
                "elsewhere/creds",
                "[default]\naws_access_key_id = AKIAELSE\naws_secret_access_key = s\n"
            )
            let chain = try Self.chain(in: directory, environment: ["AWS_SHARED_CREDENTIALS_FILE": file])
            let provider = try await chain.resolve()
            #expect(provider.source == .profile(name: "default", file: file))
        }
    }

    @Test func aProfileWithAKeyButNoSecretIsAnError() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(in: directory, profile: "partial")
            await #expect(throws: CredentialError.partialCredentials) { try await chain.resolve() }
        }
    }

    @Test func noCredentialsListsWhatWasTried() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(in: directory, credentials: nil)
            let error = await #expect(throws: CredentialError.noCredentials) { try await chain.resolve() }
            let message = try #require(error?.message)
            #expect(message.contains("environment (AWS_ACCESS_KEY_ID not set)"))
            #expect(message.contains("\(directory.file(".aws/credentials")): not found"))
            #expect(message.contains("container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI not set)"))
            #expect(message.contains("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)"))
        }
    }

    // MARK: - Assume role

    @Test func assumeRoleSignsWithTheSourceProfileAndPassesProfileSettings() async throws {
        try await withTemporaryDirectory { directory in
            let sts = FakeSTS()
            let config = """
                [profile prod]
                role_arn = arn:aws:iam::111111111111:role/Responder
                source_profile = base
                external_id = ext-42
                role_session_name = remedy-test
                duration_seconds = 1800
                """
            let provider = try await Self.chain(in: directory, config: config, profile: "prod", sts: sts).resolve()
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyID == "ASIA-Responder")
            let request = AssumeRoleRequest(
                roleARN: "arn:aws:iam::111111111111:role/Responder",
                sessionName: "remedy-test",
                externalID: "ext-42",
                durationSeconds: 1800
            )
            #expect(sts.calls == [.assumeRole(request, signedWith: "AKIABASE")])
            let base = CredentialSource.profile(name: "base", file: directory.file(".aws/credentials"))
            #expect(
                provider.source
                    == .assumeRole(roleARN: "arn:aws:iam::111111111111:role/Responder", profile: "prod", via: base)
            )
            #expect(
                "\(provider.source)"
                    == "profile 'prod' (assume role arn:aws:iam::111111111111:role/Responder via profile 'base' "
                    + "from \(directory.file(".aws/credentials")))"
            )
        }
    }

    @Test func assumeRoleWinsOverStaticKeysInTheSameProfile() async throws {
        try await withTemporaryDirectory { directory in
            let sts = FakeSTS()
            let config = """
                [default]
                role_arn = arn:aws:iam::1:role/Self
                source_profile = default
                """
            let provider = try await Self.chain(in: directory, config: config, sts: sts).resolve()
            #expect(try await provider.credentials().accessKeyID == "ASIA-Self")
            #expect(sts.calls.count == 1)
            guard case .assumeRole(_, let signedWith) = sts.calls.first else {
                Issue.record("the first STS call was not AssumeRole: \(sts.calls)")
                return
            }
            #expect(signedWith == "AKIADEFAULT")
        }
    }

    @Test func chainedRolesAssumeEachRoleInTurn() async throws {
        try await withTemporaryDirectory { directory in
            let sts = FakeSTS()
            let config = """
                [profile first]
                role_arn = arn:aws:iam::1:role/First
                source_profile = base
                [profile second]
                role_arn = arn:aws:iam::1:role/Second
                source_profile = first
                """
            let provider = try await Self.chain(in: directory, config: config, profile: "second", sts: sts).resolve()
            #expect(try await provider.credentials().accessKeyID == "ASIA-Second")
            let signers = sts.calls.compactMap { call -> String? in
                if case .assumeRole(_, let signedWith) = call { return signedWith }
                return nil
            }
            #expect(signers == ["AKIABASE", "ASIA-First"])
        }
    }

    @Test func sourceProfileLoopsAreRefusedAndNamed() async throws {
        try await withTemporaryDirectory { directory in
            let config = """
                [profile a]
                role_arn = arn:aws:iam::1:role/A
                source_profile = b
                [profile b]
                role_arn = arn:aws:iam::1:role/B
                source_profile = c
                [profile c]
                role_arn = arn:aws:iam::1:role/C
                source_profile = a
                """
            let chain = try Self.chain(in: directory, config: config, profile: "a")
            let error = await #expect(throws: CredentialError.sourceProfileCycle) { try await chain.resolve() }
            #expect(error?.message.contains("a -> b -> c -> a") == true)
        }
    }

    @Test func aProfileThatIsItsOwnSourceWithoutKeysIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let config = "[profile me]\nrole_arn = arn:aws:iam::1:role/Me\nsource_profile = me\n"
            let chain = try Self.chain(in: directory, config: config, profile: "me")
            await #expect(throws: CredentialError.invalidConfiguration) { try await chain.resolve() }
        }
    }

    @Test func mfaProfilesAreRefusedWithAClearMessage() async throws {
        try await withTemporaryDirectory { directory in
            let config = """
                [profile mfa]
                role_arn = arn:aws:iam::1:role/Mfa
                source_profile = base
                mfa_serial = arn:aws:iam::1:mfa/me
                """
            let chain = try Self.chain(in: directory, config: config, profile: "mfa")
            let error = await #expect(throws: CredentialError.mfaNotSupported) { try await chain.resolve() }
            #expect(error?.message.contains("MFA profiles are not supported non-interactively") == true)
        }
    }

    @Test func credentialSourceEnvironmentSignsWithEnvironmentKeys() async throws {
        try await withTemporaryDirectory { directory in
            let sts = FakeSTS()
            let config = "[profile ci]\nrole_arn = arn:aws:iam::1:role/Ci\ncredential_source = Environment\n"
            let chain = try Self.chain(
                in: directory,
                config: config,
                environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"],
                profile: "ci",
                sts: sts
            )
            let provider = try await chain.resolve()
            #expect(provider.source == .assumeRole(roleARN: "arn:aws:iam::1:role/Ci", profile: "ci", via: .environment))
            _ = try await provider.credentials()
            guard case .assumeRole(_, let signedWith) = sts.calls.first else {
                Issue.record("no AssumeRole call")
                return
            }
            #expect(signedWith == "AKIAENV")
        }
    }

    @Test func unknownCredentialSourceAndBothSourcesAreConfigurationErrors() async throws {
        try await withTemporaryDirectory { directory in
            let config = """
                [profile odd]
                role_arn = arn:aws:iam::1:role/Odd
                credential_source = Laptop
                [profile both]
                role_arn = arn:aws:iam::1:role/Both
                credential_source = Environment
                source_profile = base
                [profile neither]
                role_arn = arn:aws:iam::1:role/Neither
                """
            for name in ["odd", "both", "neither"] {
                let chain = try Self.chain(in: directory, config: config, profile: name)
                await #expect(throws: CredentialError.invalidConfiguration) { try await chain.resolve() }
            }
        }
    }

    @Test func assumeRoleWithoutAnSTSClientSaysSo() async throws {
        try await withTemporaryDirectory { directory in
            let config = "[profile prod]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n"
            let chain = try Self.chain(in: directory, config: config, profile: "prod", sts: nil)
            await #expect(throws: CredentialError.stsNotConfigured) { try await chain.resolve() }
        }
    }

    @Test func assumedRoleCredentialsAreCachedUntilNearExpiry() async throws {
        try await withTemporaryDirectory { directory in
            let sts = FakeSTS()
            let config = "[profile prod]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n"
            let provider = try await Self.chain(in: directory, config: config, profile: "prod", sts: sts).resolve()
            _ = try await provider.credentials()
            _ = try await provider.credentials()
            #expect(sts.calls.count == 1)
        }
    }

    // MARK: - Web identity

    @Test func webIdentityFromTheEnvironmentReadsTheTokenFile() async throws {
        try await withTemporaryDirectory { directory in
            let sts = FakeSTS()
            let tokenFile = try directory.write("token", TestSecrets.webIdentityToken + "\n")
            let chain = try Self.chain(
                in: directory,
                credentials: nil,
                environment: [
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                    "AWS_ROLE_ARN": "arn:aws:iam::1:role/Web",
                    "AWS_ROLE_SESSION_NAME": "pod-1",
                ],
                sts: sts
            )
            let provider = try await chain.resolve()
            #expect(provider.source == .webIdentity(roleARN: "arn:aws:iam::1:role/Web", tokenFile: tokenFile))
            #expect(try await provider.credentials().accessKeyID == "ASIA-WEB")
            let expected = AssumeRoleWithWebIdentityRequest(
                roleARN: "arn:aws:iam::1:role/Web",
                sessionName: "pod-1",
                webIdentityToken: TestSecrets.webIdentityToken
            )
            #expect(sts.calls == [.webIdentity(expected)])
        }
    }

    @Test func webIdentityFromAProfileBeatsTheCredentialsFile() async throws {
        try await withTemporaryDirectory { directory in
            let sts = FakeSTS()
            let tokenFile = try directory.write("token", TestSecrets.webIdentityToken)
            let config = """
                [default]
                web_identity_token_file = \(tokenFile)
                role_arn = arn:aws:iam::1:role/Web
                """
            let provider = try await Self.chain(in: directory, config: config, sts: sts).resolve()
            #expect(provider.source == .webIdentity(roleARN: "arn:aws:iam::1:role/Web", tokenFile: tokenFile))
        }
    }

    @Test func aWebIdentityTokenWithoutARoleIsAConfigurationError() async throws {
        try await withTemporaryDirectory { directory in
            let chain = try Self.chain(in: directory, environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/t"])
            await #expect(throws: CredentialError.invalidConfiguration) { try await chain.resolve() }
        }
    }

    // MARK: - SSO, process

    @Test func ssoProfilesAreRefusedWithAdvice() async throws {
        try await withTemporaryDirectory { directory in
            let config = "[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\n"
            let chain = try Self.chain(in: directory, config: config, profile: "sso")
            let error = await #expect(throws: CredentialError.ssoNotSupported) { try await chain.resolve() }
            #expect(error?.message.contains("aws configure export-credentials") == true)
        }
    }

    @Test func credentialProcessComesAfterTheCredentialsFileAndBeforeConfigKeys() async throws {
        try await withTemporaryDirectory { directory in
            let config = """
                [profile proc]
                credential_process = /bin/true
                aws_access_key_id = AKIACONFIG
                aws_secret_access_key = s
                """
            let provider = try await Self.chain(in: directory, config: config, profile: "proc").resolve()
            #expect(provider.source == .process(profile: "proc"))
        }
    }
}
