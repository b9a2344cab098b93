import Foundation
import RemedyTestSupport
import Testing

@testable import RemedyAWS

@Suite struct AWSSharedConfigTests {
    static let config = """
        # comment
        ; another comment
        [default]
        region = eu-west-1
        services = local-moto
        s3 =
          addressing_style = path

        [profile prod]
        Region: us-east-1
        role_arn = arn:aws:iam::111111111111:role/Responder
        endpoint_url = http://127.0.0.1:5077
        ignore_configured_endpoint_urls = true
        note = first line
          second line

        [services local-moto]
        sts =
          endpoint_url = http://127.0.0.1:5079
        s3_control =
          endpoint_url = http://127.0.0.1:6000

        [profile "quoted name"]
        region = ap-south-1
        """

    static let credentials = """
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = secret

        [prod]
        region = us-west-2
        """

    @Test func profilesMergeBothFilesWithTheCredentialsFileWinning() throws {
        let shared = try AWSSharedConfig(configContents: Self.config, credentialsContents: Self.credentials)
        let prod = try #require(shared.profile(named: "prod"))
        #expect(prod.region == "us-west-2")
        #expect(prod["role_arn"] == "arn:aws:iam::111111111111:role/Responder")
        #expect(shared.configFileProfile(named: "prod")?.region == "us-east-1")
        #expect(shared.profile(named: "default")?["aws_access_key_id"] == "AKIADEFAULT")
        #expect(shared.profileNames == ["default", "prod", "quoted name"])
    }

    @Test func keysAreCaseInsensitiveAndColonSeparatorsWork() throws {
        let shared = try AWSSharedConfig(configContents: Self.config, credentialsContents: nil)
        #expect(shared.profile(named: "prod")?.settings["region"] == "us-east-1")
    }

    @Test func servicesSectionIsResolvedForTheProfileThatNamesIt() throws {
        let shared = try AWSSharedConfig(configContents: Self.config, credentialsContents: nil)
        let profile = try #require(shared.profile(named: "default"))
        #expect(profile.endpointURL(forService: "sts") == "http://127.0.0.1:5079")
        #expect(profile.endpointURL(forService: "s3_control") == "http://127.0.0.1:6000")
        #expect(profile.endpointURL(forService: "ec2") == nil)
        #expect(profile.nested["s3"] == ["addressing_style": "path"])
        #expect(shared.servicesSection(named: "local-moto")?["sts"]?["endpoint_url"] == "http://127.0.0.1:5079")
    }

    @Test func profileLevelEndpointSettingsAreExposed() throws {
        let shared = try AWSSharedConfig(configContents: Self.config, credentialsContents: nil)
        let prod = try #require(shared.profile(named: "prod"))
        #expect(prod.endpointURL == "http://127.0.0.1:5077")
        #expect(prod.ignoresConfiguredEndpointURLs)
        #expect(shared.profile(named: "default")?.ignoresConfiguredEndpointURLs == false)
    }

    @Test func continuationLinesJoinWithNewlines() throws {
        let shared = try AWSSharedConfig(configContents: Self.config, credentialsContents: nil)
        #expect(shared.profile(named: "prod")?["note"] == "first line\nsecond line")
    }

    @Test func quotedProfileNamesLoseTheirQuotes() throws {
        let shared = try AWSSharedConfig(configContents: Self.config, credentialsContents: nil)
        #expect(shared.profile(named: "quoted name")?.region == "ap-south-1")
    }

    @Test func configSectionsWithoutProfilePrefixAreNotProfiles() throws {
        let shared = try AWSSharedConfig(configContents: "[prod]\nregion = x\n", credentialsContents: nil)
        #expect(shared.profile(named: "prod") == nil)
    }

    @Test func aLineWithoutEqualsIsReportedWithFileAndLine() throws {
        let error = #expect(throws: CredentialError.invalidConfiguration) {
            try AWSSharedConfig(
                configFile: "/x/config",
                configContents: "[default]\nregion = a\nnonsense\n",
                credentialsContents: nil
            )
        }
        #expect(error?.message.hasPrefix("/x/config:3:") == true)
    }

    @Test func settingsBeforeAnySectionAreRejected() {
        #expect(throws: CredentialError.invalidConfiguration) {
            try AWSSharedConfig(configContents: "region = a\n", credentialsContents: nil)
        }
    }

    @Test func loadReadsFilesNamedByTheEnvironmentAndExpandsTilde() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write("custom/config", "[profile x]\nregion = sa-east-1\n")
            let shared = try AWSSharedConfig.load(
                environment: ["AWS_CONFIG_FILE": "~/custom/config"],
                homeDirectory: directory.path
            )
            #expect(shared.configFile == directory.file("custom/config"))
            #expect(shared.hasConfigFile)
            #expect(!shared.hasCredentialsFile)
            #expect(shared.profile(named: "x")?.region == "sa-east-1")
        }
    }
}
