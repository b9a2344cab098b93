import Foundation
import RemedyAWS
import RemedyCore
import RemedyTestSupport
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
        let clock = TestClock()
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
        let clock = TestClock()
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
