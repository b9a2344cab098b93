import Foundation
import RemedyCore
import RemedyPlaybooks

/// The `account:` section of a scenario: the simulated account's resources, each checked against the others (an
/// instance's VPC and security groups, a profile's role) as it is read.
extension ScenarioReader {
    func account(_ node: YAMLNode) -> AccountState? {
        guard
            let fields = walker.fields(
                node,
                allowed: [
                    "id", "region", "partition", "vpcs", "security_groups", "instances", "snapshots", "images",
                    "users", "roles", "instance_profiles", "buckets", "account_public_access_block",
                    "lambda_functions", "autoscaling_groups", "target_groups", "trails", "sns_topics",
                    "guardduty_detector",
                ],
                required: ["id", "region"],
                in: "account"
            )
        else { return nil }
        let id = fields["id"].flatMap { identifier($0, .accountID, "account.id") } ?? "000000000000"
        let region = fields["region"].flatMap { identifier($0, .region, "account.region") } ?? "us-east-1"
        var account = AccountState(
            accountID: id,
            region: region,
            partition: fields["partition"].flatMap { walker.string($0, "partition") } ?? "aws",
            guardDutyDetector: fields["guardduty_detector"].flatMap { walker.string($0, "guardduty_detector") }
                ?? "e5e0000000000000000000000000exer"
        )
        for entry in expanded(fields["vpcs"], "account.vpcs") {
            guard let vpc = identifier(entry, .vpcID, "vpc") else { continue }
            account.vpcs[vpc] = .init(id: vpc)
        }
        for entry in expanded(fields["security_groups"], "account.security_groups") {
            securityGroup(entry, into: &account)
        }
        for entry in expanded(fields["roles"], "account.roles") {
            guard
                let role = walker.fields(
                    entry,
                    allowed: ["name", "missing_permissions"],
                    required: ["name"],
                    in: "role"
                ), let name = role["name"].flatMap({ identifier($0, .iamRoleName, "role name") })
            else { continue }
            account.roles[name] = .init(
                name: name,
                inlinePolicies: [:],
                missingPermissions: Set(
                    role["missing_permissions"].map { walker.stringList($0, "missing_permissions") } ?? []
                )
            )
        }
        for entry in expanded(fields["instance_profiles"], "account.instance_profiles") {
            guard
                let profile = walker.fields(
                    entry,
                    allowed: ["name", "role"],
                    required: ["name", "role"],
                    in: "instance profile"
                ),
                let name = profile["name"].flatMap({ walker.string($0, "instance profile name") }),
                let roleNode = profile["role"], let role = walker.string(roleNode, "role")
            else { continue }
            if account.roles[role] == nil {
                error("instance profile \(name): no role '\(role)' in account.roles", at: roleNode.location)
            }
            account.instanceProfiles[name] = .init(name: name, roles: [role])
        }
        for entry in expanded(fields["instances"], "account.instances") { instance(entry, into: &account) }
        for entry in expanded(fields["snapshots"], "account.snapshots") {
            guard
                let snapshot = walker.fields(
                    entry,
                    allowed: ["id", "volume", "public", "shared_with", "tags"],
                    required: ["id"],
                    in: "snapshot"
                ), let id = snapshot["id"].flatMap({ identifier($0, .snapshotID, "snapshot id") })
            else { continue }
            account.snapshots[id] = .init(
                id: id,
                volumeID: snapshot["volume"].flatMap { walker.string($0, "volume") } ?? "vol-00000000",
                description: "",
                tags: snapshot["tags"].map { walker.stringMap($0, "tags") } ?? [:],
                createVolumeGroups: snapshot["public"].flatMap { walker.bool($0, "public") } == true ? ["all"] : [],
                createVolumeUserIDs: snapshot["shared_with"].map { walker.stringList($0, "shared_with") } ?? []
            )
        }
        for entry in expanded(fields["images"], "account.images") {
            guard let image = walker.fields(entry, allowed: ["id", "public"], required: ["id"], in: "image"),
                let id = image["id"].flatMap({ identifier($0, .imageID, "image id") })
            else { continue }
            account.images[id] = .init(
                id: id,
                launchGroups: image["public"].flatMap { walker.bool($0, "public") } == true ? ["all"] : []
            )
        }
        for entry in expanded(fields["users"], "account.users") { user(entry, into: &account) }
        for entry in expanded(fields["buckets"], "account.buckets") { bucket(entry, into: &account) }
        if let node = fields["account_public_access_block"] {
            account.accountPublicAccessBlock = publicAccessBlock(node)
        }
        for entry in expanded(fields["lambda_functions"], "account.lambda_functions") {
            guard
                let function = walker.fields(
                    entry,
                    allowed: ["name", "policy"],
                    required: ["name"],
                    in: "lambda function"
                ),
                let name = function["name"].flatMap({ walker.string($0, "name") })
            else { continue }
            account.lambdaFunctions[name] = .init(
                name: name,
                policy: function["policy"].map { $0.json.jsonText() },
                reservedConcurrency: nil
            )
        }
        for entry in expanded(fields["autoscaling_groups"], "account.autoscaling_groups") {
            guard
                let group = walker.fields(
                    entry,
                    allowed: ["name", "instances"],
                    required: ["name"],
                    in: "auto scaling group"
                ),
                let name = group["name"].flatMap({ walker.string($0, "name") })
            else { continue }
            var members: [String: String] = [:]
            for instance in group["instances"].map({ walker.stringList($0, "instances") }) ?? [] {
                if account.instances[instance] == nil {
                    error(
                        "auto scaling group \(name): no instance '\(instance)' in account.instances",
                        at: entry.location
                    )
                }
                members[instance] = "InService"
            }
            account.autoScalingGroups[name] = .init(name: name, instances: members)
        }
        for entry in expanded(fields["target_groups"], "account.target_groups") {
            guard
                let group = walker.fields(
                    entry,
                    allowed: ["arn", "targets", "port"],
                    required: ["arn"],
                    in: "target group"
                ),
                let arn = group["arn"].flatMap({ identifier($0, .arn, "target group arn") })
            else { continue }
            let port = group["port"].flatMap { walker.integer($0, "port", range: 0...65_535) }
            let targets = (group["targets"].map { walker.stringList($0, "targets") } ?? []).map {
                AccountState.TargetGroup.Target(id: $0, port: port, state: "healthy")
            }
            account.targetGroups[arn] = .init(arn: arn, targets: targets)
        }
        for entry in expanded(fields["trails"], "account.trails") {
            guard let trail = walker.fields(entry, allowed: ["name", "logging"], required: ["name"], in: "trail"),
                let name = trail["name"].flatMap({ walker.string($0, "name") })
            else { continue }
            account.trails[name] = .init(
                name: name,
                isLogging: trail["logging"].flatMap { walker.bool($0, "logging") } ?? true
            )
        }
        for entry in expanded(fields["sns_topics"], "account.sns_topics") {
            if let arn = identifier(entry, .topicARN, "topic arn") { account.snsTopics.insert(arn) }
        }
        return account
    }

    func securityGroup(_ node: YAMLNode, into account: inout AccountState) {
        guard
            let fields = walker.fields(
                node,
                allowed: ["id", "name", "vpc", "description", "ingress", "egress"],
                required: ["id", "vpc"],
                in: "security group"
            ),
            let id = fields["id"].flatMap({ identifier($0, .securityGroupID, "security group id") }),
            let vpcNode = fields["vpc"], let vpc = identifier(vpcNode, .vpcID, "vpc")
        else { return }
        if account.vpcs[vpc] == nil {
            error("security group \(id): no VPC '\(vpc)' in account.vpcs", at: vpcNode.location)
        }
        if account.securityGroups[id] != nil { error("duplicate security group '\(id)'", at: node.location) }
        account.securityGroups[id] = .init(
            id: id,
            name: fields["name"].flatMap { walker.string($0, "name") } ?? id,
            vpcID: vpc,
            description: fields["description"].flatMap { walker.string($0, "description") } ?? "",
            ingress: fields["ingress"].map { rules($0, "ingress") } ?? [],
            egress: fields["egress"].map { rules($0, "egress") } ?? [AccountState.Rule.allTraffic],
            tags: [:]
        )
    }

    func rules(_ node: YAMLNode, _ what: String) -> [AccountState.Rule] {
        guard case .sequence(let entries) = node.content else {
            error("\(what) must be a list of rules", at: node.location)
            return []
        }
        return entries.compactMap { entry in
            guard
                let fields = walker.fields(
                    entry,
                    allowed: ["protocol", "port", "from_port", "to_port", "cidr", "cidrs"],
                    required: ["protocol"],
                    in: "rule"
                )
            else { return nil }
            let ipProtocol = fields["protocol"].flatMap { walker.string($0, "protocol") } ?? "-1"
            let port = fields["port"].flatMap { walker.integer($0, "port", range: 0...65_535) }
            var cidrs = fields["cidrs"].map { walker.stringList($0, "cidrs") } ?? []
            if let cidr = fields["cidr"].flatMap({ walker.string($0, "cidr") }) { cidrs.append(cidr) }
            return AccountState.Rule(
                ipProtocol: ipProtocol,
                fromPort: ipProtocol == "-1"
                    ? nil : fields["from_port"].flatMap { walker.integer($0, "from_port", range: 0...65_535) } ?? port,
                toPort: ipProtocol == "-1"
                    ? nil : fields["to_port"].flatMap { walker.integer($0, "to_port", range: 0...65_535) } ?? port,
                ipv4Ranges: cidrs.filter { !$0.contains(":") },
                ipv6Ranges: cidrs.filter { $0.contains(":") }
            )
        }
    }

    func instance(_ node: YAMLNode, into account: inout AccountState) {
        guard
            let fields = walker.fields(
                node,
                allowed: [
                    "id", "state", "vpc", "subnet", "security_groups", "instance_profile", "volumes", "tags",
                    "imds", "termination_protection",
                ],
                required: ["id", "vpc", "subnet", "security_groups"],
                in: "instance"
            ),
            let id = fields["id"].flatMap({ identifier($0, .instanceID, "instance id") }),
            let vpcNode = fields["vpc"], let vpc = identifier(vpcNode, .vpcID, "vpc"),
            let subnet = fields["subnet"].flatMap({ identifier($0, .subnetID, "subnet") })
        else { return }
        if account.instances[id] != nil { error("duplicate instance '\(id)'", at: node.location) }
        if account.vpcs[vpc] == nil { error("instance \(id): no VPC '\(vpc)' in account.vpcs", at: vpcNode.location) }
        var groups: [String] = []
        if let groupsNode = fields["security_groups"] {
            groups = walker.stringList(groupsNode, "security_groups")
            for group in groups where account.securityGroups[group]?.vpcID != vpc {
                error("instance \(id): no security group '\(group)' in VPC \(vpc)", at: groupsNode.location)
            }
        }
        var profileARN: String?
        if let profileNode = fields["instance_profile"], let profile = walker.string(profileNode, "instance_profile") {
            if account.instanceProfiles[profile] == nil {
                error(
                    "instance \(id): no instance profile '\(profile)' in account.instance_profiles",
                    at: profileNode.location
                )
            }
            profileARN = "arn:\(account.partition):iam::\(account.accountID):instance-profile/\(profile)"
        }
        var devices: [AccountState.BlockDevice] = []
        let volumesNode = fields["volumes"]
        let volumes = volumesNode.map { walker.stringList($0, "volumes") } ?? []
        for (index, volume) in volumes.enumerated() {
            if let problem = ResourceIdentifierKind.volumeID.problem(with: volume) {
                error("volume: \(problem)", at: volumesNode?.location ?? node.location)
                continue
            }
            devices.append(
                .init(
                    deviceName: index == 0 ? "/dev/xvda" : "/dev/xvd\(Character(UnicodeScalar(UInt8(98 + index - 1))))",
                    volumeID: volume,
                    deleteOnTermination: true
                )
            )
            account.volumes[volume] = .init(id: volume, sizeGiB: 8, tags: [:])
        }
        let imds = fields["imds"].flatMap { walker.string($0, "imds") } ?? "optional"
        if imds != "optional" && imds != "required" {
            error("imds must be optional or required", at: fields["imds"]?.location ?? node.location)
        }
        account.instances[id] = .init(
            id: id,
            state: fields["state"].flatMap { walker.string($0, "state") } ?? "running",
            vpcID: vpc,
            subnetID: subnet,
            interfaces: [.init(id: "eni-\(id.dropFirst(2))", securityGroupIDs: groups)],
            instanceProfileARN: profileARN,
            profileAssociationID: profileARN.map { _ in "iip-assoc-\(id.dropFirst(2))" },
            blockDevices: devices,
            tags: fields["tags"].map { walker.stringMap($0, "tags") } ?? [:],
            httpTokens: imds,
            httpEndpoint: "enabled",
            hopLimit: 1,
            terminationProtection: fields["termination_protection"].flatMap {
                walker.bool($0, "termination_protection")
            }
                ?? false,
            shutdownBehavior: "stop"
        )
    }

    func user(_ node: YAMLNode, into account: inout AccountState) {
        guard
            let fields = walker.fields(
                node,
                allowed: ["name", "access_keys", "login_profile", "mfa_devices"],
                required: ["name"],
                in: "user"
            ),
            let name = fields["name"].flatMap({ identifier($0, .iamUserName, "user name") })
        else { return }
        var keys: [AccountState.AccessKey] = []
        if let keysNode = fields["access_keys"], case .sequence(let entries) = keysNode.content {
            for entry in entries {
                guard
                    let key = walker.fields(
                        entry,
                        allowed: ["id", "status", "created", "last_used"],
                        required: ["id"],
                        in: "access key"
                    ), let id = key["id"].flatMap({ identifier($0, .accessKeyID, "access key id") })
                else { continue }
                keys.append(
                    .init(
                        id: id,
                        status: key["status"].flatMap { walker.string($0, "status") } ?? "Active",
                        createDate: key["created"].flatMap { walker.string($0, "created") } ?? "2025-01-01T00:00:00Z",
                        lastUsed: key["last_used"].flatMap { walker.string($0, "last_used") }
                    )
                )
            }
        } else if let keysNode = fields["access_keys"] {
            error("access_keys must be a list", at: keysNode.location)
        }
        account.users[name] = .init(
            name: name,
            accessKeys: keys,
            hasLoginProfile: fields["login_profile"].flatMap { walker.bool($0, "login_profile") } ?? false,
            mfaDevices: fields["mfa_devices"].map { walker.stringList($0, "mfa_devices") } ?? [],
            inlinePolicies: [:]
        )
    }

    func bucket(_ node: YAMLNode, into account: inout AccountState) {
        guard
            let fields = walker.fields(
                node,
                allowed: ["name", "policy", "public_access_block", "tags"],
                required: ["name"],
                in: "bucket"
            ),
            let name = fields["name"].flatMap({ identifier($0, .bucketName, "bucket name") })
        else { return }
        account.buckets[name] = .init(
            name: name,
            policy: fields["policy"].map { $0.json.jsonText() },
            publicAccessBlock: fields["public_access_block"].flatMap(publicAccessBlock),
            tags: fields["tags"].map { walker.stringMap($0, "tags") } ?? [:]
        )
    }

    /// `none`, `all`, or the four settings by name.
    func publicAccessBlock(_ node: YAMLNode) -> AccountState.PublicAccessBlock? {
        if case .scalar(let text, _) = node.content {
            switch text {
            case "none": return nil
            case "all": return .allBlocked
            default:
                error("public_access_block must be none, all, or a mapping of the four settings", at: node.location)
                return nil
            }
        }
        let names = ["block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"]
        guard let fields = walker.fields(node, allowed: names, required: [], in: "public_access_block") else {
            return nil
        }
        func flag(_ name: String) -> Bool { fields[name].flatMap { walker.bool($0, name) } ?? false }
        return .init(
            blockPublicACLs: flag(names[0]),
            ignorePublicACLs: flag(names[1]),
            blockPublicPolicy: flag(names[2]),
            restrictPublicBuckets: flag(names[3])
        )
    }
}
