import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Testing

/// The network and data exposure actions (and snapshot sharing) through `CatalogInvoker` against moto: dry-run
/// changes nothing, the probe says not done before and done after, the effect is read back, undo restores it.
extension MotoIntegrationTests {
    func ingress(_ world: World, _ group: String) async throws -> Set<IPPermission> {
        Set(try await world.ec2.describeSecurityGroups(ids: [group]).first?.ingress ?? [])
    }

    @Test func openIngressIsRevokedOnlyOnTheGivenPortsAndOnlyForTheWorldRanges() async throws {
        let world = try await world()
        let group = try await world.ec2.createSecurityGroup(name: "exposed", description: "e", vpcID: world.vpcID)
        try await world.ec2.authorizeIngress(
            groupID: group,
            permissions: [
                IPPermission(ipProtocol: "tcp", fromPort: 22, toPort: 22, ipv4Ranges: ["0.0.0.0/0", "10.0.0.0/8"]),
                IPPermission(ipProtocol: "tcp", fromPort: 443, toPort: 443, ipv6Ranges: ["::/0"]),
                IPPermission(ipProtocol: "tcp", fromPort: 80, toPort: 80, ipv4Ranges: ["0.0.0.0/0"]),
            ]
        )
        let original = try await ingress(world, group)
        let parameters: [String: JSONValue] = ["security_group": .string(group), "ports": [22, 443]]

        let dryRun = try await world.invoker.execute(request("ec2.revoke_open_ingress", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await ingress(world, group) == original)

        let revoke = request("ec2.revoke_open_ingress", parameters)
        #expect(try await world.invoker.probe(revoke) == .notDone)
        let result = try await world.invoker.execute(revoke)
        #expect(result.verified)
        #expect(
            try await ingress(world, group) == [
                IPPermission(ipProtocol: "tcp", fromPort: 22, toPort: 22, ipv4Ranges: ["10.0.0.0/8"]),
                IPPermission(ipProtocol: "tcp", fromPort: 80, toPort: 80, ipv4Ranges: ["0.0.0.0/0"]),
            ]
        )
        #expect(result.outputs["revoked_rules"]?.arrayValue?.count == 2)
        guard case .done = try await world.invoker.probe(revoke) else {
            Issue.record("probe did not see the revocation")
            return
        }

        try await world.invoker.undo(revoke, priorState: try #require(result.priorState))
        let restored = try await ingress(world, group)
        // moto may keep a rule's ranges as separate rules after re-authorizing: compare what is allowed.
        #expect(allowed(restored) == allowed(original))
    }

    /// Each (protocol, ports, range) a set of rules allows, whatever way the rules are grouped.
    func allowed(_ rules: Set<IPPermission>) -> Set<String> {
        Set(
            rules.flatMap { rule in
                (rule.ipv4Ranges + rule.ipv6Ranges + rule.groupIDs).map {
                    "\(rule.ipProtocol) \(rule.fromPort ?? -1)-\(rule.toPort ?? -1) \($0)"
                }
            }
        )
    }

    @Test func defaultGroupIsEmptiedOtherGroupsAreRefusedAndUndoRestoresEveryRule() async throws {
        let world = try await world()
        let groups = try await world.ec2.describeSecurityGroups(
            filters: ["group-name": ["default"], "vpc-id": [world.vpcID]]
        )
        let group = try #require(groups.first?.id)
        try await world.ec2.authorizeIngress(
            groupID: group,
            permissions: [
                IPPermission(ipProtocol: "-1", groupIDs: [group]),
                IPPermission(ipProtocol: "tcp", fromPort: 22, toPort: 22, ipv4Ranges: ["10.0.0.0/8"]),
            ]
        )
        let state = { () async throws -> (ingress: Set<String>, egress: Set<String>) in
            let described = try #require(try await world.ec2.describeSecurityGroups(ids: [group]).first)
            return (self.allowed(Set(described.ingress)), self.allowed(Set(described.egress)))
        }
        let original = try await state()
        #expect(original.ingress.count == 2 && original.egress == ["-1 -1--1 0.0.0.0/0"])
        let empty = request("ec2.empty_default_security_group", ["security_group": .string(group)])

        let dryRun = try await world.invoker.execute(
            request("ec2.empty_default_security_group", ["security_group": .string(group)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await state() == original)

        // A finding naming some other group must not empty it.
        let web = try await world.ec2.createSecurityGroup(name: "web", description: "w", vpcID: world.vpcID)
        await #expect {
            _ = try await world.invoker.execute(
                request("ec2.empty_default_security_group", ["security_group": .string(web)])
            )
        } throws: { ($0 as? ActionFailure)?.code == "NotDefaultGroup" }
        let webEgress = try await world.ec2.describeSecurityGroups(ids: [web]).first?.egress ?? []
        #expect(allowed(Set(webEgress)) == ["-1 -1--1 0.0.0.0/0"])

        #expect(try await world.invoker.probe(empty) == .notDone)
        let result = try await world.invoker.execute(empty)
        #expect(result.verified)
        #expect(try await state() == ([], []))
        #expect(result.outputs["revoked_rules"]?.arrayValue?.count == 3)
        guard case .done = try await world.invoker.probe(empty) else {
            Issue.record("probe did not see the empty group")
            return
        }

        try await world.invoker.undo(empty, priorState: try #require(result.priorState))
        #expect(try await state() == original)
    }

    /// A snapshot of a new volume.
    func snapshot(_ world: World) async throws -> String {
        let volume = try await world.ec2.client.query("CreateVolume", effect: .mutating(idempotent: false)) {
            $0.set("AvailabilityZone", "us-east-1a")
            $0.set("Size", 8)
        }
        let volumeID = try #require(volume.string("volumeId"))
        let snapshot = try await world.ec2.client.query("CreateSnapshot", effect: .mutating(idempotent: false)) {
            $0.set("VolumeId", volumeID)
        }
        return try #require(snapshot.string("snapshotId"))
    }

    @Test func publicSnapshotIsMadePrivateAndUndoMakesItPublicAgain() async throws {
        let world = try await world()
        let snapshotID = try await snapshot(world)
        try await world.ec2.changeSnapshotPermissions(snapshotID, .add, groups: ["all"])
        #expect(try await world.ec2.isSnapshotPublic(snapshotID))
        let parameters: [String: JSONValue] = ["snapshot": .string(snapshotID)]

        let dryRun = try await world.invoker.execute(request("ec2.make_snapshot_private", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await world.ec2.isSnapshotPublic(snapshotID))

        let makePrivate = request("ec2.make_snapshot_private", parameters)
        #expect(try await world.invoker.probe(makePrivate) == .notDone)
        let result = try await world.invoker.execute(makePrivate)
        #expect(result.verified)
        #expect(try await world.ec2.isSnapshotPublic(snapshotID) == false)
        #expect(try await world.invoker.probe(makePrivate) == .done(ActionResult(verified: true)))

        try await world.invoker.undo(makePrivate, priorState: try #require(result.priorState))
        #expect(try await world.ec2.isSnapshotPublic(snapshotID))
    }

    @Test func publicImageIsMadePrivateAndUndoMakesItPublicAgain() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let created = try await world.ec2.client.query("CreateImage", effect: .mutating(idempotent: false)) {
            $0.set("InstanceId", instance)
            $0.set("Name", "golden")
        }
        let imageID = try #require(created.string("imageId"))
        try await world.ec2.changeImageLaunchPermission(imageID, .add, groups: ["all"])
        let isPublic = { () async throws -> Bool in
            try await world.ec2.imageLaunchPermissions(imageID).groups.contains("all")
        }
        #expect(try await isPublic())
        let parameters: [String: JSONValue] = ["image": .string(imageID)]

        let dryRun = try await world.invoker.execute(request("ec2.make_image_private", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await isPublic())

        let makePrivate = request("ec2.make_image_private", parameters)
        #expect(try await world.invoker.probe(makePrivate) == .notDone)
        let result = try await world.invoker.execute(makePrivate)
        #expect(result.verified)
        #expect(try await isPublic() == false)
        #expect(try await world.invoker.probe(makePrivate) == .done(ActionResult(verified: true)))

        try await world.invoker.undo(makePrivate, priorState: try #require(result.priorState))
        #expect(try await isPublic())
    }

    @Test func ebsEncryptionByDefaultIsEnabledAndUndoDisablesItOnlyIfItWasOff() async throws {
        let world = try await world()
        #expect(try await world.ec2.getEbsEncryptionByDefault() == false)
        let enable = request("ec2.enable_ebs_encryption_by_default", [:])

        let dryRun = try await world.invoker.execute(
            request("ec2.enable_ebs_encryption_by_default", [:], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await world.ec2.getEbsEncryptionByDefault() == false)

        #expect(try await world.invoker.probe(enable) == .notDone)
        let result = try await world.invoker.execute(enable)
        #expect(result.verified)
        #expect(try await world.ec2.getEbsEncryptionByDefault())
        #expect(try await world.invoker.probe(enable) == .done(ActionResult(verified: true)))

        // Run again while already on: its undo must leave encryption on.
        let again = try await world.invoker.execute(request("ec2.enable_ebs_encryption_by_default", [:], step: "s2"))
        try await world.invoker.undo(enable, priorState: try #require(again.priorState))
        #expect(try await world.ec2.getEbsEncryptionByDefault())

        try await world.invoker.undo(enable, priorState: try #require(result.priorState))
        #expect(try await world.ec2.getEbsEncryptionByDefault() == false)
    }

    @Test func snapshotsAreSharedWithTheForensicsAccountAndUndoUnsharesOnlyWhatItShared() async throws {
        let world = try await world()
        let (first, second) = (try await snapshot(world), try await snapshot(world))
        let forensics = "111122223333"
        try await world.ec2.shareSnapshot(first, withAccounts: [forensics])
        let sharedWith = { (snapshot: String) async throws -> [String] in
            try await world.ec2.snapshotPermissions(snapshot).userIDs
        }
        let parameters: [String: JSONValue] = [
            "snapshots": [.string(first), .string(second)], "account": .string(forensics),
        ]

        let dryRun = try await world.invoker.execute(request("ec2.share_snapshots", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await sharedWith(second).isEmpty)

        let share = request("ec2.share_snapshots", parameters)
        #expect(try await world.invoker.probe(share) == .notDone)
        let result = try await world.invoker.execute(share)
        #expect(result.verified)
        #expect(try await sharedWith(first) == [forensics])
        #expect(try await sharedWith(second) == [forensics])
        #expect(result.priorState?["shared"] == [.string(second)])
        #expect(try await world.invoker.probe(share) == .done(ActionResult(verified: true)))

        try await world.invoker.undo(share, priorState: try #require(result.priorState))
        #expect(try await sharedWith(first) == [forensics])
        #expect(try await sharedWith(second).isEmpty)
    }

    @Test func naclDenyEntryGoesBelowTheFirstAllowAndUndoDeletesIt() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world)
        let acl = try #require(try await world.ec2.describeNetworkACLs(subnetID: world.subnetID).first)
        // An allow at 90 takes the preferred number and lowers the limit: the deny must go to 89.
        _ = try await world.ec2.client.query("CreateNetworkAclEntry", effect: .mutating(idempotent: false)) {
            $0.set("NetworkAclId", acl.id)
            $0.set("RuleNumber", 90)
            $0.set("Protocol", "-1")
            $0.set("RuleAction", "allow")
            $0.set("Egress", false)
            $0.set("CidrBlock", "10.0.0.0/8")
        }
        let inbound = { () async throws -> [EC2NetworkACL.Entry] in
            let acls = try await world.ec2.describeNetworkACLs(subnetID: world.subnetID)
            return (acls.first?.entries ?? []).filter { !$0.isEgress }.sorted { $0.ruleNumber < $1.ruleNumber }
        }
        let original = try await inbound()
        let parameters: [String: JSONValue] = [
            "instance": .string(instance), "address": "203.0.113.7", "rule_number": 90,
        ]

        // moto performs CreateNetworkAclEntry despite DryRun=true: dry-run must not send it at all.
        let dryRun = try await world.invoker.execute(request("ec2.nacl_deny_ip", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("ec2:CreateNetworkAclEntry") == true)
        #expect(try await inbound() == original)

        let deny = request("ec2.nacl_deny_ip", parameters)
        #expect(try await world.invoker.probe(deny) == .notDone)
        let result = try await world.invoker.execute(deny)
        #expect(result.verified)
        #expect(result.outputs["network_acl"] == .string(acl.id))
        #expect(result.outputs["rule_number"] == 89)
        let entry = try #require(try await inbound().first)
        #expect(entry.ruleNumber == 89 && entry.action == "deny" && entry.protocolNumber == "-1")
        #expect(entry.cidr == "203.0.113.7/32")
        guard case .done(let probed) = try await world.invoker.probe(deny) else {
            Issue.record("probe did not find the deny entry")
            return
        }
        #expect(probed.priorState == result.priorState)

        try await world.invoker.undo(deny, priorState: try #require(result.priorState))
        #expect(try await inbound() == original)
    }
}
