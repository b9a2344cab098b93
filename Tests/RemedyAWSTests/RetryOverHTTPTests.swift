import RemedyAWS
import RemedyTestSupport
import Synchronization
import Testing

/// Standard-mode retries through the real transport (`AsyncHTTPClientTransport`) against a loopback server, with
/// an injected clock so that no test sleeps.
@Suite struct RetryOverHTTPTests {
    /// Answers 400 `Throttling` (query XML, as STS does) to the first `failures` requests, then succeeds.
    final class ThrottlingEndpoint: Sendable {
        let failures: Int
        private let answered = Mutex(0)

        init(failures: Int) { self.failures = failures }

        func answer(_ request: RecordedRequest) async throws -> LocalHTTPResponse {
            let index = answered.withLock { count in
                count += 1
                return count
            }
            guard index > failures else {
                return LocalHTTPResponse(
                    status: 400,
                    headers: [("Content-Type", "text/xml")],
                    text: """
                        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>\
                        <Code>Throttling</Code><Message>Rate exceeded</Message></Error>\
                        <RequestId>throttled-\(index)</RequestId></ErrorResponse>
                        """
                )
            }
            return LocalHTTPResponse(
                status: 200,
                headers: [("Content-Type", "text/xml")],
                text: """
                    <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\
                    <GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/alice</Arn>\
                    <UserId>AIDAEXAMPLEUSERID0001</UserId><Account>111122223333</Account></GetCallerIdentityResult>\
                    <ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></GetCallerIdentityResponse>
                    """
            )
        }
    }

    private func sts(_ server: LocalHTTPServer, clock: TestClock, quota: RetryQuota) throws -> STSClient {
        let endpoint = try #require(AWSEndpoint(overrideURL: server.baseURL, signingRegion: "us-east-1"))
        return STSClient(
            try AWSClient(
                service: .sts,
                region: "us-east-1",
                endpoint: endpoint,
                credentials: StaticCredentialProvider(TestCredentials.valid),
                configuration: .init(retry: RetryStrategy(maximumAttempts: 3), timeout: .seconds(20)),
                transport: AsyncHTTPClientTransport(),
                quota: quota,
                clock: clock,
                jitter: { 0.5 }
            )
        )
    }

    @Test func throttledCallIsRetriedWithOneInvocationIDUntilItSucceeds() async throws {
        let endpoint = ThrottlingEndpoint(failures: 2)
        let clock = TestClock()
        let quota = RetryQuota()
        try await withLocalHTTPServer(endpoint.answer) { server in
            let identity = try await sts(server, clock: clock, quota: quota).getCallerIdentity()
            #expect(identity.account == "111122223333")

            let requests = server.requests
            #expect(requests.count == 3)
            #expect(
                requests.map { $0.header("amz-sdk-request") } == [
                    "attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3",
                ]
            )
            let invocationIDs = Set(requests.compactMap { $0.header("amz-sdk-invocation-id") })
            #expect(invocationIDs.count == 1)
            #expect(invocationIDs.first?.count == 36)
            // Full jitter fixed at 0.5: half of 1 s, then half of 2 s; the clock was asked, nothing slept.
            #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
            // Every attempt is the same call: the same form body.
            #expect(Set(requests.map(\.bodyText)) == ["Action=GetCallerIdentity&Version=2011-06-15"])
        }
        // A success after retries gives back what the retries took.
        #expect(await quota.available == RetryQuota.capacity)
    }

    @Test func throttlingBeyondTheAttemptLimitIsThrownAfterEightAttempts() async throws {
        let endpoint = ThrottlingEndpoint(failures: 10)
        let clock = TestClock()
        let quota = RetryQuota()
        try await withLocalHTTPServer(endpoint.answer) { server in
            let client = try sts(server, clock: clock, quota: quota)
            await #expect {
                _ = try await client.getCallerIdentity()
            } throws: { error in
                let error = error as? AWSError
                return error?.code == "Throttling" && error?.statusCode == 400 && error?.requestID == "throttled-8"
            }
            #expect(server.requests.count == 8)
            #expect(Set(server.requests.compactMap { $0.header("amz-sdk-invocation-id") }).count == 1)
            // Full jitter fixed at 0.5 of 1, 2, 4, 8, 16, 20, 20 s
            #expect(
                clock.sleeps == [
                    .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10),
                ]
            )
        }
        // Throttling does not draw on the retry budget other errors share
        #expect(await quota.available == RetryQuota.capacity)
    }
}
