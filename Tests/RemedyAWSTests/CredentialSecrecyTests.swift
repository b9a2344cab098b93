import Foundation
import RemedyAWS
import RemedyTestSupport
import Testing

@Suite struct CredentialSecrecyTests {
    @Test func webIdentityRequestsRedactTheToken() {
        let request = AssumeRoleWithWebIdentityRequest(
            roleARN: "arn:aws:iam::1:role/R",
            sessionName: "s",
            webIdentityToken: TestSecrets.webIdentityToken
        )
        #expect(!"\(request)".contains(TestSecrets.webIdentityToken))
        #expect(!String(reflecting: request).contains(TestSecrets.webIdentityToken))
    }

    @Test func resolvedProvidersDescribeTheirSourceWithoutSecrets() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(
                ".aws/credentials",
                "[default]\naws_access_key_id = AKIAX\naws_secret_access_key = \(TestSecrets.secretKey)\n"
                    + "aws_session_token = \(TestSecrets.sessionToken)\n"
            )
            let chain = CredentialChain(
                environment: ["AWS_EC2_METADATA_DISABLED": "true"],
                homeDirectory: directory.path
            )
            let provider = try await chain.resolve()
            for text in ["\(provider)", "\(provider.source)", String(reflecting: provider)] {
                for secret in TestSecrets.all { #expect(!text.contains(secret)) }
            }
        }
    }

    @Test func configurationErrorsNeverQuoteSecretValues() async throws {
        // Each profile is broken in a different way, and every one carries the secret key somewhere.
        let secret = TestSecrets.secretKey
        let config = """
            [profile mfa]
            role_arn = arn:aws:iam::1:role/R
            source_profile = keys
            mfa_serial = arn:aws:iam::1:mfa/me
            [profile keys]
            aws_access_key_id = AKIAKEYS
            aws_secret_access_key = \(secret)
            [profile badduration]
            role_arn = arn:aws:iam::1:role/R
            source_profile = keys
            duration_seconds = forever
            [profile partial]
            aws_secret_access_key = \(secret)
            aws_access_key_id = AKIAP
            aws_session_token = \(TestSecrets.sessionToken)
            [profile loop]
            role_arn = arn:aws:iam::1:role/R
            source_profile = loop2
            [profile loop2]
            role_arn = arn:aws:iam::1:role/R
            source_profile = loop
            """
        try await withTemporaryDirectory { directory in
            try directory.write(".aws/config", config)
            let environments: [(String?, [String: String])] = [
                ("mfa", [:]), ("badduration", [:]), ("loop", [:]), ("missing", [:]),
                (nil, ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SESSION_TOKEN": TestSecrets.sessionToken]),
                (
                    nil,
                    [
                        "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": secret,
                        "AWS_CREDENTIAL_EXPIRATION": "soon",
                    ]
                ),
                (
                    nil,
                    [
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.1.1.1/",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": TestSecrets.containerToken,
                    ]
                ),
            ]
            for (profile, environment) in environments {
                let chain = CredentialChain(
                    environment: environment.merging(["AWS_EC2_METADATA_DISABLED": "true"]) { old, _ in old },
                    homeDirectory: directory.path,
                    profile: profile,
                    sts: FakeSTS()
                )
                do {
                    _ = try await chain.resolve()
                    Issue.record("profile \(profile ?? "(env)") should fail")
                } catch let error as CredentialError {
                    for secret in TestSecrets.all {
                        #expect(!error.message.contains(secret), "\(profile ?? "(env)"): \(error.message)")
                    }
                }
            }
        }
    }
}
