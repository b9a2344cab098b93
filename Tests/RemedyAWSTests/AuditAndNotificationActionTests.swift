import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

/// `wafv2.block_ip`, `cloudtrail.start_logging`, `sns.publish`, `wait`, `wait_for` and `evidence.collect` through
/// `CatalogInvoker` against moto with signature checking on: seed the world, execute, read the effect back, probe,
/// undo where reversible, and check that dry-run changes nothing.
extension MotoIntegrationTests {
    // MARK: wafv2.block_ip

    @Test func wafBlockAddsTheAddressWithTheLockTokenAndUndoRemovesIt() async throws {
        let world = try await world()
        let waf = WAFv2Client(try world.invoker.context.client(.wafv2))
        let created = try await waf.client.json(
            "CreateIPSet",
            effect: .mutating(idempotent: false),
            body: [
                "Name": "remedy-blocklist", "Scope": "REGIONAL", "IPAddressVersion": "IPV4",
                "Addresses": ["198.51.100.7/32"], "Description": "addresses the block rule drops",
            ]
        )
        let arn = try #require(created["Summary"]?["ARN"]?.stringValue)
        let id = try #require(created["Summary"]?["Id"]?.stringValue)
        let read = { try await waf.getIPSet(name: "remedy-blocklist", id: id, scope: "REGIONAL") }
        let block = request("wafv2.block_ip", ["ip_set_arn": .string(arn), "address": "203.0.113.9"])

        let dryRun = try await world.invoker.execute(
            request("wafv2.block_ip", ["ip_set_arn": .string(arn), "address": "203.0.113.9"], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("wafv2:UpdateIPSet") == true)
        #expect(try await read().addresses == ["198.51.100.7/32"])
        #expect(try await world.invoker.probe(block) == .notDone)

        let result = try await world.invoker.execute(block)
        #expect(result.verified)
        let after = try await read()
        #expect(after.addresses == ["198.51.100.7/32", "203.0.113.9/32"])
        // UpdateIPSet replaces every field: the description must survive the update.
        #expect(after.description == "addresses the block rule drops")
        #expect(try await world.invoker.probe(block) == .done(ActionResult(verified: true)))

        try await world.invoker.undo(block, priorState: try #require(result.priorState))
        #expect(try await read().addresses == ["198.51.100.7/32"])
        #expect(try await world.invoker.probe(block) == .notDone)
    }

    @Test func wafBlockOfAnAddressAlreadyThereIsKeptByUndo() async throws {
        let world = try await world()
        let waf = WAFv2Client(try world.invoker.context.client(.wafv2))
        let created = try await waf.client.json(
            "CreateIPSet",
            effect: .mutating(idempotent: false),
            body: ["Name": "v6", "Scope": "REGIONAL", "IPAddressVersion": "IPV6", "Addresses": ["2001:db8::7/128"]]
        )
        let arn = try #require(created["Summary"]?["ARN"]?.stringValue)
        let id = try #require(created["Summary"]?["Id"]?.stringValue)
        let block = request("wafv2.block_ip", ["ip_set_arn": .string(arn), "address": "2001:db8::7"])
        #expect(try await world.invoker.probe(block) == .done(ActionResult(verified: true)))
        let result = try await world.invoker.execute(block)
        #expect(result.priorState?["was_present"] == true)
        try await world.invoker.undo(block, priorState: try #require(result.priorState))
        #expect(try await waf.getIPSet(name: "v6", id: id, scope: "REGIONAL").addresses == ["2001:db8::7/128"])
    }

    // MARK: cloudtrail.start_logging

    @Test func cloudTrailLoggingIsStartedAndNeverStoppedByUndo() async throws {
        let world = try await world()
        let cloudTrail = CloudTrailClient(try world.invoker.context.client(.cloudTrail))
        try await world.s3.createBucket("remedy-trail-logs")
        for name in ["stopped-trail", "running-trail"] {
            _ = try await cloudTrail.client.json(
                "CreateTrail",
                effect: .mutating(idempotent: false),
                body: ["Name": .string(name), "S3BucketName": "remedy-trail-logs"]
            )
        }
        try await cloudTrail.startLogging(trail: "running-trail")
        // moto 5.2.1 answers StartLogging with a trail ARN with HTTP 500: the test names trails by name.
        let start = request("cloudtrail.start_logging", ["trail": "stopped-trail"])

        let dryRun = try await world.invoker.execute(
            request("cloudtrail.start_logging", ["trail": "stopped-trail"], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("cloudtrail:StartLogging") == true)
        #expect(try await cloudTrail.isLogging(trail: "stopped-trail") == false)
        #expect(try await world.invoker.probe(start) == .notDone)

        let result = try await world.invoker.execute(start)
        #expect(result.verified)
        #expect(try await cloudTrail.isLogging(trail: "stopped-trail"))
        #expect(try await world.invoker.probe(start) == .done(ActionResult(verified: true)))
        // Undo refuses: turning a trail off again is never a remediation.
        await #expect(throws: ActionFailure.self) {
            try await world.invoker.undo(start, priorState: try #require(result.priorState))
        }
        #expect(try await cloudTrail.isLogging(trail: "stopped-trail"))

        // A trail that was already logging is left logging.
        let running = request("cloudtrail.start_logging", ["trail": "running-trail"], step: "s2")
        let already = try await world.invoker.execute(running)
        #expect(already.priorState?["was_logging"] == true)
        #expect(try await cloudTrail.isLogging(trail: "running-trail"))
    }

    // MARK: sns.publish

    @Test func snsPublishDeliversTheMessageToASubscribedQueue() async throws {
        let world = try await world()
        let sns = SNSClient(try world.invoker.context.client(.sns))
        let sqs = SQSClient(try world.invoker.context.client(.sqs))
        let topic = try await sns.createTopic(name: "remedy-alerts")
        let queue = try await sqs.createQueue(name: "alerts-inbox")
        _ = try await sns.client.query("Subscribe", effect: .mutating(idempotent: true)) {
            $0.set("TopicArn", topic)
            $0.set("Protocol", "sqs")
            $0.set("Endpoint", "arn:aws:sqs:\(moto.region):\(MotoServer.account):alerts-inbox")
        }
        let parameters: [String: JSONValue] = [
            "topic": .string(topic), "subject": "remedy: contained", "message": "instance i-1 isolated",
        ]

        let dryRun = try await world.invoker.execute(request("sns.publish", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("sns:Publish") == true)
        #expect(try await sqs.receiveMessages(queueURL: queue).isEmpty)

        // SNS keeps nothing a probe could read: before and after, the probe says not done.
        #expect(try await world.invoker.probe(request("sns.publish", parameters)) == .notDone)
        let result = try await world.invoker.execute(request("sns.publish", parameters))
        #expect(result.verified)
        let messageID = try #require(result.outputs["message_id"]?.stringValue)
        let received = try await sqs.receiveMessages(queueURL: queue)
        #expect(received.count == 1)
        let envelope = try JSONParser().parse(Array(try #require(received.first).body.utf8))
        #expect(envelope["Message"] == "instance i-1 isolated")
        #expect(envelope["Subject"] == "remedy: contained")
        #expect(envelope["MessageId"] == .string(messageID))
        #expect(try await world.invoker.probe(request("sns.publish", parameters)) == .notDone)
    }

    // MARK: wait and wait_for

    @Test func waitSleepsOnTheInjectedClockAndNotInDryRun() async throws {
        let world = try await world()
        let clock = TestClock()
        let invoker = CatalogInvoker(context: world.invoker.context, clock: clock)
        let dryRun = try await invoker.execute(request("wait", ["duration": "5m"], mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.hasPrefix("would wait") == true)
        #expect(clock.sleeps.isEmpty)

        let result = try await invoker.execute(request("wait", ["duration": .number(300)]))
        #expect(result.verified)
        #expect(clock.sleeps == [.seconds(300)])
        #expect(try await invoker.probe(request("wait", ["duration": "5m"])) == .notDone)
    }

    @Test func waitEndsWhenItsTaskIsCancelled() async throws {
        let world = try await world()
        let invoker = CatalogInvoker(context: world.invoker.context)
        let started = ContinuousClock.now
        let waiting = Task { try await invoker.execute(request("wait", ["duration": "1h"])) }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        let outcome = await waiting.result
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(throws: ActionFailure.self) { try outcome.get() }
        if case .failure(let failure as ActionFailure) = outcome {
            #expect(failure.code == "Cancelled")
            #expect(failure.kind == .retryable)
        }
    }

    @Test func waitForPollsUntilTheInstanceStopsAndTimesOutOtherwise() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let ec2 = world.ec2
        // The instance stops while the step waits: after the second poll interval.
        let clock = TestClock { sleeps in
            if sleeps == 2 { try? await ec2.stopInstances(ids: [instance]) }
        }
        let invoker = CatalogInvoker(context: world.invoker.context, clock: clock)
        let parameters: [String: JSONValue] = [
            "condition": "instance_stopped", "resources": [.string(instance)], "timeout": "2m", "interval": "15s",
        ]
        #expect(try await invoker.probe(request("wait_for", parameters)) == .notDone)
        let dryRun = try await invoker.execute(request("wait_for", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict == "would wait up to 120.0 seconds for instance_stopped")
        #expect(clock.sleeps.isEmpty)

        let result = try await invoker.execute(request("wait_for", parameters))
        #expect(result.verified)
        #expect(clock.sleeps == [.seconds(15), .seconds(15)])
        #expect(try await ec2.describeInstances(ids: [instance]).first?.state == "stopped")
        #expect(try await invoker.probe(request("wait_for", parameters)) == .done(ActionResult(verified: true)))
    }

    @Test func waitForFailsPermanentlyWhenTheTimeoutPasses() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let clock = TestClock()
        let invoker = CatalogInvoker(context: world.invoker.context, clock: clock)
        let parameters: [String: JSONValue] = [
            "condition": "instance_stopped", "resources": [.string(instance)], "timeout": "1m", "interval": "25s",
        ]
        let failure = await #expect(throws: ActionFailure.self) {
            try await invoker.execute(request("wait_for", parameters))
        }
        #expect(failure?.code == "WaitTimedOut")
        #expect(failure?.kind == .permanent)
        // 25 + 25 + the 10 seconds left, then one last look.
        #expect(clock.sleeps == [.seconds(25), .seconds(25), .seconds(10)])
    }

    @Test func waitForSeesAnAccessKeyGoInactive() async throws {
        let world = try await world()
        _ = try await world.iam.client.query("CreateUser", effect: .mutating(idempotent: false)) {
            $0.set("UserName", "leaky")
        }
        let created = try await world.iam.client.query("CreateAccessKey", effect: .mutating(idempotent: false)) {
            $0.set("UserName", "leaky")
        }
        let key = try #require(created.string("AccessKey", "AccessKeyId"))
        let wait = request("wait_for", ["condition": "access_key_inactive", "resources": [.string(key)]])
        #expect(try await world.invoker.probe(wait) == .notDone)
        try await world.iam.updateAccessKey(user: "leaky", accessKeyID: key, status: "Inactive")
        #expect(try await world.invoker.probe(wait) == .done(ActionResult(verified: true)))
    }

    // MARK: evidence.collect

    /// A bucket created with Object Lock and, when `defaultDays` is given, a default GOVERNANCE retention rule.
    func lockedBucket(_ world: World, _ name: String, defaultDays: Int?) async throws {
        _ = try await world.s3.client.perform(
            AWSCall(
                operation: "CreateBucket",
                effect: .mutating(idempotent: false),
                method: "PUT",
                path: "/\(name)",
                headers: [("x-amz-bucket-object-lock-enabled", "true")]
            )
        )
        guard let defaultDays else { return }
        let body = Array(
            """
            <ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled\
            </ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>\(defaultDays)</Days>\
            </DefaultRetention></Rule></ObjectLockConfiguration>
            """.utf8
        )
        _ = try await world.s3.client.perform(
            AWSCall(
                operation: "PutObjectLockConfiguration",
                effect: .mutating(idempotent: true),
                method: "PUT",
                path: "/\(name)",
                query: "object-lock=",
                body: body
            )
        )
    }

    func object(_ world: World, _ bucket: String, _ key: String) async throws -> HTTPResponseData {
        try await world.s3.client.perform(
            AWSCall(operation: "GetObject", effect: .readOnly, method: "GET", path: "/\(bucket)/\(key)")
        )
    }

    @Test func evidenceIsWrittenUnderTheRunWithObjectLockRetention() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        try await lockedBucket(world, "remedy-evidence", defaultDays: 10)
        let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
        let journal = try JournalDatabase(inMemory: nil)
        let started = try await journal.append(
            JournalEntry(runID: "run-1", kind: "step.started", payload: ["step": "s1"])
        )
        let invoker = CatalogInvoker(context: world.invoker.context, wallClock: WallClock { now }, journal: journal)
        let finding: JSONValue = ["id": "gd-42", "source": "guardduty", "types": ["Backdoor:EC2/C&CActivity.B"]]
        var collect = request("evidence.collect", ["instance": .string(instance), "bucket": "remedy-evidence"])
        collect.finding = finding
        let folder = "remedy/run-1/s1/"

        var dryRun = collect
        dryRun.mode = .dryRun
        let verdict = try await invoker.execute(dryRun)
        #expect(verdict.dryRunVerdict?.contains("s3:PutObject") == true)
        #expect(try await world.s3.object(bucket: "remedy-evidence", key: folder + "manifest.json") == nil)
        #expect(try await world.s3.object(bucket: "remedy-evidence", key: folder + "finding.json") == nil)
        #expect(try await invoker.probe(collect) == .notDone)

        let result = try await invoker.execute(collect)
        #expect(result.verified)
        let keys = ["instance.json", "console-output.txt", "finding.json", "journal.json", "manifest.json"].map {
            folder + $0
        }
        #expect(result.outputs["objects"] == .array(keys.map(JSONValue.string)))

        let metadata = try JSONParser().parse(try await object(world, "remedy-evidence", keys[0]).body)
        #expect(metadata["InstanceId"] == .string(instance))
        #expect(metadata["SubnetId"] == .string(world.subnetID))
        #expect(try JSONParser().parse(try await object(world, "remedy-evidence", keys[2]).body) == finding)
        let console = try await world.ec2.getConsoleOutput(instanceID: instance)
        #expect(
            try await object(world, "remedy-evidence", keys[1]).body
                == Array(try #require(Data(base64Encoded: console)))
        )
        let excerpt = try JSONParser().parse(try await object(world, "remedy-evidence", keys[3]).body)
        #expect(excerpt.arrayValue?.map { $0["kind"] } == ["step.started"])
        #expect(excerpt.arrayValue?.first?["hash"] == .string(started.hash))
        let manifest = try JSONParser().parse(try await object(world, "remedy-evidence", keys[4]).body)
        #expect(manifest["objects"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == Array(keys.prefix(4)))
        #expect(manifest["retainUntil"] == "2027-01-25T08:00:00Z")

        // The bucket's default rule decides mode and period.
        for key in keys {
            let stored = try await object(world, "remedy-evidence", key)
            #expect(stored.header("x-amz-object-lock-mode") == "GOVERNANCE")
            #expect(stored.header("x-amz-object-lock-retain-until-date")?.hasPrefix("2027-01-25T08:00:00") == true)
        }
        guard case .done(let probed) = try await invoker.probe(collect) else {
            Issue.record("probe did not find the manifest")
            return
        }
        #expect(probed.outputs["objects"] == .array(keys.map(JSONValue.string)))
    }

    @Test func evidenceInABucketWithoutObjectLockCarriesNoRetention() async throws {
        let world = try await world()
        try await world.s3.createBucket("plain-evidence")
        let invoker = CatalogInvoker(context: world.invoker.context)
        var collect = request("evidence.collect", ["bucket": "plain-evidence", "prefix": "cases/"])
        collect.finding = ["id": "f-1", "source": "securityhub"]
        let result = try await invoker.execute(collect)
        #expect(result.verified)
        #expect(result.outputs["objects"] == ["cases/run-1/s1/finding.json", "cases/run-1/s1/manifest.json"])
        let stored = try await object(world, "plain-evidence", "cases/run-1/s1/finding.json")
        #expect(stored.header("x-amz-object-lock-mode") == nil)
        let manifest = try JSONParser().parse(
            try await object(world, "plain-evidence", "cases/run-1/s1/manifest.json").body
        )
        #expect(manifest["retainUntil"] == .null)
    }
}
