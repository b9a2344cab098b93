import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Synchronization
import Testing

/// The engine's first five actions, through `CatalogInvoker`, against moto with signature checking on: execute,
/// read the effect back, probe (true afterwards), undo (state restored), and dry-run changes nothing.
extension MotoIntegrationTests {
    struct World {
        var invoker: CatalogInvoker
        var ec2: EC2Client
        var iam: IAMClient
        var s3: S3Client
        var vpcID: String
        var subnetID: String
        /// The signed-in user's, for `remedy` processes acting in the same world.
        var credentials: AWSCredentials
    }

    func world() async throws -> World {
        let credentials = try await moto.prepare()
        let context = AWSContext(
            region: moto.region,
            resolver: EndpointResolver(environment: ["AWS_ENDPOINT_URL": moto.endpointURL]),
            credentials: ResolvedCredentialProvider(
                source: .environment,
                provider: StaticCredentialProvider(credentials)
            )
        )
        let ec2 = EC2Client(try context.client(.ec2))
        let vpc = try await ec2.client.query("CreateVpc", effect: .mutating(idempotent: false)) {
            $0.set("CidrBlock", "10.20.0.0/16")
        }
        let vpcID = try #require(vpc.string("vpc", "vpcId"))
        let subnet = try await ec2.client.query("CreateSubnet", effect: .mutating(idempotent: false)) {
            $0.set("VpcId", vpcID)
            $0.set("CidrBlock", "10.20.1.0/24")
        }
        return World(
            invoker: CatalogInvoker(context: context),
            ec2: ec2,
            iam: IAMClient(try context.client(.iam)),
            s3: S3Client(try context.client(.s3)),
            vpcID: vpcID,
            subnetID: try #require(subnet.string("subnet", "subnetId")),
            credentials: credentials
        )
    }

    /// An instance in a web group open to the world on port 22.
    func launchInstance(_ world: World, groupName: String = "web") async throws -> (instance: String, group: String) {
        let group = try await world.ec2.createSecurityGroup(name: groupName, description: "web", vpcID: world.vpcID)
        try await world.ec2.authorizeIngress(
            groupID: group,
            permissions: [IPPermission(ipProtocol: "tcp", fromPort: 22, toPort: 22, ipv4Ranges: ["0.0.0.0/0"])]
        )
        let images = try await world.ec2.client.query("DescribeImages", effect: .readOnly)
        let image = try #require(images.list("imagesSet").first?.string("imageId"))
        let reply = try await world.ec2.client.query("RunInstances", effect: .mutating(idempotent: false)) {
            $0.set("ImageId", image)
            $0.set("MinCount", 1)
            $0.set("MaxCount", 1)
            $0.set("InstanceType", "t3.micro")
            $0.set("SubnetId", world.subnetID)
            $0.set("SecurityGroupId.1", group)
        }
        return (try #require(reply.list("instancesSet").first?.string("instanceId")), group)
    }

    func request(
        _ action: String,
        _ parameters: [String: JSONValue],
        mode: ExecutionMode = .live,
        step: String = "s1"
    ) -> ActionRequest {
        ActionRequest(
            action: action,
            parameters: parameters,
            runID: "run-1",
            stepID: step,
            account: MotoServer.account,
            region: moto.region,
            mode: mode
        )
    }

    /// Executes `request` as the executor does, with a recorder for the prior state the action journals before its
    /// first change; returns the result and what was recorded.
    func executeCapturingPriorState(
        _ world: World,
        _ request: ActionRequest
    ) async throws -> (result: ActionResult, captured: [JSONValue]) {
        let captured = CapturedPriorStates()
        let result = try await world.invoker.execute(request) { state in captured.add(state) }
        return (result, captured.all)
    }

    @Test func quarantineSwapsIntoAnEmptyIsolationGroupAndUndoRestores() async throws {
        let world = try await world()
        let (instance, web) = try await launchInstance(world)
        let quarantine = request(
            "ec2.quarantine",
            ["instance": .string(instance), "isolation_group_name": "remedy-isolation"]
        )

        #expect(try await world.invoker.probe(quarantine) == .notDone)
        let result = try await world.invoker.execute(quarantine)
        #expect(result.verified)
        let isolation = try #require(result.outputs["isolation_group"]?.stringValue)
        #expect(try await world.ec2.describeInstances(ids: [instance]).first?.securityGroupIDs == [isolation])
        let group = try #require(try await world.ec2.describeSecurityGroups(ids: [isolation]).first)
        #expect(group.ingress.isEmpty && group.egress.isEmpty)
        #expect(result.outputs["original_groups"]?.objectValue?.values.first == [.string(web)])

        // After a crash the probe recognises the step's work, with the original groups the executor journaled
        // before the swap (`step.prior_state_captured`, the same shape as the result's prior state).
        var resumed = quarantine
        resumed.capturedPriorState = result.priorState
        guard case .done(let probed) = try await world.invoker.probe(resumed) else {
            Issue.record("probe did not see the quarantine")
            return
        }
        #expect(probed.outputs["isolation_group"] == .string(isolation))
        #expect(probed.priorState == result.priorState)

        try await world.invoker.undo(quarantine, priorState: try #require(result.priorState))
        #expect(try await world.ec2.describeInstances(ids: [instance]).first?.securityGroupIDs == [web])
    }

    @Test func concurrentQuarantinesInOneVPCShareOneIsolationGroup() async throws {
        // Given two instances in one VPC and no isolation group yet: both runs look, find none, and create it
        let world = try await world()
        let (first, _) = try await launchInstance(world, groupName: "web-a")
        let (second, _) = try await launchInstance(world, groupName: "web-b")
        func quarantine(_ instance: String, step: String) -> ActionRequest {
            request(
                "ec2.quarantine",
                ["instance": .string(instance), "isolation_group_name": "remedy-isolation"],
                step: step
            )
        }
        async let a = world.invoker.execute(quarantine(first, step: "a"))
        async let b = world.invoker.execute(quarantine(second, step: "b"))
        let (resultA, resultB) = try await (a, b)
        // Then the loser of the race uses the winner's group, and both instances end isolated in it
        #expect(resultA.outputs["isolation_group"] == resultB.outputs["isolation_group"])
        let groups = try await world.ec2.describeSecurityGroups(filters: ["group-name": ["remedy-isolation"]])
        #expect(groups.count == 1)
        #expect(groups.allSatisfy { $0.ingress.isEmpty && $0.egress.isEmpty })
        #expect(resultA.verified && resultB.verified)
    }

    @Test func aRememberedIsolationGroupGivenARuleIsReportedThenEnforcedAgain() async throws {
        // Given a quarantine that found the isolation group and remembered it for the VPC
        let world = try await world()
        let instances = [
            try await launchInstance(world, groupName: "web-a").instance,
            try await launchInstance(world, groupName: "web-b").instance,
            try await launchInstance(world, groupName: "web-c").instance,
        ]
        func quarantine(_ index: Int) async throws -> ActionResult {
            try await world.invoker.execute(
                request(
                    "ec2.quarantine",
                    ["instance": .string(instances[index]), "isolation_group_name": "remedy-isolation"],
                    step: "isolate-\(index)"
                )
            )
        }
        let first = try await quarantine(0)
        #expect(first.verified)
        let isolation = try #require(first.outputs["isolation_group"]?.stringValue)
        // When someone lets traffic into the group before the next quarantine in the VPC
        try await world.ec2.authorizeIngress(
            groupID: isolation,
            permissions: [IPPermission(ipProtocol: "tcp", fromPort: 22, toPort: 22, ipv4Ranges: ["0.0.0.0/0"])]
        )
        // Then that quarantine, which used the remembered group, reads the rule back and is not verified
        let second = try await quarantine(1)
        #expect(second.outputs["isolation_group"] == .string(isolation))
        #expect(!second.verified)
        // And the next one looks the group up again and empties it before the swap
        let third = try await quarantine(2)
        #expect(third.outputs["isolation_group"] == .string(isolation))
        #expect(third.verified)
        let group = try #require(try await world.ec2.describeSecurityGroups(ids: [isolation]).first)
        #expect(group.ingress.isEmpty && group.egress.isEmpty)
    }

    @Test func anIsolationGroupLeftWithItsDefaultEgressIsEmptiedBeforeUse() async throws {
        // Given the isolation group a crashed run created but never emptied (EC2's default all-traffic egress)
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let leftover = try await world.ec2.createSecurityGroup(
            name: "remedy-isolation",
            description: "left by a crash",
            vpcID: world.vpcID
        )
        #expect(try await world.ec2.describeSecurityGroups(ids: [leftover]).first?.egress.isEmpty == false)
        let quarantine = request(
            "ec2.quarantine",
            ["instance": .string(instance), "isolation_group_name": "remedy-isolation"]
        )
        // The probe does not count an instance in a group that lets traffic through as isolated
        #expect(try await world.invoker.probe(quarantine) == .notDone)
        // When the quarantine runs, it reuses the group and takes the egress away first
        let result = try await world.invoker.execute(quarantine)
        #expect(result.outputs["isolation_group"] == .string(leftover))
        let group = try #require(try await world.ec2.describeSecurityGroups(ids: [leftover]).first)
        #expect(group.ingress.isEmpty && group.egress.isEmpty)
        #expect(result.verified)
    }

    @Test func quarantineInDryRunChangesNothing() async throws {
        let world = try await world()
        let (instance, web) = try await launchInstance(world)
        let result = try await world.invoker.execute(
            request(
                "ec2.quarantine",
                ["instance": .string(instance), "isolation_group_name": "remedy-isolation"],
                mode: .dryRun
            )
        )
        #expect(result.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await world.ec2.describeInstances(ids: [instance]).first?.securityGroupIDs == [web])
        #expect(try await world.ec2.describeSecurityGroups(filters: ["group-name": ["remedy-isolation"]]).isEmpty)
    }

    @Test func snapshotsAreTaggedWithTheStepSoTheProbeFindsThem() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let snapshot = request(
            "ec2.snapshot_volumes",
            ["instance": .string(instance), "tags": ["remedy:case": "run-1"]]
        )
        #expect(try await world.invoker.probe(snapshot) == .notDone)
        let result = try await world.invoker.execute(snapshot)
        let ids = try #require(result.outputs["snapshot_ids"]?.arrayValue)
        #expect(!ids.isEmpty)
        #expect(result.verified)
        // The volumes come from the CreateSnapshots answer, one per snapshot: the instance's attached volumes
        let volumes = try #require(try await world.ec2.describeInstances(ids: [instance]).first).volumes
        #expect(Set(result.outputs["volume_ids"]?.arrayValue ?? []) == Set(volumes.map { .string($0.volumeID) }))
        #expect(result.outputs["volume_ids"]?.arrayValue?.count == ids.count)
        guard case .done(let probed) = try await world.invoker.probe(snapshot) else {
            Issue.record("probe did not find the snapshots")
            return
        }
        #expect(Set(probed.outputs["snapshot_ids"]?.arrayValue ?? []) == Set(ids))
    }

    @Test func tagsAreSetAndUndoRemovesWhatWasNotThere() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let tag = request("ec2.tag", ["instance": .string(instance), "tags": ["Status": "Quarantine"]])
        let result = try await world.invoker.execute(tag)
        #expect(result.verified)
        #expect(try await world.invoker.probe(tag) == .done(ActionResult(verified: true)))
        try await world.invoker.undo(tag, priorState: try #require(result.priorState))
        #expect(try await world.ec2.describeInstances(ids: [instance]).first?.tags["Status"] == nil)
    }

    @Test func accessKeyIsDeactivatedProbedAndReactivatedByUndo() async throws {
        let world = try await world()
        _ = try await world.iam.client.query("CreateUser", effect: .mutating(idempotent: false)) {
            $0.set("UserName", "leaky")
        }
        let created = try await world.iam.client.query("CreateAccessKey", effect: .mutating(idempotent: false)) {
            $0.set("UserName", "leaky")
        }
        let key = try #require(created.string("AccessKey", "AccessKeyId"))
        let deactivate = request("iam.deactivate_access_key", ["user": "leaky", "access_key_id": .string(key)])

        let dryRun = try await world.invoker.execute(
            request("iam.deactivate_access_key", ["user": "leaky", "access_key_id": .string(key)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("iam:UpdateAccessKey") == true)
        #expect(try await world.iam.listAccessKeys(user: "leaky").map(\.status) == ["Active"])

        let result = try await world.invoker.execute(deactivate)
        #expect(result.verified)
        #expect(result.outputs["deactivated_keys"] == [.string(key)])
        #expect(try await world.iam.listAccessKeys(user: "leaky").map(\.status) == ["Inactive"])
        guard case .done = try await world.invoker.probe(deactivate) else {
            Issue.record("probe did not see the inactive key")
            return
        }
        try await world.invoker.undo(deactivate, priorState: try #require(result.priorState))
        #expect(try await world.iam.listAccessKeys(user: "leaky").map(\.status) == ["Active"])
    }

    @Test func bucketPublicAccessIsBlockedAndUndoRemovesTheBlock() async throws {
        let world = try await world()
        try await world.s3.createBucket("public-bucket")
        let block = request("s3.block_public_access", ["bucket": "public-bucket"])

        _ = try await world.invoker.execute(
            request("s3.block_public_access", ["bucket": "public-bucket"], mode: .dryRun)
        )
        #expect(try await world.s3.publicAccessBlock(bucket: "public-bucket") == nil)

        let result = try await world.invoker.execute(block)
        #expect(result.verified)
        #expect(try await world.s3.publicAccessBlock(bucket: "public-bucket") == .allBlocked)
        #expect(try await world.invoker.probe(block) == .done(ActionResult(verified: true)))
        try await world.invoker.undo(block, priorState: try #require(result.priorState))
        #expect(try await world.s3.publicAccessBlock(bucket: "public-bucket") == nil)
    }
}

/// Prior states an action handed to its recorder, in order.
final class CapturedPriorStates: Sendable {
    private let states = Mutex<[JSONValue]>([])

    func add(_ state: JSONValue) { states.withLock { $0.append(state) } }

    var all: [JSONValue] { states.withLock { $0 } }
}
