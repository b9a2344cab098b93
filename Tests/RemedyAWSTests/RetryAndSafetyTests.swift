import Foundation
import RemedyAWS
import RemedyCore
import Testing

/// botocore's standard retry mode, and the safety rules on top of it.
@Suite struct RetryTests {
    static let throttled = HTTPResponseData.xml(
        "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>",
        status: 400
    )
    static let serverError = HTTPResponseData.xml(
        "<ErrorResponse><Error><Code>InternalFailure</Code><Message>oops</Message></Error></ErrorResponse>",
        status: 500
    )
    static let identity = HTTPResponseData.xml(
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/r</Arn><Account>111122223333</Account><UserId>U</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>"
    )

    @Test func throttlingIsRetriedWithCappedJitteredBackoffThenSucceeds() async throws {
        let clock = ManualClock()
        let quota = RetryQuota()
        let transport = ScriptedTransport(replies: [
            .success(Self.throttled), .success(Self.throttled), .success(Self.identity),
        ])
        let sts = STSClient(try .testing(.sts, transport: transport, clock: clock, quota: quota))
        let identity = try await sts.getCallerIdentity()
        #expect(identity.account == "111122223333")
        #expect(transport.requests.count == 3)
        // Jitter is fixed at 0.5 here: 0.5 × 1 s, then 0.5 × 2 s.
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
        #expect(
            transport.requests.map { $0.header("amz-sdk-request") } == [
                "attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3",
            ]
        )
        let invocationIDs = Set(transport.requests.compactMap { $0.header("amz-sdk-invocation-id") })
        #expect(invocationIDs.count == 1)
        // A version 4 UUID in lower case, and a new one for the next call
        let uuid = try #require(invocationIDs.first.flatMap(UUID.init(uuidString:)))
        #expect(uuid.uuidString.lowercased() == invocationIDs.first)
        #expect(invocationIDs.first?.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(invocationIDs.first?.dropFirst(14).first == "4")
        #expect(invocationIDs.first.map { "89ab".contains($0.dropFirst(19).first ?? "x") } == true)
        // Two retries cost 5 each and are returned on success.
        #expect(await quota.available == RetryQuota.capacity)
        // The next call (answered with an empty body here) has its own invocation id
        _ = try? await sts.getCallerIdentity()
        #expect(transport.requests.count == 4)
        #expect(transport.requests.last?.header("amz-sdk-invocation-id") != invocationIDs.first)
    }

    @Test func throttlingEarnsMoreAttemptsThanOtherErrorsAndStopsAtItsMaximum() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(replies: Array(repeating: .success(Self.throttled), count: 10))
        let sts = STSClient(try .testing(.sts, transport: transport, clock: clock))
        await #expect { _ = try await sts.getCallerIdentity() } throws: { error in
            (error as? AWSError)?.code == "Throttling" && (error as? AWSError)?.kind == .throttling
        }
        // Eight attempts for throttling (a throttled request was not performed), three for anything else
        #expect(transport.requests.count == RetryStrategy().maximumThrottledAttempts)
        #expect(RetryStrategy().maximumThrottledAttempts == 8)
        let failing = ScriptedTransport(replies: Array(repeating: .success(Self.serverError), count: 10))
        await #expect(throws: AWSError.self) {
            _ = try await STSClient(try .testing(.sts, transport: failing, clock: clock)).getCallerIdentity()
        }
        #expect(failing.requests.count == 3)
    }

    @Test func aNonIdempotentMutationIsNotRepeatedAfterAServerError() async throws {
        let transport = ScriptedTransport(replies: [
            .success(Self.serverError),
            .success(.xml("<CreateSecurityGroupResponse><groupId>sg-01234567</groupId></CreateSecurityGroupResponse>")),
        ])
        let ec2 = EC2Client(try .testing(.ec2, transport: transport))
        await #expect {
            _ = try await ec2.createSecurityGroup(name: "g", description: "d", vpcID: "vpc-01234567")
        } throws: { error in
            (error as? AWSError)?.kind == .transient
        }
        // The group may exist now: the caller's probe decides, the client does not try again.
        #expect(transport.requests.count == 1)
    }

    @Test func anIdempotentMutationIsRetriedAfterAServerError() async throws {
        let ok = HTTPResponseData.xml("<UpdateAccessKeyResponse><ResponseMetadata/></UpdateAccessKeyResponse>")
        let transport = ScriptedTransport(replies: [.success(Self.serverError), .success(ok)])
        let iam = IAMClient(try .testing(.iam, transport: transport))
        try await iam.updateAccessKey(user: "alice", accessKeyID: "AKIAIOSFODNN7EXAMPLE", status: "Inactive")
        #expect(transport.requests.count == 2)
    }

    @Test func permanentErrorsAreNeverRetried() async throws {
        let denied = HTTPResponseData.xml(
            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>",
            status: 403
        )
        let transport = ScriptedTransport(replies: [.success(denied), .success(Self.identity)])
        let sts = STSClient(try .testing(.sts, transport: transport))
        await #expect { _ = try await sts.getCallerIdentity() } throws: { error in
            "\(error)".contains("compare with remedy iam-policy")
        }
        #expect(transport.requests.count == 1)
    }

    @Test func connectionRefusedIsRetriedEvenForNonIdempotentCalls() async throws {
        let transport = ScriptedTransport(replies: [
            .failure(TransportError(.connect, "refused")),
            .success(.xml("<CreateSecurityGroupResponse><groupId>sg-01234567</groupId></CreateSecurityGroupResponse>")),
        ])
        let ec2 = EC2Client(try .testing(.ec2, transport: transport))
        let id = try await ec2.createSecurityGroup(name: "g", description: "d", vpcID: "vpc-01234567")
        #expect(id == "sg-01234567")
        #expect(transport.requests.count == 2)
    }

    @Test func anEmptyRetryQuotaStopsRetriesOfErrorsButNotOfThrottling() async throws {
        let transport = ScriptedTransport(replies: [.success(Self.serverError), .success(Self.identity)])
        let sts = STSClient(try .testing(.sts, transport: transport, quota: RetryQuota(available: 4)))
        await #expect(throws: AWSError.self) { _ = try await sts.getCallerIdentity() }
        #expect(transport.requests.count == 1)
        // A throttled call was not performed: waiting and asking again costs the budget nothing
        let throttled = ScriptedTransport(replies: [.success(Self.throttled), .success(Self.identity)])
        let paced = STSClient(try .testing(.sts, transport: throttled, quota: RetryQuota(available: 4)))
        _ = try await paced.getCallerIdentity()
        #expect(throttled.requests.count == 2)
    }

    @Test func throttlingCutsTheBucketsRateAndAnswersWinItBack() async {
        let pacer = RequestPacer()
        let key = "ec2/us-east-1/123456789012"
        await pacer.throttled(key)
        await pacer.throttled(key)
        #expect(abs(await pacer.share(of: key) - 0.49) < 1e-9)
        for _ in 0..<20 { await pacer.throttled(key) }
        #expect(await pacer.share(of: key) == 1.0 / 16)
        for _ in 0..<19 { await pacer.succeeded(key) }
        #expect(await pacer.share(of: key) == 1)
        #expect(await pacer.share(of: "iam/us-east-1/123456789012") == 1)
    }

    @Test func strategyDelaysFollowBotocore() {
        let strategy = RetryStrategy()
        #expect(strategy.delay(afterAttempt: 1, fraction: 0.999) < .seconds(1))
        #expect(strategy.delay(afterAttempt: 2, fraction: 1) == .seconds(2))
        #expect(strategy.delay(afterAttempt: 6, fraction: 1) == .seconds(20))
        #expect(strategy.delay(afterAttempt: 9, fraction: 1) == .seconds(20))
    }
}

/// Dry-run is enforced by the client, not by the caller.
@Suite struct DryRunTests {
    @Test func mutatingCallsOfOtherServicesAreRefusedWithoutBeingSent() async throws {
        let transport = ScriptedTransport()
        let iam = IAMClient(try .testing(.iam, transport: transport, mode: .dryRun))
        await #expect {
            try await iam.updateAccessKey(user: "a", accessKeyID: "AKIAIOSFODNN7EXAMPLE", status: "Inactive")
        } throws: { error in
            (error as? AWSError)?.kind == .refused
        }
        let s3 = S3Client(try .testing(.s3, transport: transport, mode: .dryRun))
        await #expect(throws: AWSError.self) { try await s3.putPublicAccessBlock(bucket: "b", .allBlocked) }
        #expect(transport.requests.isEmpty)
    }

    @Test func readsStillGoOutInDryRun() async throws {
        let transport = ScriptedTransport(replies: [.success(RetryTests.identity)])
        let sts = STSClient(try .testing(.sts, transport: transport, mode: .dryRun))
        _ = try await sts.getCallerIdentity()
        #expect(transport.requests.count == 1)
    }

    @Test func ec2MutationsGoOutWithDryRunTrueEvenIfTheCallerSaidFalse() async throws {
        let dryRun = HTTPResponseData.xml(
            "<Response><Errors><Error><Code>DryRunOperation</Code><Message>would succeed</Message></Error></Errors><RequestID>r</RequestID></Response>",
            status: 412
        )
        let transport = ScriptedTransport(replies: [.success(dryRun)])
        let client = try AWSClient.testing(.ec2, transport: transport, mode: .dryRun)
        var parameters = FormParameters(action: "StopInstances", version: "2016-11-15")
        parameters.set("InstanceId.1", "i-01234567")
        parameters.set("DryRun", false)
        await #expect {
            _ = try await client.perform(
                AWSCall(
                    operation: "StopInstances",
                    effect: .mutating(idempotent: true),
                    method: "POST",
                    body: parameters.body
                )
            )
        } throws: { error in
            (error as? AWSError)?.code == "DryRunOperation"
        }
        #expect(
            transport.requests.first?.bodyText
                == "Action=StopInstances&Version=2016-11-15&InstanceId.1=i-01234567&DryRun=true"
        )
    }
}

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

@Suite struct PacingTests {
    @Test func aBurstPassesThenCallsAreSpacedAtTheRate() async throws {
        let clock = ManualClock()
        let pacer = RequestPacer(defaultRate: .init(perSecond: 2, burst: 3), clock: clock)
        for _ in 0..<5 { try await pacer.acquire("ec2/us-east-1/1", service: "ec2") }
        // Three from the burst, then a 0.5 s wait each at 2 per second.
        #expect(clock.sleeps == [.milliseconds(500), .milliseconds(500)])
        // Another account has its own bucket.
        try await pacer.acquire("ec2/us-east-1/2", service: "ec2")
        #expect(clock.sleeps.count == 2)
    }
}

@Suite struct SecretHygieneTests {
    @Test func errorsAndRequestsDoNotRevealSecrets() async throws {
        let secret = "SUPERSECRETKEYVALUE1234567890abcdefghij"
        let token = "SESSIONTOKENVALUE/abc+def=="
        let credentials = AWSCredentials(
            accessKeyID: "ASIAIOSFODNN7EXAMPLE",
            secretAccessKey: secret,
            sessionToken: token
        )
        let denied = HTTPResponseData.xml(
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>",
            status: 403
        )
        let transport = ScriptedTransport(replies: [.success(denied)])
        let sts = STSClient(try .testing(.sts, transport: transport, credentials: credentials))
        do {
            _ = try await sts.getCallerIdentity()
            Issue.record("no error")
        } catch {
            let text = "\(error) \(String(reflecting: error))"
            #expect(!text.contains(secret))
            #expect(!text.contains(token))
            #expect(text.contains("wrong or the clock is skewed"))
        }
        // The signed request carries the token (it must) but never the secret.
        let request = try #require(transport.requests.first)
        #expect(!request.headers.contains { $0.value.contains(secret) })
        #expect(request.header("X-Amz-Security-Token") == token)
    }
}
