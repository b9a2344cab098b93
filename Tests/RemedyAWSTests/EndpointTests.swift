import Foundation
import RemedyAWS
import RemedyCore
import Testing

@Suite struct EndpointTests {
    @Test(arguments: [
        (AWSService.ec2, "eu-west-1", "https://ec2.eu-west-1.amazonaws.com", "eu-west-1"),
        (.iam, "eu-west-1", "https://iam.amazonaws.com", "us-east-1"),
        (.iam, "cn-north-1", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        (.iam, "us-gov-east-1", "https://iam.us-gov.amazonaws.com", "us-gov-west-1"),
        (.sts, "ap-southeast-2", "https://sts.ap-southeast-2.amazonaws.com", "ap-southeast-2"),
        (.s3, "us-east-1", "https://s3.amazonaws.com", "us-east-1"),
        (.s3, "cn-northwest-1", "https://s3.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"),
        (.s3Control, "us-west-2", "https://s3-control.us-west-2.amazonaws.com", "us-west-2"),
        (.securityHub, "us-gov-west-1", "https://securityhub.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
    ])
    func defaultEndpointsFollowThePartitionRules(
        service: AWSService,
        region: String,
        url: String,
        signingRegion: String
    ) throws {
        let endpoint = try EndpointResolver(environment: [:]).endpoint(for: service, region: region)
        #expect(endpoint.description == url)
        #expect(endpoint.signingRegion == signingRegion)
        #expect(!endpoint.isOverride)
    }

    @Test func overridesApplyInPrecedenceOrder() throws {
        var environment = ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000"]
        let resolver = {
            EndpointResolver(
                environment: environment,
                profileServiceEndpoints: ["s3_control": "http://127.0.0.1:6000"],
                profileEndpoint: "http://127.0.0.1:7000"
            )
        }
        #expect(try resolver().endpoint(for: .s3Control, region: "us-east-1").description == "http://127.0.0.1:5000")
        environment["AWS_ENDPOINT_URL_S3_CONTROL"] = "http://127.0.0.1:5001/base/"
        let endpoint = try resolver().endpoint(for: .s3Control, region: "us-east-1")
        #expect(endpoint.description == "http://127.0.0.1:5001/base")
        #expect(endpoint.port == 5001)
        #expect(endpoint.isOverride)
        environment = [:]
        #expect(try resolver().endpoint(for: .s3Control, region: "us-east-1").port == 6000)
        #expect(try resolver().endpoint(for: .ec2, region: "us-east-1").port == 7000)
        environment = ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"]
        #expect(
            try resolver().endpoint(for: .ec2, region: "us-east-1").description == "https://ec2.us-east-1.amazonaws.com"
        )
    }

    @Test func regionComesFromAWSRegionThenDefaultRegionThenProfile() {
        #expect(
            EndpointResolver.region(
                environment: ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"],
                profileRegion: "ap-south-1"
            ) == "eu-west-1"
        )
        #expect(
            EndpointResolver.region(environment: ["AWS_DEFAULT_REGION": "us-east-1"], profileRegion: "ap-south-1")
                == "us-east-1"
        )
        #expect(EndpointResolver.region(environment: [:], profileRegion: "ap-south-1") == "ap-south-1")
        #expect(EndpointResolver.region(environment: [:], profileRegion: nil) == nil)
    }

    @Test func aMalformedOverrideIsAClearError() {
        #expect(throws: AWSError.self) {
            try EndpointResolver(environment: ["AWS_ENDPOINT_URL_EC2": "ftp://x"]).endpoint(
                for: .ec2,
                region: "us-east-1"
            )
        }
    }
}
