import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyTestSupport
import Synchronization
import Testing

/// Actions whose calls moto 5.2.1 cannot serve, through `CatalogInvoker` against the botocore-checked stub.
///
/// ``AWSStubServer`` checks every request against botocore 1.43.11's model of the operation, and the routes here
/// keep the state the real API would. Why not moto:
/// - Security Hub `BatchUpdateFindings` and GuardDuty findings are not implemented by moto
///   (docs/aws.md#moto-operations-it-lacks-or-gets-wrong);
/// - GuardDuty `ListDetectors` / `GetDetector` are GET requests moto rejects when it checks signatures
///   (docs/aws.md#moto-signature-checking);
/// - a WAF lock conflict cannot be provoked in moto between our read and our update.
/// Also `notify.slack` against a loopback webhook (`LocalHTTPServer`).
@Suite struct FindingLifecycleActionStubTests {
    private static let productARN = "arn:aws:securityhub:us-east-1::product/aws/securityhub"

    private func invoker(_ baseURL: String, slack: SlackWebhooks = SlackWebhooks()) -> CatalogInvoker {
        let context = AWSContext(
            region: "us-east-1",
            resolver: EndpointResolver(environment: ["AWS_ENDPOINT_URL": baseURL]),
            credentials: ResolvedCredentialProvider(
                source: .environment,
                provider: StaticCredentialProvider(TestCredentials.valid)
            ),
            configuration: .init(retry: RetryStrategy(maximumAttempts: 1), timeout: .seconds(20))
        )
        return CatalogInvoker(context: context, slack: slack)
    }

    private func request(
        _ action: String,
        _ parameters: [String: JSONValue] = [:],
        finding: JSONValue? = nil,
        mode: ExecutionMode = .live
    ) -> ActionRequest {
        ActionRequest(
            action: action,
            parameters: parameters,
            runID: "run-1",
            stepID: "s1",
            account: "111122223333",
            region: "us-east-1",
            mode: mode,
            finding: finding
        )
    }

    /// Every request reached a route and conformed to the botocore model.
    private func expectConforming(_ stub: AWSStubServer, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for exchange in stub.exchanges {
            #expect(exchange.operation != nil, "no route for \(exchange.request)", sourceLocation: sourceLocation)
            #expect(exchange.problems.isEmpty, "\(exchange.problems)", sourceLocation: sourceLocation)
        }
    }

    // MARK: guardduty.enable_detector

    /// GuardDuty detectors by id with their status, as the stub's routes see and change them.
    final class Detectors: Sendable {
        let state: Mutex<[String: String]>
        init(_ initial: [String: String]) { state = Mutex(initial) }
        var all: [String: String] { state.withLock { $0 } }

        var routes: [AWSStubRoute] {
            [
                AWSStubRoute("guardduty.ListDetectors") { _ in
                    .json(
                        JSONValue.object(["detectorIds": .array(self.all.keys.sorted().map(JSONValue.string))])
                            .jsonText()
                    )
                },
                AWSStubRoute("guardduty.GetDetector") { request in
                    let status = self.all[request.labels["DetectorId"] ?? ""] ?? "DISABLED"
                    return .json(JSONValue.object(["status": .string(status), "serviceRole": "x"]).jsonText())
                },
                AWSStubRoute("guardduty.CreateDetector") { request in
                    let id = "det-" + String((request.json["clientToken"]?.stringValue ?? "").prefix(8))
                    self.state.withLock { $0[id] = request.json["enable"] == true ? "ENABLED" : "DISABLED" }
                    return .json(JSONValue.object(["detectorId": .string(id)]).jsonText())
                },
                AWSStubRoute("guardduty.UpdateDetector") { request in
                    if let id = request.labels["DetectorId"], request.json["enable"] == true {
                        self.state.withLock { $0[id] = "ENABLED" }
                    }
                    return .json("{}")
                },
            ]
        }
    }

    @Test func enableDetectorCreatesOneWithATokenFromTheStepWhenThereIsNone() async throws {
        let detectors = Detectors([:])
        try await withAWSStubServer(detectors.routes) { stub in
            let invoker = invoker(stub.baseURL)
            let dryRun = try await invoker.execute(request("guardduty.enable_detector", mode: .dryRun))
            #expect(dryRun.dryRunVerdict?.contains("guardduty:CreateDetector") == true)
            #expect(detectors.all.isEmpty)
            #expect(try await invoker.probe(request("guardduty.enable_detector")) == .notDone)

            let result = try await invoker.execute(request("guardduty.enable_detector"))
            #expect(result.verified)
            let token = IdempotencyToken.sha256Hex("run-1/s1")
            #expect(token.count == 64)
            let created = try #require(stub.requests(for: "guardduty.CreateDetector").first)
            #expect(try JSONParser().parse(created.body) == ["enable": true, "clientToken": .string(token)])
            #expect(result.outputs["detector_id"] == .string("det-" + token.prefix(8)))
            #expect(detectors.all == ["det-" + token.prefix(8): "ENABLED"])
            guard case .done(let probed) = try await invoker.probe(request("guardduty.enable_detector")) else {
                Issue.record("probe did not see the enabled detector")
                return
            }
            #expect(probed.outputs["detector_id"] == result.outputs["detector_id"])
            expectConforming(stub)
        }
    }

    @Test func enableDetectorEnablesTheExistingDisabledOne() async throws {
        let detectors = Detectors(["det-1": "DISABLED"])
        try await withAWSStubServer(detectors.routes) { stub in
            let invoker = invoker(stub.baseURL)
            _ = try await invoker.execute(request("guardduty.enable_detector", mode: .dryRun))
            #expect(detectors.all == ["det-1": "DISABLED"])
            #expect(try await invoker.probe(request("guardduty.enable_detector")) == .notDone)

            let result = try await invoker.execute(request("guardduty.enable_detector"))
            #expect(result.verified)
            #expect(result.outputs["detector_id"] == "det-1")
            #expect(detectors.all == ["det-1": "ENABLED"])
            #expect(stub.requests(for: "guardduty.CreateDetector").isEmpty)
            let update = try #require(stub.requests(for: "guardduty.UpdateDetector").first)
            #expect(update.method == "POST" && update.path == "/detector/det-1")
            #expect(try JSONParser().parse(update.body) == ["enable": true])
            expectConforming(stub)
        }
    }

    // MARK: securityhub.update_finding

    @Test func updateFindingSetsTheWorkflowAndNoteOfTheRunsFinding() async throws {
        let findingID =
            "arn:aws:securityhub:us-east-1:111122223333:subscription/aws-foundational/v/1.0.0/S3.8/finding/1"
        let workflow = Mutex<(status: String, note: String?)>(("NEW", nil))
        let routes = [
            AWSStubRoute("securityhub.GetFindings") { _ in
                let (status, note) = workflow.withLock { $0 }
                var finding: [String: JSONValue] = [
                    "Id": .string(findingID), "ProductArn": .string(Self.productARN),
                    "Workflow": ["Status": .string(status)],
                ]
                if let note { finding["Note"] = ["Text": .string(note), "UpdatedBy": "remedy"] }
                return .json(JSONValue.object(["Findings": [.object(finding)]]).jsonText())
            },
            AWSStubRoute("securityhub.BatchUpdateFindings") { request in
                workflow.withLock {
                    $0 = (
                        request.json["Workflow"]?["Status"]?.stringValue ?? "NEW",
                        request.json["Note"]?["Text"]?.stringValue
                    )
                }
                let body: JSONValue = [
                    "ProcessedFindings": request.json["FindingIdentifiers"] ?? [], "UnprocessedFindings": [],
                ]
                return .json(body.jsonText())
            },
        ]
        let finding: JSONValue = [
            "id": .string(findingID), "source": "securityhub", "productArn": .string(Self.productARN),
        ]
        let parameters: [String: JSONValue] = ["status": "RESOLVED", "note": "Contained by remedy run run-1"]
        try await withAWSStubServer(routes) { stub in
            let invoker = invoker(stub.baseURL)
            let dryRun = try await invoker.execute(
                request("securityhub.update_finding", parameters, finding: finding, mode: .dryRun)
            )
            #expect(dryRun.dryRunVerdict?.contains("securityhub:BatchUpdateFindings") == true)
            #expect(stub.requests(for: "securityhub.BatchUpdateFindings").isEmpty)
            let update = request("securityhub.update_finding", parameters, finding: finding)
            #expect(try await invoker.probe(update) == .notDone)

            let result = try await invoker.execute(update)
            #expect(result.verified)
            let sent = try #require(stub.requests(for: "securityhub.BatchUpdateFindings").first)
            #expect(
                try JSONParser().parse(sent.body) == [
                    "FindingIdentifiers": [["Id": .string(findingID), "ProductArn": .string(Self.productARN)]],
                    "Workflow": ["Status": "RESOLVED"],
                    "Note": ["Text": "Contained by remedy run run-1", "UpdatedBy": "remedy"],
                ]
            )
            #expect(workflow.withLock { $0.status } == "RESOLVED")
            #expect(try await invoker.probe(update) == .done(ActionResult(verified: true)))
            expectConforming(stub)

            // A finding from elsewhere has no Security Hub identity: the step fails without a call.
            let failure = await #expect(throws: ActionFailure.self) {
                try await invoker.execute(
                    request("securityhub.update_finding", parameters, finding: ["id": "gd-1", "source": "guardduty"])
                )
            }
            #expect(failure?.code == "NoSecurityHubFinding")
            #expect(stub.requests(for: "securityhub.BatchUpdateFindings").count == 1)
        }
    }

    // MARK: guardduty.archive_finding

    @Test func archiveFindingArchivesTheRunsFindingAndUndoUnarchivesIt() async throws {
        let archived = Mutex(false)
        let routes = [
            AWSStubRoute("guardduty.GetFindings") { request in
                let ids = request.json["findingIds"]?.arrayValue ?? []
                let findings: [JSONValue] =
                    ids.contains("gd-7")
                    ? [["id": "gd-7", "service": ["archived": .bool(archived.withLock { $0 })]]] : []
                return .json(JSONValue.object(["findings": .array(findings)]).jsonText())
            },
            AWSStubRoute("guardduty.ArchiveFindings") { _ in
                archived.withLock { $0 = true }
                return .json("{}")
            },
            AWSStubRoute("guardduty.UnarchiveFindings") { _ in
                archived.withLock { $0 = false }
                return .json("{}")
            },
        ]
        let finding: JSONValue = ["id": "gd-7", "source": "guardduty", "raw": ["service": ["detectorId": "det-9"]]]
        try await withAWSStubServer(routes) { stub in
            let invoker = invoker(stub.baseURL)
            let archive = request("guardduty.archive_finding", finding: finding)
            let dryRun = try await invoker.execute(
                request("guardduty.archive_finding", finding: finding, mode: .dryRun)
            )
            #expect(dryRun.dryRunVerdict?.contains("guardduty:ArchiveFindings") == true)
            #expect(archived.withLock { $0 } == false)
            #expect(try await invoker.probe(archive) == .notDone)

            let result = try await invoker.execute(archive)
            #expect(result.verified)
            let sent = try #require(stub.requests(for: "guardduty.ArchiveFindings").first)
            #expect(sent.path == "/detector/det-9/findings/archive")
            #expect(try JSONParser().parse(sent.body) == ["findingIds": ["gd-7"]])
            #expect(archived.withLock { $0 })
            #expect(try await invoker.probe(archive) == .done(ActionResult(verified: true)))

            try await invoker.undo(archive, priorState: try #require(result.priorState))
            let unarchive = try #require(stub.requests(for: "guardduty.UnarchiveFindings").first)
            #expect(unarchive.path == "/detector/det-9/findings/unarchive")
            #expect(try JSONParser().parse(unarchive.body) == ["findingIds": ["gd-7"]])
            #expect(archived.withLock { $0 } == false)
            expectConforming(stub)
        }
    }

    // MARK: wafv2.block_ip lock conflicts

    private static let staleToken = "0a0a0a0a-0000-4000-8000-000000000001"
    private static let freshToken = "0b0b0b0b-0000-4000-8000-000000000002"
    private static let nextToken = "0c0c0c0c-0000-4000-8000-000000000003"

    @Test func wafBlockRereadsTheSetWhenTheLockTokenIsStale() async throws {
        let reads = Mutex(0)
        let routes = [
            AWSStubRoute("wafv2.GetIPSet") { _ in
                // Someone else updated the set between our first read and our update: the second read is fresh.
                let count = reads.withLock { count -> Int in
                    count += 1
                    return count
                }
                let token = count == 1 ? Self.staleToken : Self.freshToken
                let set: JSONValue = [
                    "Name": "blk", "Id": "3f1c2a9e-0b7d-4c55-9a61-2f0e8d4b7c11", "Addresses": ["198.51.100.7/32"],
                    "Description": "blocked by remedy",
                ]
                return .json(JSONValue.object(["IPSet": set, "LockToken": .string(token)]).jsonText())
            },
            AWSStubRoute.wafv2UpdateIPSet(currentLockToken: Self.freshToken, nextLockToken: Self.nextToken),
        ]
        let arn = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/blk/3f1c2a9e-0b7d-4c55-9a61-2f0e8d4b7c11"
        try await withAWSStubServer(routes) { stub in
            _ = try await invoker(stub.baseURL).execute(
                request("wafv2.block_ip", ["ip_set_arn": .string(arn), "address": "203.0.113.9"])
            )
            let updates = try stub.requests(for: "wafv2.UpdateIPSet").map { try JSONParser().parse($0.body) }
            #expect(updates.map { $0["LockToken"] } == [.string(Self.staleToken), .string(Self.freshToken)])
            #expect(
                updates.last == [
                    "Name": "blk", "Id": "3f1c2a9e-0b7d-4c55-9a61-2f0e8d4b7c11", "Scope": "REGIONAL",
                    "LockToken": .string(Self.freshToken), "Description": "blocked by remedy",
                    "Addresses": ["198.51.100.7/32", "203.0.113.9/32"],
                ]
            )
            #expect(stub.requests(for: "wafv2.GetIPSet").count == 3)  // two for the update, one for verify
            expectConforming(stub)
        }
    }

    @Test func wafBlockGivesUpAfterABoundedNumberOfConflicts() async throws {
        let routes = [
            AWSStubRoute.wafv2GetIPSet(addresses: [], lockToken: Self.staleToken),
            AWSStubRoute.wafv2UpdateIPSet(currentLockToken: Self.freshToken, nextLockToken: Self.nextToken),
        ]
        let arn = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/blk/3f1c2a9e-0b7d-4c55-9a61-2f0e8d4b7c11"
        try await withAWSStubServer(routes) { stub in
            let failure = await #expect(throws: ActionFailure.self) {
                try await invoker(stub.baseURL).execute(
                    request("wafv2.block_ip", ["ip_set_arn": .string(arn), "address": "203.0.113.9"])
                )
            }
            #expect(failure?.code == "WAFOptimisticLockException")
            #expect(failure?.kind == .retryable)
            #expect(stub.requests(for: "wafv2.UpdateIPSet").count == 5)
        }
    }

    // MARK: evidence.collect

    @Test func evidenceGoesOnlyToABucketTheExpectedAccountOwns() async throws {
        for (owner, expected) in [(nil, "111122223333"), ("444455556666", "444455556666")] as [(String?, String)] {
            // Given an evidence step, with and without a named bucket owner
            let notLocked = HTTPResponseData.xml(
                "<Error><Code>ObjectLockConfigurationNotFoundError</Code><Message>none</Message></Error>",
                status: 404
            )
            let transport = ScriptedTransport(replies: [.success(notLocked)])
            let context = AWSContext(
                region: "us-east-1",
                resolver: EndpointResolver(environment: [:]),
                credentials: ResolvedCredentialProvider(
                    source: .environment,
                    provider: StaticCredentialProvider(TestCredentials.valid)
                ),
                configuration: .init(retry: RetryStrategy(maximumAttempts: 1), timeout: .seconds(20)),
                transport: transport
            )
            var parameters: [String: JSONValue] = ["bucket": "evidence-bucket"]
            if let owner { parameters["bucket_owner"] = .string(owner) }
            // When it runs (S3 answers the Object Lock read with "not configured", then accepts the uploads)
            _ = try await CatalogInvoker(context: context).execute(
                request("evidence.collect", parameters, finding: ["id": "f-1"])
            )
            // Then every S3 request (the lock read, the finding, the manifest and the manifest read back to verify)
            // names the owner the bucket must have
            let requests = transport.requests
            #expect(requests.map(\.method) == ["GET", "PUT", "PUT", "GET"])
            for request in requests {
                #expect(request.header("x-amz-expected-bucket-owner") == expected, "\(request.url)")
            }
        }
    }

    // MARK: wait

    @Test func aDurationNoClockCanHoldIsAnInvalidParameterNotACrash() async throws {
        let invoker = invoker("http://127.0.0.1:9")
        for value: JSONValue in [.number(1e16), .number(-5), .number(1e300)] {
            let failure = await #expect(throws: ActionFailure.self) {
                try await invoker.execute(request("wait", ["duration": value]))
            }
            #expect(failure?.code == "InvalidParameter")
            #expect(failure?.message == "parameter 'duration' must be a duration")
        }
    }

    // MARK: notify.slack

    @Test func slackPostsExactlyTheMessageAsJSONToTheConfiguredWebhook() async throws {
        let answer: LocalHTTPServer.Handler = { _ in LocalHTTPResponse(text: "ok") }
        try await withLocalHTTPServer(answer) { server in
            let slack = SlackWebhooks.allowingLoopbackForTesting(["ops": server.url("/services/T0/B0/secret")])
            let invoker = invoker("http://127.0.0.1:9", slack: slack)
            let message = "Run run-1 \"contained\" i-1\nsnapshots: snap-1"
            let notify = request("notify.slack", ["channel": "ops", "message": .string(message)])

            let dryRun = try await invoker.execute(
                request("notify.slack", ["channel": "ops", "message": .string(message)], mode: .dryRun)
            )
            #expect(dryRun.dryRunVerdict == "would post to Slack channel 'ops' (not sent in dry-run)")
            #expect(server.requests.isEmpty)
            #expect(try await invoker.probe(notify) == .notDone)

            let result = try await invoker.execute(notify)
            #expect(result.verified)
            let posted = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(posted.method == "POST")
            #expect(posted.uri == "/services/T0/B0/secret")
            #expect(posted.header("Content-Type") == "application/json")
            #expect(posted.bodyText == #"{"text":"Run run-1 \"contained\" i-1\nsnapshots: snap-1"}"#)
            // Slack keeps no record to read back.
            #expect(try await invoker.probe(notify) == .notDone)
        }
    }

    @Test func slackMessagesCarryNoMentionOrLinkFromFindingText() async throws {
        let answer: LocalHTTPServer.Handler = { _ in LocalHTTPResponse(text: "ok") }
        try await withLocalHTTPServer(answer) { server in
            let slack = SlackWebhooks.allowingLoopbackForTesting(["ops": server.url("/hook")])
            let invoker = invoker("http://127.0.0.1:9", slack: slack)
            // A finding title that tries to page everyone and disguise a link, as a template would put it in
            let message = "Isolate? <!channel> <https://evil.example/|runbook> <@U024BE7LH> a&b"
            _ = try await invoker.execute(request("notify.slack", ["channel": "ops", "message": .string(message)]))
            let posted = try #require(server.requests.first)
            #expect(
                posted.bodyText
                    == #"{"text":"Isolate? &lt;!channel&gt; &lt;https://evil.example/|runbook&gt; &lt;@U024BE7LH&gt; a&amp;b"}"#
            )
        }
    }

    @Test func slackRefusalsFailTheStepWithoutTheWebhookURL() async throws {
        let answer: LocalHTTPServer.Handler = { _ in LocalHTTPResponse(status: 404, text: "channel_not_found") }
        try await withLocalHTTPServer(answer) { server in
            let url = server.url("/services/T0/B0/secret")
            let invoker = invoker("http://127.0.0.1:9", slack: .allowingLoopbackForTesting(["ops": url]))
            let failure = await #expect(throws: ActionFailure.self) {
                try await invoker.execute(request("notify.slack", ["channel": "ops", "message": "hi"]))
            }
            #expect(failure?.code == "SlackRefused")
            #expect(failure?.kind == .permanent)
            #expect(failure?.message.contains("secret") == false)
        }
    }

    @Test func slackWebhooksFromConfigurationMustBeHooksSlackCom() async throws {
        // Production webhooks: a loopback or look-alike URL is refused before anything is sent.
        let slack = SlackWebhooks(channels: [
            "ops": "https://hooks.slack.com/services/T0/B0/x", "loop": "http://127.0.0.1:1/services/x",
            "evil": "https://hooks.slack.com.attacker.example/services/x", "plain": "http://hooks.slack.com/services/x",
        ])
        let invoker = invoker("http://127.0.0.1:9", slack: slack)
        let ok = try await invoker.execute(request("notify.slack", ["channel": "ops", "message": "m"], mode: .dryRun))
        #expect(ok.dryRunVerdict == "would post to Slack channel 'ops' (not sent in dry-run)")
        for channel in ["loop", "evil", "plain"] {
            let failure = await #expect(throws: ActionFailure.self) {
                try await invoker.execute(request("notify.slack", ["channel": .string(channel), "message": "m"]))
            }
            #expect(failure?.code == "InvalidWebhookURL")
        }
        let unknown = await #expect(throws: ActionFailure.self) {
            try await invoker.execute(request("notify.slack", ["channel": "nobody", "message": "m"]))
        }
        #expect(unknown?.code == "UnknownChannel")
    }
}
