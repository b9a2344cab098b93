import Foundation
import HTTPTypes
import RemedyCore
import RemedyExecutor
import RemedyTestSupport
import Testing

@testable import RemedyServer

/// `POST /v1/events`: authenticated findings are journaled before the 202 and then driven; everything refused
/// gets its status and reason and leaves the journal untouched.
@Suite struct IntakeTests {
    static let backdoor = "eventbridge/guardduty-backdoor-cc-activity.json"

    @Test func aBearerFeedsFindingIsJournaledBeforeTheAnswerAndRunToItsGate() async throws {
        try await ServerHarness.with { harness in
            let answer = try await harness.postEvent(try ServerHarness.fixture(Self.backdoor))
            #expect(answer.status == 202, "\(answer.text)")
            let run = try #require(answer.json["runs"]?[0])
            let runID = try #require(run["runId"]?.stringValue)
            #expect(run["playbook"] == "contain")
            #expect(run["duplicate"] == false)
            #expect(run["case"]?.stringValue?.hasPrefix("case-") == true)

            // The answer came after run.created was durable: it is in the journal with the feed as initiator.
            let created = try #require(try await harness.journal.records(ofRun: runID).first)
            #expect(created.kind == "run.created")
            #expect(created.payload["initiator"] == "feed:bearer:eventbridge")

            let report = try await harness.waitForRun(runID) { $0.status == .parked }
            #expect(report.waitingAt == "approve-isolation")
            #expect(try await harness.kinds(runID).prefix(3) == ["run.created", "step.started", "step.succeeded"])
        }
    }

    @Test func aSampleFindingIsAcceptedMarkedAndNeverActedOnLive() async throws {
        // GuardDuty's "Generate sample findings": the backdoor finding, flagged as a sample
        let text = String(decoding: try ServerHarness.fixture(Self.backdoor), as: UTF8.self)
            .replacingOccurrences(of: #""additionalInfo": {"#, with: #""additionalInfo": {"sample": true, "#)
        #expect(text.contains(#""sample": true"#))
        try await ServerHarness.with { harness in
            let answer = try await harness.postEvent(Array(text.utf8))
            // A pipeline test succeeds end to end: 202, the run named and marked
            #expect(answer.status == 202, "\(answer.text)")
            #expect(answer.json["samples"] == 1)
            let run = try #require(answer.json["runs"]?[0])
            #expect(run["sample"] == true)
            let runID = try #require(run["runId"]?.stringValue)
            // And the live run fails before any call, saying why
            let report = try await harness.waitForRun(runID) { $0.status == .failed }
            #expect(try await harness.kinds(runID) == ["run.created", "run.failed"])
            let failed = try #require(try await harness.journal.records(ofRun: runID).last)
            #expect(failed.payload["code"] == "SampleFinding")
            #expect(report.failureReason?.hasPrefix("sample finding") == true)
            let created = try #require(try await harness.journal.records(ofRun: runID).first)
            #expect(created.payload["finding"]?["sample"] == true)
            let metrics = try await harness.send("GET", "/metrics")
            #expect(metrics.text.contains(#"remedy_findings_received_total{feed="bearer",sample="true"} 1"#))
        }
    }

    @Test func theSameFindingDeliveredAgainNamesTheExistingRun() async throws {
        try await ServerHarness.with { harness in
            let body = try ServerHarness.fixture(Self.backdoor)
            let first = try await harness.postEvent(body)
            let second = try await harness.postEvent(body)
            #expect(first.status == 202)
            #expect(second.status == 202)
            #expect(second.json["runs"]?[0]?["duplicate"] == true)
            #expect(second.json["runs"]?[0]?["runId"] == first.json["runs"]?[0]?["runId"])
            #expect(try await harness.runCount() == 1)
        }
    }

    @Test func aRequestSignedAheadOfTheClockIsRefusedAgainUntilItsSignedTimeLeavesTheWindow() async throws {
        let clock = TestClock(start: Date())
        try await ServerHarness.with(clock: clock) { harness in
            // Given a request signed 120 s ahead of the server's clock (the window is 300 s), accepted once
            let body = try ServerHarness.fixture(Self.backdoor)
            let signedAt = Int(clock.date.timeIntervalSince1970) + 120
            let signed = ServerHarness.hmacHeaders(body, timestamp: signedAt)
            #expect(try await harness.postEvent(body, headers: signed).status == 202)
            // When it is sent again 301 s later (its signed time is still within the window)
            clock.advance(by: .seconds(301))
            let replayed = try await harness.postEvent(body, headers: signed)
            // Then it is still a replay, and only after its signed time has left the window is it refused as stale
            #expect(replayed.status == 401)
            #expect(replayed.json["message"]?.stringValue?.contains("a replay") == true)
            clock.advance(by: .seconds(120))
            let stale = try await harness.postEvent(body, headers: signed)
            #expect(stale.status == 401)
            #expect(stale.json["message"]?.stringValue?.contains("outside the replay window") == true)
            #expect(try await harness.runCount() == 1)
        }
    }

    @Test func aSignatureIsUsedUpOnlyWhenItsFindingsAreJournaled() async throws {
        // Given a signed request whose findings could not be journaled
        let authenticator = RequestAuthenticator(
            bearerTokens: [:],
            hmacSecrets: ["siem": Array(ServerHarness.hmacSecret.utf8)],
            replayWindow: .seconds(300)
        )
        let body = Array(#"{"id": "f-1"}"#.utf8)
        var headers = HTTPFields()
        for (name, value) in ServerHarness.hmacHeaders(body, timestamp: Int(Date().timeIntervalSince1970)) {
            headers[try #require(HTTPField.Name(name))] = value
        }
        struct JournalDown: Error {}
        let first = try await authenticator.authenticate(headers, body: body)
        await #expect(throws: JournalDown.self) {
            try await authenticator.settle(first) { () async throws -> Int in throw JournalDown() }
        }
        // Then the sender's retry is taken, and once it succeeds the same request is a replay
        let retry = try await authenticator.authenticate(headers, body: body)
        #expect(try await authenticator.settle(retry) { 202 } == 202)
        let replay = await #expect(throws: Rejection.self) { try await authenticator.authenticate(headers, body: body) }
        #expect(replay?.message.contains("a replay") == true)
    }

    @Test func theReplayCacheRefusesWhenFullRatherThanForgetEarly() async {
        let seen = SeenSignatures(capacity: 2)
        #expect(await seen.claim([1], expiresAt: 1_000, now: 0) == .claimed)
        #expect(await seen.claim([2], expiresAt: 2_000, now: 0) == .claimed)
        #expect(await seen.claim([3], expiresAt: 1_000, now: 500) == .full)
        #expect(await seen.claim([1], expiresAt: 1_000, now: 999) == .replay)
        // Each leaves when its own signed time leaves the window, not in arrival order
        #expect(await seen.claim([3], expiresAt: 3_000, now: 1_000) == .claimed)
        #expect(await seen.claim([1], expiresAt: 3_000, now: 1_000) == .full)
        #expect(await seen.claim([2], expiresAt: 2_000, now: 1_999) == .replay)
        #expect(await seen.count == 2)
        // Long idle spells evict everything due
        #expect(await seen.claim([4], expiresAt: 90_000, now: 80_000) == .claimed)
        #expect(await seen.count == 1)
    }

    @Test func hmacSignedRequestsAreAcceptedOnceWithinTheReplayWindow() async throws {
        let clock = TestClock(start: Date())
        try await ServerHarness.with(clock: clock) { harness in
            let body = try ServerHarness.fixture(Self.backdoor)
            let now = Int(clock.date.timeIntervalSince1970)
            let signed = ServerHarness.hmacHeaders(body, timestamp: now)
            let accepted = try await harness.postEvent(body, headers: signed)
            #expect(accepted.status == 202, "\(accepted.text)")
            let runID = try #require(accepted.json["runs"]?[0]?["runId"]?.stringValue)
            #expect(try await harness.journal.records(ofRun: runID).first?.payload["initiator"] == "feed:hmac:siem")

            let replayed = try await harness.postEvent(body, headers: signed)
            #expect(replayed.status == 401)
            #expect(replayed.json["message"]?.stringValue?.contains("replay") == true)

            let stale = try await harness.postEvent(
                body,
                headers: ServerHarness.hmacHeaders(body, timestamp: now - 301)
            )
            #expect(stale.status == 401)
            let future = try await harness.postEvent(
                body,
                headers: ServerHarness.hmacHeaders(body, timestamp: now + 301)
            )
            #expect(future.status == 401)
            let wrongKey = try await harness.postEvent(
                body,
                headers: ServerHarness.hmacHeaders(body, timestamp: now + 1, secret: "not-the-secret")
            )
            #expect(wrongKey.status == 401)
            var tampered = body
            tampered[tampered.count / 2] ^= 0x01
            let altered = try await harness.postEvent(
                tampered,
                headers: ServerHarness.hmacHeaders(body, timestamp: now + 2)
            )
            #expect(altered.status == 401)
            #expect(try await harness.runCount() == 1)
        }
    }

    @Test func unauthenticatedAndForgedRequestsGet401AndLeaveOnlyACounter() async throws {
        try await ServerHarness.with { harness in
            let body = try ServerHarness.fixture(Self.backdoor)
            let cases: [[(String, String)]] = [
                [],
                [("Authorization", "Bearer wrong-token")],
                [("Authorization", "Basic \(harness.bearerToken)")],
                [("Authorization", "Bearer \(harness.bearerToken)x")],
                [("X-Remedy-Signature", "sha256=00"), ("X-Remedy-Feed", "siem"), ("X-Remedy-Timestamp", "1")],
            ]
            for headers in cases {
                let answer = try await harness.postEvent(body, headers: headers)
                #expect(answer.status == 401, "\(headers): \(answer.text)")
                #expect(answer.json["error"] == "unauthenticated")
            }
            // Not JSON and no credentials: still 401, not 400.
            #expect(try await harness.postEvent(Array("not json".utf8), headers: []).status == 401)
            #expect(try await harness.runCount() == 0)
            #expect(try harness.journal.records().isEmpty)

            let metrics = try await harness.send("GET", "/metrics").text
            #expect(metrics.contains(#"remedy_requests_rejected_total{reason="unauthenticated",status="401"} 6"#))
            // The log says who was refused and why, never with what.
            let logs = harness.logs.all.joined(separator: "\n")
            #expect(logs.contains("unauthenticated"))
            #expect(!logs.contains(harness.bearerToken))
        }
    }

    @Test(arguments: [
        ("malformed/deeply-nested-500.json", 400, "invalid-json"),
        ("malformed/array-of-numbers.json", 422, "invalid-batch"),
        ("malformed/guardduty-instance-id-trailing-newline.json", 422, "invalid-finding"),
        ("not-findings/sns-subscription-confirmation.json", 422, "not-a-finding"),
    ])
    func badBodiesGetAClearStatusAndNothingIsJournaled(fixture: String, status: Int, reason: String) async throws {
        let path = "Fixtures/findings/\(fixture)"
        guard FileManager.default.fileExists(atPath: Repository.path(path)) else {
            Issue.record("fixture \(fixture) is missing")
            return
        }
        try await ServerHarness.with { harness in
            let answer = try await harness.postEvent(try Repository.bytes(path))
            #expect(answer.status == status, "\(answer.text)")
            #expect(answer.json["error"]?.stringValue == reason, "\(answer.text)")
            #expect(answer.json["message"]?.stringValue?.isEmpty == false)
            #expect(try await harness.runCount() == 0)
        }
    }

    @Test func aBatchIsAcceptedWholeOrRefusedNamingItsBadEntries() async throws {
        try await ServerHarness.with { harness in
            let good = try ServerHarness.fixture(Self.backdoor)
            let bad = try ServerHarness.fixture("malformed/guardduty-account-id-not-12-digits.json")
            let mixed = Array("[".utf8) + good + Array(",".utf8) + bad + Array("]".utf8)
            let refused = try await harness.postEvent(mixed)
            #expect(refused.status == 422)
            #expect(refused.json["message"]?.stringValue?.contains("[1]:") == true, "\(refused.text)")
            #expect(refused.json["message"]?.stringValue?.contains("[0]:") == false)
            #expect(try await harness.runCount() == 0)

            let tor = try ServerHarness.fixture("eventbridge/guardduty-tor-client.json")
            let batch = Array("[".utf8) + good + Array(",".utf8) + tor + Array("]".utf8)
            let accepted = try await harness.postEvent(batch)
            #expect(accepted.status == 202, "\(accepted.text)")
            #expect(accepted.json["findings"] == 2)
            #expect(accepted.json["runs"]?.arrayValue?.count == 1)
            #expect(accepted.json["unmatched"]?.arrayValue?.count == 1)
        }
    }

    @Test func limitsOnSizeFindingsAndRateAnswer413And429() async throws {
        let configuration = ServerHarness.configuration {
            $0.server.limits.maximumFindingsPerRequest = 2
            $0.server.limits.requestsPerSecond = 0.01
            $0.server.limits.burst = 4
        }
        try await ServerHarness.with(configuration: configuration) { harness in
            let huge =
                Array(#"{"padding":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 1 << 20)
                + Array(#""}"#.utf8)
            let tooLarge = try await harness.postEvent(huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.json["error"] == "body-too-large")

            let three = try ServerHarness.fixture("eventbridge/securityhub-imported-three-findings.json")
            let tooMany = try await harness.postEvent(three)
            #expect([413, 422].contains(tooMany.status), "\(tooMany.text)")
            #expect(tooMany.json["message"]?.stringValue?.contains("limit of 2") == true, "\(tooMany.text)")

            // Two requests used the burst of 4; the next two pass, then the client waits.
            _ = try await harness.send("POST", "/v1/events", body: [])
            _ = try await harness.send("POST", "/v1/events", body: [])
            let limited = try await harness.send("POST", "/v1/events", body: [])
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After").flatMap(Int.init) ?? 0 >= 1)
            #expect(try await harness.runCount() == 0)
        }
    }

    @Test func readinessTellsAnonymousCallersWhatIsWrongWithoutTheInternals() async throws {
        let problem = "the journal cannot take writes: SQLite error 14: unable to open /var/lib/remedy/journal.sqlite"
        let journalProblem: @Sendable () async -> String? = { problem }
        try await ServerHarness.with(journalProblem: journalProblem) { harness in
            let ready = try await harness.send("GET", "/readyz")
            #expect(ready.status == 503)
            #expect(ready.json["message"] == "the journal cannot take writes")
            #expect(!ready.text.contains("/var/lib/remedy"))
            #expect(harness.logs.all.contains { $0.contains("/var/lib/remedy") })
        }
    }

    @Test func healthReadinessAndMetricsAnswer() async throws {
        try await ServerHarness.with { harness in
            #expect(try await harness.send("GET", "/healthz").status == 200)
            var ready = try await harness.send("GET", "/readyz")
            for _ in 0..<100 where ready.status != 200 {
                try await Task.sleep(for: .milliseconds(20))
                ready = try await harness.send("GET", "/readyz")
            }
            #expect(ready.status == 200, "\(ready.text)")
            let answer = try await harness.postEvent(try ServerHarness.fixture(Self.backdoor))
            let runID = try #require(answer.json["runs"]?[0]?["runId"]?.stringValue)
            _ = try await harness.waitForRun(runID) { $0.status == .parked }
            let metrics = try await harness.send("GET", "/metrics")
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(
                metrics.text.contains(#"remedy_findings_received_total{feed="bearer",sample="false"} 1"#),
                "\(metrics.text)"
            )
            #expect(metrics.text.contains(#"remedy_runs_created_total{outcome="created"} 1"#))
            #expect(
                metrics.text.contains(#"remedy_step_duration_seconds_count{action="ec2.tag",outcome="succeeded"} 1"#)
            )
        }
    }

    @Test func credentialsNeverReachTheJournalOrTheLogs() async throws {
        let clock = TestClock(start: Date())
        try await ServerHarness.with(clock: clock) { harness in
            let body = try ServerHarness.fixture(Self.backdoor)
            _ = try await harness.postEvent(body)
            let tor = try ServerHarness.fixture("eventbridge/securityhub-imported-guardduty-backdoor.json")
            let signed = ServerHarness.hmacHeaders(tor, timestamp: Int(clock.date.timeIntervalSince1970))
            _ = try await harness.postEvent(tor, headers: signed)
            _ = try await harness.postEvent(body, headers: [("Authorization", "Bearer forged-\(harness.bearerToken)")])
            let journalText = try harness.journal.records().map { $0.payload.jsonText() }.joined()
            let logText = harness.logs.all.joined(separator: "\n")
            let signature = try #require(signed.first { $0.0 == "X-Remedy-Signature" }?.1)
            for secret in [ServerHarness.bearerToken, ServerHarness.hmacSecret, signature, "Authorization"] {
                #expect(!journalText.contains(secret), "\(secret) in the journal")
                #expect(!logText.contains(secret), "\(secret) in the logs")
            }
        }
    }
}
