import Foundation
import RemedyCore
import RemedyPlaybooks

/// Reads a scenario file into a ``Scenario``, reporting every problem as `file:line:column: message`.
///
/// ```yaml
/// apiVersion: remedy/v1
/// kind: Scenario
/// name: crypto-mining-campaign
/// account: {id: "111122223333", region: us-east-1, roles: [{name: RemedyResponder}], ...}
/// approvers: [{principal: arn:aws:iam::111122223333:user/alice, groups: [incident-leads], decides: approve after 5m}]
/// findings: [{at: 2m, file: ../findings/raw/guardduty-cryptocurrency-bitcointool-dns.json}]
/// expect: ["instance i-0a1b2c3d4e5f60001 isolated within 30m", "no step failed"]
/// ```
///
/// A list entry with `count: N` stands for N entries; `{n}` in its strings becomes 1...N, zero-padded to the width
/// of N (`i-0c0ffee00000000{n}` with `count: 50` gives `...01` to `...50`).
public struct ScenarioParser {
    public init() {}

    /// Reads and checks the scenario at `path`; finding files are read relative to it.
    public func parse(path: String) -> Result<Scenario, DiagnosticsError> {
        let text: String
        do {
            text = try SourceFile.read(path)
        } catch {
            return .failure(
                DiagnosticsError([.error(error.message, at: SourceLocation(file: path, line: 1, column: 1))])
            )
        }
        return parse(text, file: path)
    }

    public func parse(_ text: String, file: String) -> Result<Scenario, DiagnosticsError> {
        let root: YAMLNode
        switch YAMLDocument.read(text, file: file) {
        case .success(let node): root = node
        case .failure(let error): return .failure(error)
        }
        let reader = ScenarioReader(file: file)
        let scenario = reader.scenario(root)
        if let scenario, !reader.diagnostics.containsErrors { return .success(scenario) }
        return .failure(DiagnosticsError(reader.diagnostics.sortedByLocation()))
    }

    /// Whether a YAML file is a scenario (`kind: Scenario`) rather than a playbook.
    public static func isScenario(_ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "kind: Scenario" }
    }
}

/// Walks a scenario's nodes, collecting diagnostics.
final class ScenarioReader {
    let file: String
    let walker: YAMLWalker

    init(file: String) {
        self.file = file
        walker = YAMLWalker(file: file)
    }

    var diagnostics: [Diagnostic] { walker.diagnostics }

    func error(_ message: String, at location: SourceLocation) {
        walker.error(message, at: location)
    }

    // MARK: Scenario

    func scenario(_ root: YAMLNode) -> Scenario? {
        guard
            let fields = walker.fields(
                root,
                allowed: [
                    "apiVersion", "kind", "name", "description", "start", "playbooks", "account", "approvers",
                    "findings", "expect", "notifications",
                ],
                required: ["apiVersion", "kind", "name", "account", "findings", "expect"],
                in: "scenario"
            )
        else { return nil }
        if let version = fields["apiVersion"], walker.string(version, "apiVersion") != "remedy/v1" {
            error("apiVersion must be remedy/v1", at: version.location)
        }
        if let kind = fields["kind"], walker.string(kind, "kind") != "Scenario" {
            error("kind must be Scenario", at: kind.location)
        }
        let name = fields["name"].flatMap { walker.string($0, "name") } ?? ""
        var start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        if let node = fields["start"], let text = walker.string(node, "start") {
            if let date = ISO8601DateFormatter().date(from: text) {
                start = date
            } else {
                error("start must be an ISO 8601 time such as 2026-03-14T09:00:00Z", at: node.location)
            }
        }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        let playbooks = fields["playbooks"].flatMap { walker.string($0, "playbooks") }.map {
            $0.hasPrefix("/") ? $0 : directory.appendingPathComponent($0).standardizedFileURL.path
        }
        guard let accountNode = fields["account"], var account = account(accountNode) else { return nil }
        let approvers = fields["approvers"].map { self.approvers($0) } ?? []
        let findings = fields["findings"].map { self.findings($0, directory: directory, account: account) } ?? []
        let expectations = fields["expect"].map { self.expectations($0) } ?? []
        var channels = ["default"]
        if let node = fields["notifications"],
            let notification = walker.fields(node, allowed: ["slack_channels"], required: [], in: "notifications"),
            let list = notification["slack_channels"]
        {
            channels += walker.stringList(list, "notifications.slack_channels")
        }
        account.nextSerial = 1
        return Scenario(
            name: name,
            description: fields["description"].flatMap { walker.string($0, "description") } ?? "",
            file: file,
            start: start,
            playbooks: playbooks,
            account: account,
            approvers: approvers,
            findings: findings,
            expectations: expectations,
            slackChannels: channels
        )
    }

    // MARK: Account

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

    private func securityGroup(_ node: YAMLNode, into account: inout AccountState) {
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

    private func rules(_ node: YAMLNode, _ what: String) -> [AccountState.Rule] {
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

    private func instance(_ node: YAMLNode, into account: inout AccountState) {
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

    private func user(_ node: YAMLNode, into account: inout AccountState) {
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

    private func bucket(_ node: YAMLNode, into account: inout AccountState) {
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
    private func publicAccessBlock(_ node: YAMLNode) -> AccountState.PublicAccessBlock? {
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

    // MARK: Approvers, findings, expectations

    func approvers(_ node: YAMLNode) -> [SimulatedApprover] {
        expanded(node, "approvers").compactMap { entry in
            guard
                let fields = walker.fields(
                    entry,
                    allowed: ["principal", "groups", "decides"],
                    required: ["principal", "decides"],
                    in: "approver"
                ),
                let principal = fields["principal"].flatMap({ walker.string($0, "principal") }),
                let decidesNode = fields["decides"], let decides = walker.string(decidesNode, "decides")
            else { return nil }
            let words = decides.split(separator: " ").map(String.init)
            let behaviour: SimulatedApprover.Behaviour
            switch (words.first, words.count) {
            case ("never", 1):
                behaviour = .never
            case ("approve", 3) where words[1] == "after", ("reject", 3) where words[1] == "after":
                guard let delay = DurationText.parse(words[2]) else {
                    error("'\(words[2])' is not a duration (45s, 5m, 1h)", at: decidesNode.location)
                    return nil
                }
                behaviour = words[0] == "approve" ? .approve(after: delay) : .reject(after: delay)
            default:
                error(
                    "decides must be 'approve after DURATION', 'reject after DURATION' or 'never'",
                    at: decidesNode.location
                )
                return nil
            }
            return SimulatedApprover(
                principal: principal,
                groups: fields["groups"].map { walker.stringList($0, "groups") } ?? [],
                behaviour: behaviour,
                location: entry.location
            )
        }
    }

    func findings(_ node: YAMLNode, directory: URL, account: AccountState) -> [InjectedFinding] {
        guard case .sequence(let entries) = node.content else {
            error("findings must be a list", at: node.location)
            return []
        }
        var injected: [InjectedFinding] = []
        for entry in entries {
            guard
                let fields = walker.fields(
                    entry,
                    allowed: ["at", "every", "count", "file", "inline", "set"],
                    required: ["at"],
                    in: "finding"
                )
            else { continue }
            let at = fields["at"].flatMap { walker.duration($0, "at") } ?? .zero
            let every = fields["every"].flatMap { walker.duration($0, "every") } ?? .zero
            let count = fields["count"].flatMap { walker.integer($0, "count", range: 1...1000) } ?? 1
            var document: JSONValue
            let origin: String
            switch (fields["file"], fields["inline"]) {
            case (let fileNode?, nil):
                guard let relative = walker.string(fileNode, "file") else { continue }
                let path = relative.hasPrefix("/") ? relative : directory.appendingPathComponent(relative).path
                do {
                    document = try JSONParser(limits: .findings).parse(try SourceFile.readBytes(path))
                } catch {
                    self.error("cannot read finding file \(relative): \(error)", at: fileNode.location)
                    continue
                }
                origin = relative
            case (nil, let inline?):
                document = inline.json
                origin = "inline"
            default:
                error("a finding needs exactly one of file or inline", at: entry.location)
                continue
            }
            var overrides: [(path: [String], value: JSONValue, location: SourceLocation)] = []
            if let setNode = fields["set"] {
                guard case .mapping(let pairs) = setNode.content else {
                    error("set must map JSON paths (detail.id) to values", at: setNode.location)
                    continue
                }
                overrides = pairs.map { ($0.key.split(separator: ".").map(String.init), $0.value.json, $0.keyLocation) }
            }
            let width = String(count).count
            for index in 1...count {
                var copy = document
                for override in overrides {
                    let value = Self.substitute(override.value, index: index, width: width, count: count)
                    guard let updated = Self.setting(copy, at: override.path, to: value) else {
                        error(
                            "the finding has no member at '\(override.path.joined(separator: "."))'",
                            at: override.location
                        )
                        break
                    }
                    copy = updated
                }
                if count == 1 { copy = Self.substitute(copy, index: 1, width: 1, count: 1) }
                injected.append(
                    InjectedFinding(
                        at: at + every * (index - 1),
                        document: copy,
                        origin: origin,
                        location: entry.location
                    )
                )
            }
        }
        return injected.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    func expectations(_ node: YAMLNode) -> [Expectation] {
        guard case .sequence(let entries) = node.content else {
            error("expect must be a list of expectations", at: node.location)
            return []
        }
        return entries.compactMap { entry in
            guard let text = walker.string(entry, "expectation") else { return nil }
            switch ExpectationGrammar.parse(text) {
            case .success(let check): return Expectation(text: text, check: check, location: entry.location)
            case .failure(let problem):
                error(problem.message, at: entry.location)
                return nil
            }
        }
    }

    // MARK: Values

    static func substitute(_ value: JSONValue, index: Int, width: Int, count: Int) -> JSONValue {
        switch value {
        case .string(let text) where text.contains("{n}"):
            let number = String(index)
            return .string(
                text.replacingOccurrences(of: "{n}", with: String(repeating: "0", count: width - number.count) + number)
            )
        case .array(let elements):
            return .array(elements.map { substitute($0, index: index, width: width, count: count) })
        case .object(let members):
            return .object(members.mapValues { substitute($0, index: index, width: width, count: count) })
        default: return value
        }
    }

    /// The document with the member at `path` replaced; nil when the path leads nowhere (a typo).
    static func setting(_ document: JSONValue, at path: [String], to value: JSONValue) -> JSONValue? {
        guard let first = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch document {
        case .object(var members):
            let existing: JSONValue? = members[first] ?? (rest.isEmpty ? JSONValue.null : nil)
            guard let child = existing, let updated = setting(child, at: rest, to: value) else { return nil }
            members[first] = updated
            return .object(members)
        case .array(var elements):
            guard let index = Int(first), elements.indices.contains(index),
                let updated = setting(elements[index], at: rest, to: value)
            else { return nil }
            elements[index] = updated
            return .array(elements)
        default:
            return nil
        }
    }

    /// The entries of a list, each `count: N` entry expanded N times with `{n}` substituted.
    func expanded(_ node: YAMLNode?, _ what: String) -> [YAMLNode] {
        guard let node else { return [] }
        guard case .sequence(let entries) = node.content else {
            error("\(what) must be a list", at: node.location)
            return []
        }
        var result: [YAMLNode] = []
        for entry in entries {
            guard case .mapping(let pairs) = entry.content, let countEntry = pairs.first(where: { $0.key == "count" })
            else {
                result.append(entry)
                continue
            }
            guard let count = walker.integer(countEntry.value, "count", range: 1...1000) else { continue }
            let width = String(count).count
            let template = YAMLNode(content: .mapping(pairs.filter { $0.key != "count" }), location: entry.location)
            for index in 1...count { result.append(Self.substitute(template, index: index, width: width)) }
        }
        return result
    }

    static func substitute(_ node: YAMLNode, index: Int, width: Int) -> YAMLNode {
        var copy = node
        switch node.content {
        case .scalar(let text, let value) where text.contains("{n}"):
            let number = String(index)
            let replaced = text.replacingOccurrences(
                of: "{n}",
                with: String(repeating: "0", count: width - number.count) + number
            )
            copy.content = .scalar(text: replaced, value: value.stringValue != nil ? .string(replaced) : value)
        case .sequence(let nodes):
            copy.content = .sequence(nodes.map { substitute($0, index: index, width: width) })
        case .mapping(let entries):
            copy.content = .mapping(
                entries.map {
                    .init(
                        key: $0.key,
                        keyLocation: $0.keyLocation,
                        value: substitute($0.value, index: index, width: width)
                    )
                }
            )
        default:
            break
        }
        return copy
    }

    func identifier(_ node: YAMLNode, _ kind: ResourceIdentifierKind, _ what: String) -> String? {
        guard let text = walker.string(node, what) else { return nil }
        if let problem = kind.problem(with: text) {
            error("\(what): \(problem)", at: node.location)
            return nil
        }
        return text
    }
}

/// The expectation sentences a scenario may use.
enum ExpectationGrammar {
    struct Problem: Error {
        var message: String
    }

    static let forms = [
        "instance SELECTOR isolated [within DURATION]", "instance SELECTOR not isolated", "instance SELECTOR stopped",
        "key ACCESS_KEY_ID inactive [within DURATION]", "user NAME has no console access [within DURATION]",
        "bucket NAME not public [within DURATION]", "snapshot ID private [within DURATION]", "no finding unmatched",
        "no step failed", "finding ID run succeeded|failed|parked", "notification sent [to DESTINATION]",
    ]

    static func parse(_ text: String) -> Result<Expectation.Check, Problem> {
        var words = text.split(separator: " ").map(String.init)
        var within: Duration?
        if words.count >= 2, words[words.count - 2] == "within" {
            guard let duration = DurationText.parse(words[words.count - 1]) else {
                return .failure(Problem(message: "'\(words[words.count - 1])' is not a duration (45s, 5m, 1h)"))
            }
            within = duration
            words.removeLast(2)
        }
        func selector(_ word: String) -> Expectation.InstanceSelector {
            if word == "*" { return .all }
            if word.hasPrefix("tag:"), let equals = word.firstIndex(of: "=") {
                return .tag(
                    key: String(word[word.index(word.startIndex, offsetBy: 4)..<equals]),
                    value: String(word[word.index(after: equals)...])
                )
            }
            return .id(word)
        }
        switch words {
        case let w where w.count == 3 && w[0] == "instance" && w[2] == "isolated":
            return .success(.isolated(selector(w[1]), within: within))
        case let w where w.count == 4 && w[0] == "instance" && w[2] == "not" && w[3] == "isolated" && within == nil:
            return .success(.notIsolated(selector(w[1])))
        case let w where w.count == 3 && w[0] == "instance" && w[2] == "stopped" && within == nil:
            return .success(.stopped(selector(w[1])))
        case let w where w.count == 3 && w[0] == "key" && w[2] == "inactive":
            return .success(.keyInactive(w[1], within: within))
        case let w where w.count == 6 && w[0] == "user" && w[2...] == ["has", "no", "console", "access"]:
            return .success(.noConsoleAccess(user: w[1], within: within))
        case let w where w.count == 4 && w[0] == "bucket" && w[2] == "not" && w[3] == "public":
            return .success(.bucketNotPublic(w[1], within: within))
        case let w where w.count == 3 && w[0] == "snapshot" && w[2] == "private":
            return .success(.snapshotPrivate(w[1], within: within))
        case ["no", "finding", "unmatched"] where within == nil:
            return .success(.noFindingUnmatched)
        case ["no", "step", "failed"] where within == nil:
            return .success(.noStepFailed)
        case let w
        where w.count == 4 && w[0] == "finding" && w[2] == "run" && ["succeeded", "failed", "parked"].contains(w[3])
            && within == nil:
            return .success(.runStatus(finding: w[1], status: w[3]))
        case ["notification", "sent"] where within == nil:
            return .success(.notified(destination: nil))
        case let w where w.count == 4 && w[0] == "notification" && w[1] == "sent" && w[2] == "to" && within == nil:
            return .success(.notified(destination: w[3]))
        default:
            return .failure(
                Problem(message: "cannot read expectation '\(text)'; expected one of: \(forms.joined(separator: "; "))")
            )
        }
    }
}
