// Over 400 lines: one action's execute, probe, verify and undo, which share its swap plan.
import RemedyAWS
import RemedyCore

/// The two-stage swap (docs/containment.md#quarantine-the-two-stage-swap): security groups do not cut tracked
/// connections, so every interface first moves to a group allowing all traffic (making every flow untracked), then to
/// the isolation group with no rules.
extension QuarantineInstance: ExecutableAction {
    static let untrackGroupName = "remedy-untrack"

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        let instance = try await TagInstance.instance(instanceID, ec2)
        guard let vpcID = instance.vpcID else {
            throw ActionFailure(.permanent, code: "NotInVPC", message: "instance \(instanceID) is not in a VPC")
        }
        // The original groups are journaled before anything changes, so a probe after a crash can still undo. An
        // earlier attempt's capture wins: the instance may already sit in the untrack group it moved it to.
        let original: [String: [String]]
        if let captured = context.request.capturedPriorState.flatMap(originalGroups(from:)) {
            original = captured
        } else {
            original = originalGroups(of: instance)
            try await context.recordPriorState(["original_groups": priorState(original)])
        }
        let isolationName = try parameters.string("isolation_group_name")
        // The allow-all group is removed once no quarantine uses it (it admits all traffic, and Security Hub flags
        // it as EC2.18/EC2.19), except when the instance is left in it (QuarantineIncomplete), for undo.
        let untrackKey = cacheKey(untrackGroupName, vpcID, context)
        let live = context.request.mode == .live
        if live { await context.securityGroups.use(untrackKey) }
        var untrack: String?
        do throws(ActionFailure) {
            let result = try await swap(
                instance,
                original: original,
                isolationName: isolationName,
                vpcID: vpcID,
                untrack: &untrack,
                ec2,
                context
            )
            if live { await removeUntrackGroupIfUnused(untrack, untrackKey, ec2, context) }
            return result
        } catch {
            let leftInIt = error.code == "QuarantineIncomplete"
            if live { await removeUntrackGroupIfUnused(leftInIt ? nil : untrack, untrackKey, ec2, context) }
            throw error
        }
    }

    /// The two swaps: into the allow-all group, then into the isolation group, else back to the instance's own groups.
    ///
    /// `untrack` is the allow-all group once it is known.
    static func swap(
        _ instance: EC2Instance,
        original: [String: [String]],
        isolationName: String,
        vpcID: String,
        untrack: inout String?,
        _ ec2: EC2Client,
        _ context: ActionContext
    ) async throws(ActionFailure) -> ActionResult {
        let instanceID = instance.id
        var isolation = try await group(named: isolationName, in: vpcID, rules: [], ec2, context)
        var allowAll = try await group(named: untrackGroupName, in: vpcID, rules: [.allTraffic], ec2, context)
        untrack = allowAll
        do throws(ActionFailure) {
            try await moveInterfaces(of: instance, to: allowAll, ec2)
        } catch  where error.code == "InvalidGroup.NotFound" {
            // A remembered group deleted since: the failed call changed nothing, so resolve it again and swap once.
            allowAll = try await regroup(untrackGroupName, allowAll, in: vpcID, rules: [.allTraffic], ec2, context)
            untrack = allowAll
            try await moveInterfaces(of: instance, to: allowAll, ec2)
        }
        PausePoint.reach("quarantine-untracked:\(context.request.stepID)")
        // The instance now sits in the allow-all group, more exposed than before: the quarantine never ends here.
        do throws(ActionFailure) {
            isolation = try await isolate(instance, in: isolation, named: isolationName, vpcID: vpcID, ec2, context)
        } catch {
            do throws(ActionFailure) {
                try await restore(original, of: instance, ec2)
            } catch let restoreError {
                throw ActionFailure(
                    .inDoubt,
                    code: "QuarantineIncomplete",
                    message: "instance \(instanceID) is left in the allow-all group \(allowAll): the swap to the "
                        + "isolation group failed (\(error.code): \(error.message)) and putting its own groups back "
                        + "failed too (\(restoreError.code)); remedy undo restores them"
                )
            }
            throw ActionFailure(
                .permanent,
                code: "QuarantineRolledBack",
                message: "instance \(instanceID) was not isolated: the swap to the isolation group failed "
                    + "(\(error.code): \(error.message)), so its own security groups were put back"
            )
        }
        let groups = priorState(original)
        return ActionResult(
            outputs: ["isolation_group": .string(isolation), "original_groups": groups],
            priorState: ["original_groups": groups]
        )
    }

    /// The instance's groups are what the successful `ModifyInstanceAttribute` / `ModifyNetworkInterfaceAttribute`
    /// calls set (absolute, synchronous), so they are not read back; the isolation group's rules are, because its
    /// id may come from the cache and someone may have added a rule since it was last enforced.
    public static func verify(
        _ parameters: ActionParameters,
        result: ActionResult,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> Bool
    {
        guard let isolation = result.outputs["isolation_group"]?.stringValue else { return false }
        let ec2 = try context.clients.ec2()
        let found = try await readingCall { () async throws(AWSError) in
            try await ec2.describeSecurityGroups(ids: [isolation])
        }
        if let group = found.first, group.ingress.isEmpty, group.egress.isEmpty { return true }
        if let vpcID = found.first?.vpcID {
            await context.securityGroups.forget(
                cacheKey(try parameters.string("isolation_group_name"), vpcID, context),
                groupID: isolation
            )
        }
        return false
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        // Without a capture the step changed nothing: it is journaled before the first swap.
        guard let captured = context.request.capturedPriorState.flatMap(originalGroups(from:)) else {
            return .notDone
        }
        let ec2 = try context.clients.ec2()
        let instance = try await TagInstance.instance(try parameters.string("instance"), ec2)
        guard let vpcID = instance.vpcID,
            let isolation = try await existingGroup(
                named: try parameters.string("isolation_group_name"),
                in: vpcID,
                ec2
            ),
            // Isolated means in the isolation group alone, and that group letting nothing through.
            isIsolated(instance, in: isolation.id), isolation.ingress.isEmpty, isolation.egress.isEmpty
        else { return .notDone }
        let groups = priorState(captured)
        return .done(
            ActionResult(
                outputs: ["isolation_group": .string(isolation.id), "original_groups": groups],
                priorState: ["original_groups": groups],
                verified: true
            )
        )
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let ec2 = try context.clients.ec2()
        let instance = try await TagInstance.instance(try parameters.string("instance"), ec2)
        try await restore(originalGroups(from: priorState) ?? [:], of: instance, ec2)
    }

    // MARK: Steps

    /// Removes the allow-all group when no quarantine of this process uses it and no interface is in it.
    ///
    /// Another process's quarantine may have moved one in (EC2 also refuses to delete a group in use). Best effort:
    /// the quarantine's outcome does not depend on it, and a later quarantine creates the group again.
    static func removeUntrackGroupIfUnused(
        _ groupID: String?,
        _ key: SecurityGroupCache.Key,
        _ ec2: EC2Client,
        _ context: ActionContext
    ) async {
        guard await context.securityGroups.release(key), let groupID else { return }
        guard (try? await ec2.interfaceCount(inGroup: groupID)) == 0 else { return }
        try? await ec2.deleteSecurityGroup(id: groupID)
    }

    /// Attempts at the second swap beyond the first, while it fails with anything but a permanent error (throttled
    /// past the client's retries, a 5xx): leaving the allow-all group is worth waiting for.
    static let isolationRetries = 4

    /// Moves the instance from the allow-all group to the isolation group, retrying what may pass.
    static func isolate(
        _ instance: EC2Instance,
        in isolation: String,
        named name: String,
        vpcID: String,
        _ ec2: EC2Client,
        _ context: ActionContext
    ) async throws(ActionFailure) -> String {
        var isolation = isolation
        var retry = 0
        var regrouped = false
        while true {
            do throws(ActionFailure) {
                try await moveInterfaces(of: instance, to: isolation, ec2)
                return isolation
            } catch  where error.code == "InvalidGroup.NotFound" && !regrouped {
                // A remembered group deleted since: the failed call changed nothing; resolve it again once.
                regrouped = true
                isolation = try await regroup(name, isolation, in: vpcID, rules: [], ec2, context)
            } catch  where error.kind != .permanent && retry < isolationRetries {
                retry += 1
                do {
                    try await context.clock.sleep(for: .milliseconds(500 << retry))
                } catch {
                    throw ActionFailure(.inDoubt, code: "Cancelled", message: "the quarantine was cancelled")
                }
            }
        }
    }

    /// Puts each interface's journaled groups back (`original`, as `originalGroups(of:)` captured them).
    static func restore(
        _ original: [String: [String]],
        of instance: EC2Instance,
        _ ec2: EC2Client
    ) async throws(ActionFailure) {
        if instance.networkInterfaces.isEmpty, let groups = original["instance"], !groups.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.modifyInstanceGroups(instanceID: instance.id, groupIDs: groups)
            }
        }
        for interface in instance.networkInterfaces {
            guard let groups = original[interface.id], !groups.isEmpty else { continue }
            try await setGroups(
                of: interface.id,
                primary: isPrimary(interface, of: instance),
                instanceID: instance.id,
                groups: groups,
                ec2
            )
        }
    }

    static func originalGroups(of instance: EC2Instance) -> [String: [String]] {
        var groups: [String: [String]] = [:]
        for interface in instance.networkInterfaces { groups[interface.id] = interface.securityGroupIDs }
        if groups.isEmpty { groups["instance"] = instance.securityGroupIDs }
        return groups
    }

    static func moveInterfaces(of instance: EC2Instance, to group: String, _ ec2: EC2Client) async throws(ActionFailure)
    {
        if instance.networkInterfaces.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.modifyInstanceGroups(instanceID: instance.id, groupIDs: [group])
            }
        }
        for interface in instance.networkInterfaces {
            try await setGroups(
                of: interface.id,
                primary: isPrimary(interface, of: instance),
                instanceID: instance.id,
                groups: [group],
                ec2
            )
        }
    }

    /// The primary interface is changed through the instance (what DescribeInstances reports); others directly.
    static func setGroups(
        of interfaceID: String,
        primary: Bool,
        instanceID: String,
        groups: [String],
        _ ec2: EC2Client
    )
        async throws(ActionFailure)
    {
        if primary {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.modifyInstanceGroups(instanceID: instanceID, groupIDs: groups)
            }
        } else {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.modifyNetworkInterfaceGroups(interfaceID: interfaceID, groupIDs: groups)
            }
        }
    }

    static func isPrimary(_ interface: EC2Instance.NetworkInterface, of instance: EC2Instance) -> Bool {
        interface.id == instance.networkInterfaces.first?.id
    }

    static func isIsolated(_ instance: EC2Instance, in isolation: String) -> Bool {
        instance.securityGroupIDs == [isolation]
    }

    /// Finds the group by name in the VPC, or creates it, and makes its rules exactly `rules` as egress (and as
    /// ingress for the allow-all group).
    ///
    /// Enforcing the rules on a group found, not only on one created, covers a run that died between creating the
    /// isolation group and revoking its default egress; a concurrent run in the same VPC that created the group
    /// first (`InvalidGroup.Duplicate`) is answered by using its group.
    static func group(
        named name: String,
        in vpcID: String,
        rules: [IPPermission],
        _ ec2: EC2Client,
        _ context: ActionContext
    ) async throws(ActionFailure) -> String {
        // A dry-run's lookup sends DryRun=true calls: never shared with live runs.
        guard context.request.mode == .live else {
            return try await resolveGroup(named: name, in: vpcID, rules: rules, ec2)
        }
        return try await context.securityGroups.groupID(cacheKey(name, vpcID, context)) {
            () async throws(ActionFailure) in
            try await resolveGroup(named: name, in: vpcID, rules: rules, ec2)
        }
    }

    /// Forgets a remembered group the swap found deleted, and finds or creates it again.
    static func regroup(
        _ name: String,
        _ stale: String,
        in vpcID: String,
        rules: [IPPermission],
        _ ec2: EC2Client,
        _ context: ActionContext
    ) async throws(ActionFailure) -> String {
        await context.securityGroups.forget(cacheKey(name, vpcID, context), groupID: stale)
        return try await group(named: name, in: vpcID, rules: rules, ec2, context)
    }

    static func cacheKey(_ name: String, _ vpcID: String, _ context: ActionContext) -> SecurityGroupCache.Key {
        SecurityGroupCache.Key(
            account: context.request.account,
            region: context.request.region,
            vpcID: vpcID,
            name: name
        )
    }

    private static func resolveGroup(
        named name: String,
        in vpcID: String,
        rules: [IPPermission],
        _ ec2: EC2Client
    ) async throws(ActionFailure) -> String {
        let group: EC2SecurityGroup
        if let existing = try await existingGroup(named: name, in: vpcID, ec2) {
            group = existing
        } else {
            do throws(ActionFailure) {
                let id = try await mutatingCall { () async throws(AWSError) in
                    try await ec2.createSecurityGroup(
                        name: name,
                        description: rules.isEmpty ? "remedy isolation: no traffic" : "remedy: all traffic, untracked",
                        vpcID: vpcID,
                        tags: [
                            "remedy:managed": "true",
                            "remedy:purpose": rules.isEmpty ? "quarantine-isolation" : "quarantine-untrack",
                        ]
                    )
                }
                // What EC2 gives every new group: no ingress, all egress.
                group = EC2SecurityGroup(id: id, name: name, vpcID: vpcID, ingress: [], egress: [.allTraffic])
            } catch  where error.code == "InvalidGroup.Duplicate" {
                guard let created = try await existingGroup(named: name, in: vpcID, ec2) else { throw error }
                group = created
            }
        }
        try await enforce(rules, on: group, ec2)
        return group.id
    }

    private static func enforce(
        _ rules: [IPPermission],
        on group: EC2SecurityGroup,
        _ ec2: EC2Client
    )
        async throws(ActionFailure)
    {
        func absent(from list: [IPPermission]) -> (IPPermission) -> Bool {
            { rule in !list.contains { $0.allowsTheSame(as: rule) } }
        }
        let extraEgress = group.egress.filter(absent(from: rules))
        let extraIngress = group.ingress.filter(absent(from: rules))
        let missingEgress = rules.filter(absent(from: group.egress))
        let missingIngress = rules.filter(absent(from: group.ingress))
        if !extraEgress.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.revokeEgress(groupID: group.id, permissions: extraEgress)
            }
        }
        if !extraIngress.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.revokeIngress(groupID: group.id, permissions: extraIngress)
            }
        }
        if !missingEgress.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.authorizeEgress(groupID: group.id, permissions: missingEgress)
            }
        }
        if !missingIngress.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.authorizeIngress(groupID: group.id, permissions: missingIngress)
            }
        }
    }

    static func existingGroup(
        named name: String,
        in vpcID: String,
        _ ec2: EC2Client
    ) async throws(ActionFailure) -> EC2SecurityGroup? {
        try await readingCall { () async throws(AWSError) in
            try await ec2.describeSecurityGroups(filters: ["group-name": [name], "vpc-id": [vpcID]]).first
        }
    }

    /// The groups per interface as journaled: `{"eni-1": ["sg-a", "sg-b"]}`.
    static func priorState(_ groups: [String: [String]]) -> JSONValue {
        .object(groups.mapValues { .array($0.map(JSONValue.string)) })
    }

    /// The groups from a captured prior state, shaped as the result's: `{"original_groups": ...}`.
    static func originalGroups(from state: JSONValue) -> [String: [String]]? {
        guard let object = state["original_groups"]?.objectValue, !object.isEmpty else { return nil }
        return object.mapValues { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
    }
}
