import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Testing

/// The EC2 compromise actions through `CatalogInvoker` against moto: dry-run changes nothing, the probe says not
/// done before and done after, the effect is read back from moto, and undo restores what was there.
extension MotoIntegrationTests {
    func instanceAttributes(_ world: World, _ instance: String) async throws -> (String?, String?, [Bool]) {
        (
            try await world.ec2.instanceAttribute(instance, "disableApiTermination"),
            try await world.ec2.instanceAttribute(instance, "instanceInitiatedShutdownBehavior"),
            try await world.ec2.describeInstances(ids: [instance]).first?.volumes.map(\.deleteOnTermination) ?? []
        )
    }

    @Test func terminationProtectionPreservesTheInstanceAndUndoRestoresEachSetting() async throws {
        let world = try await world()
        let (instance, web) = try await launchInstance(world)
        try await world.ec2.setShutdownBehavior(instanceID: instance, "terminate")
        let unprotected = try await instanceAttributes(world, instance)
        #expect(unprotected.0 == "false" && unprotected.1 == "terminate" && unprotected.2 == [true])
        let protect = request("ec2.enable_termination_protection", ["instance": .string(instance)])

        let dryRun = try await world.invoker.execute(
            request("ec2.enable_termination_protection", ["instance": .string(instance)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await instanceAttributes(world, instance) == unprotected)
        #expect(try await world.ec2.describeInstances(ids: [instance]).first?.tags.isEmpty == true)

        #expect(try await world.invoker.probe(protect) == .notDone)
        let (result, captured) = try await executeCapturingPriorState(world, protect)
        #expect(result.verified)
        let protected = try await instanceAttributes(world, instance)
        #expect(protected.0 == "true" && protected.1 == "stop" && protected.2 == [false])
        // The shutdown behaviour goes as Attribute/Value: moto's other form would have emptied the groups.
        let after = try #require(try await world.ec2.describeInstances(ids: [instance]).first)
        #expect(after.securityGroupIDs == [web])
        // The prior values went to the journal's recorder, once, and nothing was written on the instance.
        #expect(captured == [try #require(result.priorState)])
        #expect(result.priorState?["shutdown_behavior"] == "terminate")
        #expect(after.tags.isEmpty)
        // After a crash the probe gives back the prior values the executor journaled before the change.
        var resumed = protect
        resumed.capturedPriorState = captured.first
        guard case .done(let probed) = try await world.invoker.probe(resumed) else {
            Issue.record("probe did not see the protection")
            return
        }
        #expect(probed.priorState == result.priorState)

        try await world.invoker.undo(protect, priorState: try #require(probed.priorState))
        #expect(try await instanceAttributes(world, instance) == unprotected)
    }

    @Test func instanceProfileIsDisassociatedWithItsRoleNamedAndUndoReassociatesIt() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        _ = try await world.iam.client.query("CreateRole", effect: .mutating(idempotent: false)) {
            $0.set("RoleName", "web-role")
            $0.set(
                "AssumeRolePolicyDocument",
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
            )
        }
        let profile = try await world.iam.client.query("CreateInstanceProfile", effect: .mutating(idempotent: false)) {
            $0.set("InstanceProfileName", "web-profile")
        }
        let profileARN = try #require(profile.string("InstanceProfile", "Arn"))
        _ = try await world.iam.client.query("AddRoleToInstanceProfile", effect: .mutating(idempotent: false)) {
            $0.set("InstanceProfileName", "web-profile")
            $0.set("RoleName", "web-role")
        }
        try await world.ec2.associateIamInstanceProfile(instanceID: instance, profileARN: profileARN)
        let associated = { () async throws -> [String] in
            try await world.ec2.describeIamInstanceProfileAssociations(instanceID: instance)
                .filter { $0.state == "associated" }.map(\.profileARN)
        }
        #expect(try await associated() == [profileARN])
        let detach = request("ec2.detach_instance_profile", ["instance": .string(instance)])

        // DisassociateIamInstanceProfile has no DryRun member: dry-run refuses it unsent.
        let dryRun = try await world.invoker.execute(
            request("ec2.detach_instance_profile", ["instance": .string(instance)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("ec2:DisassociateIamInstanceProfile") == true)
        #expect(try await associated() == [profileARN])
        #expect(try await world.ec2.describeInstances(ids: [instance]).first?.tags.isEmpty == true)

        #expect(try await world.invoker.probe(detach) == .notDone)
        let (result, captured) = try await executeCapturingPriorState(world, detach)
        #expect(result.verified)
        #expect(result.outputs["instance_profile_arn"] == .string(profileARN))
        #expect(result.outputs["role_name"] == "web-role")
        #expect(try await associated().isEmpty)
        #expect(captured == [try #require(result.priorState)])
        #expect(try await world.ec2.describeInstances(ids: [instance]).first?.tags.isEmpty == true)
        // After a crash the probe still names the profile and role, from the prior state journaled before the change.
        var resumed = detach
        resumed.capturedPriorState = captured.first
        guard case .done(let probed) = try await world.invoker.probe(resumed) else {
            Issue.record("probe did not see the disassociation")
            return
        }
        #expect(probed.outputs == result.outputs)
        #expect(probed.priorState == result.priorState)

        try await world.invoker.undo(detach, priorState: try #require(result.priorState))
        #expect(try await associated() == [profileARN])
    }

    @Test func anInstanceWithoutAProfileOrAGroupGivesNullOutputsAndNothingToUndo() async throws {
        // An instance with no instance profile, in no Auto Scaling group
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        for action in ["ec2.detach_instance_profile", "ec2.detach_from_autoscaling"] {
            let (result, captured) = try await executeCapturingPriorState(
                world,
                request(action, ["instance": .string(instance)])
            )
            // "Nothing there" is null, never "": a `!= null` guard on the output holds
            let outputs = try #require(
                ActionCatalog.standard.action(named: action)?.outputs.map(\.name)
            )
            #expect(!outputs.isEmpty)
            for output in outputs { #expect(result.outputs[output] == .null, "\(action) \(output)") }
            // And nothing changed: no prior state to restore
            #expect(result.priorState == nil, "\(action)")
            #expect(captured.isEmpty, "\(action)")
        }
    }

    @Test func imdsV2IsRequiredNeverInDryRunAndUndoRestoresTheOptions() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let options = { () async throws -> EC2Instance.MetadataOptions? in
            try await world.ec2.describeInstances(ids: [instance]).first?.metadataOptions
        }
        let original = try #require(try await options())
        #expect(original.httpTokens == "optional")
        let parameters: [String: JSONValue] = ["instance": .string(instance), "hop_limit": 2]

        // moto performs ModifyInstanceMetadataOptions despite DryRun=true: dry-run must not send it at all.
        let dryRun = try await world.invoker.execute(request("ec2.enforce_imdsv2", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("ec2:ModifyInstanceMetadataOptions") == true)
        #expect(try await options() == original)

        let enforce = request("ec2.enforce_imdsv2", parameters)
        #expect(try await world.invoker.probe(enforce) == .notDone)
        let result = try await world.invoker.execute(enforce)
        #expect(result.verified)
        #expect(
            try await options()
                == EC2Instance.MetadataOptions(httpTokens: "required", httpEndpoint: "enabled", hopLimit: 2)
        )
        #expect(try await world.invoker.probe(enforce) == .done(ActionResult(verified: true)))

        try await world.invoker.undo(enforce, priorState: try #require(result.priorState))
        #expect(try await options() == original)
    }

    @Test func stopStopsTheInstanceAndUndoStartsItAgain() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let state = { () async throws -> String? in try await world.ec2.describeInstances(ids: [instance]).first?.state
        }
        #expect(try await state() == "running")
        let stop = request("ec2.stop", ["instance": .string(instance)])

        let dryRun = try await world.invoker.execute(
            request("ec2.stop", ["instance": .string(instance)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await state() == "running")

        #expect(try await world.invoker.probe(stop) == .notDone)
        let result = try await world.invoker.execute(stop)
        #expect(result.verified)
        #expect(try await state() == "stopped")
        #expect(try await world.invoker.probe(stop) == .done(ActionResult(verified: true)))

        try await world.invoker.undo(stop, priorState: try #require(result.priorState))
        #expect(["pending", "running"].contains(try await state()))
    }

    @Test func autoScalingDetachKeepsDesiredCapacityAndUndoReattaches() async throws {
        let world = try await world()
        let autoScaling = AutoScalingClient(try moto.client(.autoScaling, credentials: world.credentials))
        let images = try await world.ec2.client.query("DescribeImages", effect: .readOnly)
        let image = try #require(images.list("imagesSet").first?.string("imageId"))
        _ = try await autoScaling.client.query("CreateLaunchConfiguration", effect: .mutating(idempotent: false)) {
            $0.set("LaunchConfigurationName", "web-lc")
            $0.set("ImageId", image)
            $0.set("InstanceType", "t3.micro")
        }
        _ = try await autoScaling.client.query("CreateAutoScalingGroup", effect: .mutating(idempotent: false)) {
            $0.set("AutoScalingGroupName", "web-asg")
            $0.set("LaunchConfigurationName", "web-lc")
            $0.set("MinSize", 1)
            $0.set("MaxSize", 3)
            $0.set("DesiredCapacity", 1)
            $0.set("VPCZoneIdentifier", world.subnetID)
        }
        let groupState = { () async throws -> (desired: String?, instances: [String]) in
            let result = try await autoScaling.client.query("DescribeAutoScalingGroups", effect: .readOnly) {
                $0.set("AutoScalingGroupNames", list: ["web-asg"], style: .query)
            }
            let group = result.list("AutoScalingGroups").first
            return (
                group?.string("DesiredCapacity"),
                group?.list("Instances").compactMap { $0.string("InstanceId") } ?? []
            )
        }
        let instance = try #require(try await groupState().instances.first)
        let detach = request("ec2.detach_from_autoscaling", ["instance": .string(instance)])

        let dryRun = try await world.invoker.execute(
            request("ec2.detach_from_autoscaling", ["instance": .string(instance)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("autoscaling:DetachInstances") == true)
        #expect(try await autoScaling.group(ofInstance: instance) == "web-asg")

        #expect(try await world.invoker.probe(detach) == .notDone)
        let (result, captured) = try await executeCapturingPriorState(world, detach)
        #expect(result.verified)
        #expect(result.outputs["group"] == "web-asg")
        #expect(captured == [["group": "web-asg"]])
        // The group tags its instances itself; remedy writes nothing on the instance.
        let tags = try await world.ec2.describeInstances(ids: [instance]).first?.tags ?? [:]
        #expect(!tags.keys.contains { $0.hasPrefix("remedy:") })
        #expect(try await autoScaling.group(ofInstance: instance) == nil)
        // Desired capacity is kept: the group launches a replacement rather than shrinking.
        let after = try await groupState()
        #expect(after.desired == "1")
        #expect(!after.instances.contains(instance))
        #expect(try await world.ec2.describeInstances(ids: [instance]).first?.state == "running")
        var resumed = detach
        resumed.capturedPriorState = captured.first
        guard case .done(let probed) = try await world.invoker.probe(resumed) else {
            Issue.record("probe did not see the detachment")
            return
        }
        #expect(probed.outputs["group"] == "web-asg")

        try await world.invoker.undo(detach, priorState: try #require(result.priorState))
        #expect(try await autoScaling.group(ofInstance: instance) == "web-asg")
    }

    @Test func targetGroupRegistrationsAreRemovedAndUndoRegistersTheSamePorts() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let elb = ELBv2Client(try moto.client(.elasticLoadBalancingV2, credentials: world.credentials))
        var groups: [String] = []
        for name in ["web", "other"] {
            let created = try await elb.client.query("CreateTargetGroup", effect: .mutating(idempotent: false)) {
                $0.set("Name", name)
                $0.set("Protocol", "HTTP")
                $0.set("Port", 80)
                $0.set("VpcId", world.vpcID)
                $0.set("TargetType", "instance")
            }
            groups.append(try #require(created.list("TargetGroups").first?.string("TargetGroupArn")))
        }
        try await elb.registerTarget(instance, targetGroupARN: groups[0], port: 8080)
        let registered = { () async throws -> [ELBv2Client.Target] in
            try await elb.targets(ofGroup: groups[0]).filter { $0.id == instance && $0.state != "unused" }
        }
        #expect(try await registered().map(\.port) == [8080])
        let deregister = request("ec2.deregister_from_target_groups", ["instance": .string(instance)])

        let dryRun = try await world.invoker.execute(
            request("ec2.deregister_from_target_groups", ["instance": .string(instance)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("elasticloadbalancing:DeregisterTargets") == true)
        #expect(try await registered().map(\.port) == [8080])

        #expect(try await world.invoker.probe(deregister) == .notDone)
        let result = try await world.invoker.execute(deregister)
        #expect(result.verified)
        #expect(result.outputs["target_groups"] == [.string(groups[0])])
        #expect(try await registered().isEmpty)
        #expect(try await world.invoker.probe(deregister) == .done(ActionResult(verified: true)))

        try await world.invoker.undo(deregister, priorState: try #require(result.priorState))
        #expect(try await registered().map(\.port) == [8080])
        #expect(try await elb.targets(ofGroup: groups[1]).filter { $0.id == instance }.isEmpty)
    }
}
