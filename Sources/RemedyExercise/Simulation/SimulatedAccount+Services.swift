import Foundation
import RemedyCore

/// Auto Scaling, ELBv2, SNS (`query`), S3 and S3 Control (`rest-xml`), GuardDuty and Security Hub (`rest-json`),
/// CloudTrail (`json`).
extension SimulatedAccount {
    // MARK: Auto Scaling

    func autoScaling(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        let instanceIDs = form.list("InstanceIds.member")
        switch operation {
        case "DescribeAutoScalingInstances":
            let items = state.autoScalingGroups.values.sorted { $0.name < $1.name }.flatMap { group in
                group.instances.keys.sorted().filter { instanceIDs.isEmpty || instanceIDs.contains($0) }.map { id in
                    XML.leaf("InstanceId", id) + XML.leaf("AutoScalingGroupName", group.name)
                        + XML.leaf("LifecycleState", group.instances[id] ?? "InService")
                        + XML.leaf("HealthStatus", "HEALTHY")
                }
            }
            return XML.list("AutoScalingInstances", items, item: "member")
        case "DetachInstances", "AttachInstances":
            let name = form["AutoScalingGroupName"] ?? ""
            guard var group = state.autoScalingGroups[name] else {
                throw AWSFault(400, "ValidationError", "AutoScalingGroup name not found - \(name)")
            }
            for id in instanceIDs {
                if operation == "DetachInstances" {
                    guard group.instances[id] != nil else {
                        throw AWSFault(
                            400,
                            "ValidationError",
                            "The instance \(id) is not part of Auto Scaling group \(name)."
                        )
                    }
                    group.instances[id] = nil
                } else {
                    _ = try instance(id)
                    group.instances[id] = "InService"
                }
            }
            state.autoScalingGroups[name] = group
            return operation == "DetachInstances" ? XML.list("Activities", [], item: "member") : ""
        default:
            throw .unsupported("autoscaling", operation)
        }
    }

    // MARK: ELBv2

    func elasticLoadBalancing(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        switch operation {
        case "DescribeTargetGroups":
            return XML.list(
                "TargetGroups",
                state.targetGroups.keys.sorted().map { XML.leaf("TargetGroupArn", $0) },
                item: "member"
            )
        case "DescribeTargetHealth":
            let group = try targetGroup(form["TargetGroupArn"])
            return XML.list(
                "TargetHealthDescriptions",
                group.targets.map { target in
                    XML.node(
                        "Target",
                        [XML.leaf("Id", target.id)] + (target.port.map { [XML.leaf("Port", $0)] } ?? [])
                    ) + XML.node("TargetHealth", [XML.leaf("State", target.state)])
                },
                item: "member"
            )
        case "DeregisterTargets", "RegisterTargets":
            var group = try targetGroup(form["TargetGroupArn"])
            let id = form["Targets.member.1.Id"] ?? ""
            let port = form["Targets.member.1.Port"].flatMap(Int.init)
            _ = try instance(id)
            if operation == "DeregisterTargets" {
                // Deregistered targets drain before they disappear; the exercise lets them go at once.
                group.targets.removeAll { $0.id == id && (port == nil || $0.port == port) }
            } else if !group.targets.contains(where: { $0.id == id && $0.port == port }) {
                group.targets.append(.init(id: id, port: port, state: "healthy"))
            }
            state.targetGroups[group.arn] = group
            return ""
        default:
            throw .unsupported("elasticloadbalancing", operation)
        }
    }

    private func targetGroup(_ arn: String?) throws(AWSFault) -> AccountState.TargetGroup {
        guard let arn, let group = state.targetGroups[arn] else {
            throw AWSFault(400, "TargetGroupNotFound", "Target groups '\(arn ?? "")' not found")
        }
        return group
    }

    // MARK: SNS

    func sns(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        switch operation {
        case "Publish":
            let topic = form["TopicArn"] ?? ""
            guard state.snsTopics.contains(topic) else { throw AWSFault(404, "NotFound", "Topic does not exist") }
            notifications.append(
                Notification(at: clock.now, channel: "sns", destination: topic, message: form["Message"] ?? "")
            )
            return XML.leaf("MessageId", String(format: "e5e00000-0000-4000-8000-%012d", notifications.count))
        default:
            throw .unsupported("sns", operation)
        }
    }

    // MARK: S3

    func s3(_ wire: WireRequest, _ caller: Caller) -> (String, String, Result<Body, AWSFault>) {
        let subresource = wire.query.first?.name ?? ""
        var bucketName = ""
        if let range = wire.host.range(of: ".s3.") ?? wire.host.range(of: ".s3-") {
            bucketName = String(wire.host[..<range.lowerBound])
        } else {
            bucketName = wire.path.split(separator: "/").first.map(String.init) ?? ""
        }
        let verb = ["GET": "Get", "PUT": "Put", "DELETE": "Delete"][wire.method] ?? wire.method
        let operation: String
        switch subresource {
        case "publicAccessBlock": operation = "\(verb)PublicAccessBlock"
        case "policy": operation = "\(verb)BucketPolicy"
        case "policyStatus": operation = "GetBucketPolicyStatus"
        case "tagging": operation = "\(verb)BucketTagging"
        default: operation = "\(wire.method) ?\(subresource)"
        }
        let outcome = Result<Body, AWSFault> { () throws(AWSFault) -> Body in
            try authorize(caller, service: "s3", operation: operation, form: nil)
            guard var bucket = state.buckets[bucketName] else {
                throw AWSFault(404, "NoSuchBucket", "The specified bucket does not exist")
            }
            let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"
            switch operation {
            case "GetPublicAccessBlock":
                guard let block = bucket.publicAccessBlock else {
                    throw AWSFault(
                        404,
                        "NoSuchPublicAccessBlockConfiguration",
                        "The public access block configuration was not found"
                    )
                }
                return .document(Self.publicAccessBlockXML(block, namespace: namespace))
            case "PutPublicAccessBlock":
                bucket.publicAccessBlock = try Self.parsePublicAccessBlock(wire.body)
            case "DeletePublicAccessBlock":
                bucket.publicAccessBlock = nil
            case "GetBucketPolicy":
                guard let policy = bucket.policy else {
                    throw AWSFault(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
                }
                return .raw(Array(policy.utf8), contentType: "application/json")
            case "PutBucketPolicy":
                let text = String(decoding: wire.body, as: UTF8.self)
                guard (try? JSONParser().parse(wire.body)) != nil else {
                    throw AWSFault(400, "MalformedPolicy", "Policies must be valid JSON")
                }
                if bucket.publicAccessBlock?.blockPublicPolicy == true, PolicyDocument.grantsPublicAccess(text) {
                    throw AWSFault(403, "AccessDenied", "Access Denied: BlockPublicPolicy refuses a public policy")
                }
                bucket.policy = text
            case "DeleteBucketPolicy":
                bucket.policy = nil
            case "GetBucketTagging":
                guard !bucket.tags.isEmpty else { throw AWSFault(404, "NoSuchTagSet", "The TagSet does not exist") }
                let tags = bucket.tags.sorted { $0.key < $1.key }.map {
                    XML.leaf("Key", $0.key) + XML.leaf("Value", $0.value)
                }
                return .document(
                    "<Tagging xmlns=\"\(namespace)\"><TagSet>"
                        + tags.map { "<Tag>\($0)</Tag>" }.joined() + "</TagSet></Tagging>"
                )
            case "GetBucketPolicyStatus":
                return .document(
                    "<PolicyStatus xmlns=\"\(namespace)\"><IsPublic>\(bucket.isPublic)</IsPublic></PolicyStatus>"
                )
            default:
                throw .unsupported("s3", operation)
            }
            state.buckets[bucketName] = bucket
            return .raw([], contentType: "application/xml")
        }
        return (operation, bucketName, outcome)
    }

    func s3Control(_ wire: WireRequest, _ caller: Caller) -> (String, String, Result<Body, AWSFault>) {
        let verb = ["GET": "Get", "PUT": "Put", "DELETE": "Delete"][wire.method] ?? wire.method
        let operation = wire.path.hasSuffix("/configuration/publicAccessBlock") ? "\(verb)PublicAccessBlock" : wire.path
        let account = wire.header("x-amz-account-id") ?? ""
        let outcome = Result<Body, AWSFault> { () throws(AWSFault) -> Body in
            try authorize(caller, service: "s3", operation: operation, form: nil)
            guard account == state.accountID else {
                throw AWSFault(403, "AccessDenied", "Access Denied for account \(account)")
            }
            switch operation {
            case "GetPublicAccessBlock":
                guard let block = state.accountPublicAccessBlock else {
                    throw AWSFault(
                        404,
                        "NoSuchPublicAccessBlockConfiguration",
                        "The public access block configuration was not found"
                    )
                }
                return .document(
                    Self.publicAccessBlockXML(block, namespace: "http://awss3control.amazonaws.com/doc/2018-08-20/")
                )
            case "PutPublicAccessBlock":
                state.accountPublicAccessBlock = try Self.parsePublicAccessBlock(wire.body)
            case "DeletePublicAccessBlock":
                state.accountPublicAccessBlock = nil
            default:
                throw .unsupported("s3control", operation)
            }
            return .raw([], contentType: "application/xml")
        }
        return (operation, "account \(account)", outcome)
    }

    static func publicAccessBlockXML(_ block: AccountState.PublicAccessBlock, namespace: String) -> String {
        "<PublicAccessBlockConfiguration xmlns=\"\(namespace)\">"
            + XML.leaf("BlockPublicAcls", block.blockPublicACLs) + XML.leaf("IgnorePublicAcls", block.ignorePublicACLs)
            + XML.leaf("BlockPublicPolicy", block.blockPublicPolicy)
            + XML.leaf("RestrictPublicBuckets", block.restrictPublicBuckets) + "</PublicAccessBlockConfiguration>"
    }

    static func parsePublicAccessBlock(_ body: [UInt8]) throws(AWSFault) -> AccountState.PublicAccessBlock {
        let text = String(decoding: body, as: UTF8.self)
        func flag(_ name: String) -> Bool { text.contains("<\(name)>true</\(name)>") }
        guard text.contains("PublicAccessBlockConfiguration") else {
            throw AWSFault(400, "MalformedXML", "The XML you provided was not well-formed")
        }
        return .init(
            blockPublicACLs: flag("BlockPublicAcls"),
            ignorePublicACLs: flag("IgnorePublicAcls"),
            blockPublicPolicy: flag("BlockPublicPolicy"),
            restrictPublicBuckets: flag("RestrictPublicBuckets")
        )
    }

    // MARK: GuardDuty and Security Hub

    func restJSON(_ service: String, _ wire: WireRequest, _ caller: Caller) -> (String, String, Result<Body, AWSFault>)
    {
        let document = (try? JSONParser().parse(wire.body)) ?? [:]
        let segments = wire.path.split(separator: "/").map(String.init)
        let operation: String
        switch (service, wire.method, segments.count, segments.last) {
        case ("guardduty", "GET", 1, _): operation = "ListDetectors"
        case ("guardduty", "POST", 4, "get"): operation = "GetFindings"
        case ("guardduty", "POST", 4, "archive"): operation = "ArchiveFindings"
        case ("guardduty", "POST", 4, "unarchive"): operation = "UnarchiveFindings"
        case ("securityhub", "PATCH", _, "batchupdate"): operation = "BatchUpdateFindings"
        case ("securityhub", "POST", 1, "findings"): operation = "GetFindings"
        default: operation = "\(wire.method) \(wire.path)"
        }
        let ids = (document["findingIds"]?.arrayValue ?? []).compactMap(\.stringValue)
        let outcome = Result<Body, AWSFault> { () throws(AWSFault) -> Body in
            try authorize(caller, service: service, operation: operation, form: nil)
            if service == "guardduty", segments.count >= 2, segments[1] != state.guardDutyDetector {
                throw AWSFault(
                    400,
                    "BadRequestException",
                    "The request is rejected because the input detectorId is not owned by the current account."
                )
            }
            switch operation {
            case "ListDetectors" where service == "guardduty":
                return .json(["detectorIds": [.string(state.guardDutyDetector)]])
            case "GetFindings" where service == "guardduty":
                return .json([
                    "findings": .array(
                        ids.compactMap { id in
                            state.guardDutyFindings[id].map { finding in
                                var document = finding.document
                                if case .object(var members) = document {
                                    var serviceMembers = members["service"]?.objectValue ?? [:]
                                    serviceMembers["archived"] = .bool(finding.archived)
                                    members["service"] = .object(serviceMembers)
                                    document = .object(members)
                                }
                                return document
                            }
                        }
                    )
                ])
            case "ArchiveFindings", "UnarchiveFindings":
                for id in ids {
                    guard state.guardDutyFindings[id] != nil else {
                        throw AWSFault(
                            400,
                            "BadRequestException",
                            "The request is rejected because the finding \(id) does not exist."
                        )
                    }
                    state.guardDutyFindings[id]?.archived = operation == "ArchiveFindings"
                }
                return .json([:])
            case "BatchUpdateFindings":
                var unprocessed: [JSONValue] = []
                let status = document["Workflow"]?["Status"]?.stringValue
                let note = document["Note"]?["Text"]?.stringValue
                for identifier in document["FindingIdentifiers"]?.arrayValue ?? [] {
                    let id = identifier["Id"]?.stringValue ?? ""
                    guard var finding = state.securityHubFindings[id],
                        finding.productARN == identifier["ProductArn"]?.stringValue
                    else {
                        unprocessed.append([
                            "FindingIdentifier": identifier, "ErrorCode": "FindingNotFound",
                            "ErrorMessage": "Finding Not Found",
                        ])
                        continue
                    }
                    if let status { finding.workflowStatus = status }
                    if let note { finding.notes.append(note) }
                    state.securityHubFindings[id] = finding
                }
                return .json(["ProcessedFindings": [], "UnprocessedFindings": .array(unprocessed)])
            case "GetFindings":
                let wanted = (document["Filters"]?["Id"]?.arrayValue ?? []).compactMap { $0["Value"]?.stringValue }
                return .json([
                    "Findings": .array(
                        wanted.compactMap { id in
                            state.securityHubFindings[id].map { finding in
                                var document = finding.document
                                if case .object(var members) = document {
                                    members["Workflow"] = ["Status": .string(finding.workflowStatus)]
                                    document = .object(members)
                                }
                                return document
                            }
                        }
                    )
                ])
            default:
                throw .unsupported(service, operation)
            }
        }
        let target = ids.first ?? (document["FindingIdentifiers"]?[0]?["Id"]?.stringValue ?? "")
        return (operation, target, outcome)
    }

    // MARK: CloudTrail

    func jsonService(_ service: String, _ operation: String, _ document: JSONValue) throws(AWSFault) -> JSONValue {
        guard service == "cloudtrail" else { throw .unsupported(service, operation) }
        let name = document["Name"]?.stringValue ?? ""
        let trailName = name.split(separator: "/").last.map(String.init) ?? name
        guard var trail = state.trails[trailName] else {
            throw AWSFault(400, "TrailNotFoundException", "Unknown trail: \(name) for the user: \(state.accountID)")
        }
        switch operation {
        case "GetTrailStatus":
            return ["IsLogging": .bool(trail.isLogging)]
        case "StartLogging":
            trail.isLogging = true
            state.trails[trailName] = trail
            return [:]
        default:
            throw .unsupported(service, operation)
        }
    }
}
