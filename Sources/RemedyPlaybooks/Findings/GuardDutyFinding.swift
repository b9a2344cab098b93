import RemedyCore

/// GuardDuty's finding format (the `Finding` shape of the GuardDuty API), in camelCase or PascalCase.
enum GuardDutyFinding {
    static func looksLikeGuardDuty(_ document: JSONValue) -> Bool {
        let keys = document.objectValue.map { Set($0.keys) } ?? []
        return (keys.contains("type") && keys.contains("accountId") && keys.contains("resource"))
            || (keys.contains("Type") && keys.contains("AccountId") && keys.contains("Resource"))
    }

    /// The finding, or for an attack sequence one finding per member resource (that member first), so each member
    /// reaches the playbooks of its kind: a compromised instance group is every instance contained, not the first.
    static func normaliseAll(_ original: JSONValue, envelopeTime: String? = nil) throws(FindingInputError) -> [Finding]
    {
        let finding = try normalise(original, envelopeTime: envelopeTime)
        guard finding.isAttackSequence, finding.resources.count > 1 else { return [finding] }
        return finding.resources.indices.map { index in
            var member = finding
            member.resources.swapAt(0, index)
            return member
        }
    }

    /// `envelopeTime` is the time of the event or notification the finding came in, for a finding without times.
    static func normalise(_ original: JSONValue, envelopeTime: String? = nil) throws(FindingInputError) -> Finding {
        guard case .object(let members) = original else {
            throw FindingInputError(.invalidFinding, "a GuardDuty finding must be a JSON object")
        }
        // The AWS CLI prints the API's camelCase members in PascalCase; read both the same way.
        let document = members["AccountId"] != nil ? original.lowercasingFirstLetterOfKeys() : original
        let fields = FindingFields(document: document, kind: "GuardDuty finding")

        let id = try fields.identifier(try fields.required("id"), .findingID, field: "id")
        let type = try fields.required("type")
        guard type.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }), type.count <= 256
        else {
            throw FindingInputError(
                .invalidFinding,
                "GuardDuty finding field type: \(ResourceIdentifierKind.quoted(type)) is not a finding type"
            )
        }
        let account = try fields.identifier(try fields.required("accountId"), .accountID, field: "accountId")
        let region = try fields.identifier(try fields.required("region"), .region, field: "region")
        guard let score = fields.number("severity"), (0...10).contains(score) else {
            throw FindingInputError(.invalidFinding, "GuardDuty finding is missing severity (a number from 1 to 10)")
        }
        let partition: Partition
        if let text = fields.string("partition") {
            guard let known = Partition(rawValue: text) else {
                throw FindingInputError(
                    .invalidFinding,
                    "GuardDuty finding field partition: unknown partition '\(text)'"
                )
            }
            partition = known
        } else {
            partition = Partition(region: region)
        }
        let createdAt = fields.string("createdAt").flatMap(fields.validTimestamp)
        let (updatedAt, origin) = try fields.updateTime(
            updated: fields.string("updatedAt"),
            created: createdAt,
            envelope: envelopeTime
        )
        let archived = document.value(at: ["service", "archived"])?.boolValue ?? false
        let title = fields.string("title")

        return Finding(
            id: id,
            source: .guardduty,
            types: [type],
            title: title,
            severity: .guardDuty(score),
            account: account,
            region: region,
            partition: partition,
            resources: type.hasPrefix("AttackSequence:")
                ? try sequenceResources(document, fields: fields, region: region)
                : try resources(document, fields: fields, region: region),
            createdAt: createdAt,
            updatedAt: updatedAt,
            updatedAtOrigin: origin,
            isSample: isSample(document, title: title),
            workflowStatus: archived ? "ARCHIVED" : nil,
            // raw is the finding as the GuardDuty API writes it (camelCase), so playbook paths into it work for
            // every feed.
            raw: document
        )
    }

    private static func resources(
        _ document: JSONValue,
        fields: FindingFields,
        region: String
    )
        throws(FindingInputError) -> [FindingResource]
    {
        let resource = document["resource"] ?? .null
        switch resource["resourceType"]?.stringValue {
        case "Instance":
            let details = resource["instanceDetails"] ?? .null
            guard let instanceID = details["instanceId"]?.stringValue else {
                throw FindingInputError(
                    .invalidFinding,
                    "GuardDuty finding is missing resource.instanceDetails.instanceId"
                )
            }
            let id = try fields.resourceID(
                instanceID,
                field: "resource.instanceDetails.instanceId",
                naming: "an instance id"
            )
            return [
                FindingResource(
                    type: "AwsEc2Instance",
                    id: id,
                    region: region,
                    tags: tags(details["tags"]),
                    details: details
                )
            ]
        case "AccessKey":
            let details = resource["accessKeyDetails"] ?? .null
            guard let keyID = details["accessKeyId"]?.stringValue else {
                throw FindingInputError(
                    .invalidFinding,
                    "GuardDuty finding is missing resource.accessKeyDetails.accessKeyId"
                )
            }
            let id = try fields.resourceID(
                keyID,
                field: "resource.accessKeyDetails.accessKeyId",
                naming: "an access key id"
            )
            if let user = details["userName"]?.stringValue {
                _ = try fields.resourceID(user, field: "resource.accessKeyDetails.userName")
            }
            return [FindingResource(type: "AwsIamAccessKey", id: id, region: region, details: details)]
        case "S3Bucket":
            guard case .array(let buckets)? = resource["s3BucketDetails"], let first = buckets.first,
                let name = first["name"]?.stringValue
            else {
                throw FindingInputError(
                    .invalidFinding,
                    "GuardDuty finding is missing resource.s3BucketDetails[0].name"
                )
            }
            var result: [FindingResource] = []
            for (index, bucket) in buckets.enumerated() {
                let bucketName = bucket["name"]?.stringValue ?? name
                let id = try fields.resourceID(
                    bucketName,
                    field: "resource.s3BucketDetails[\(index)].name",
                    naming: "a bucket name"
                )
                result.append(
                    FindingResource(
                        type: "AwsS3Bucket",
                        id: id,
                        arn: bucket["arn"]?.stringValue,
                        region: region,
                        tags: tags(bucket["tags"]),
                        details: bucket
                    )
                )
            }
            return result
        case "Lambda":
            return try named(
                "AwsLambdaFunction",
                in: resource,
                details: "lambdaDetails",
                name: "functionName",
                arn: "functionArn",
                naming: "a resource id",
                fields: fields,
                region: region
            )
        case "RDSDBInstance":
            return try named(
                "AwsRdsDbInstance",
                in: resource,
                details: "rdsDbInstanceDetails",
                name: "dbInstanceIdentifier",
                arn: "dbInstanceArn",
                naming: "a DB instance identifier",
                fields: fields,
                region: region
            )
        case "EKSCluster":
            return try named(
                "AwsEksCluster",
                in: resource,
                details: "eksClusterDetails",
                name: "name",
                arn: "arn",
                naming: "an EKS cluster name",
                fields: fields,
                region: region
            )
        default:
            // Other resource kinds (ECS, containers, ...) have no remedy actions yet; they match on type alone.
            return []
        }
    }

    /// The one resource of `type` a finding names in `resource.<details>.<name>`, or none when it names none.
    private static func named(
        _ type: String,
        in resource: JSONValue,
        details key: String,
        name: String,
        arn: String,
        naming: String,
        fields: FindingFields,
        region: String
    ) throws(FindingInputError) -> [FindingResource] {
        let details = resource[key] ?? .null
        guard let value = details[name]?.stringValue else { return [] }
        let id = try fields.resourceID(value, field: "resource.\(key).\(name)", naming: naming)
        return [
            FindingResource(
                type: type,
                id: id,
                arn: details[arn]?.stringValue,
                region: region,
                tags: tags(details["tags"]),
                details: details
            )
        ]
    }

    /// Whether GuardDuty generated the finding as a sample (`CreateSampleFindings`, the console's "Generate sample
    /// findings"): `service.additionalInfo` says `"sample": true`, as a member or inside its JSON-text `value` (the
    /// API's modelled form), or the title carries the console's `[SAMPLE]`.
    static func isSample(_ document: JSONValue, title: String?) -> Bool {
        if title?.hasPrefix("[SAMPLE]") == true { return true }
        guard let info = document.value(at: ["service", "additionalInfo"]) else { return false }
        if info["sample"]?.boolValue == true { return true }
        guard let text = info["value"]?.stringValue,
            let value = try? JSONParser(limits: .init(maximumBytes: 65_536, maximumDepth: 16)).parse(text)
        else { return false }
        return value["sample"]?.boolValue == true
    }

    /// An Extended Threat Detection attack sequence names its members in `service.detection.sequence.resources`;
    /// the first is the resource the playbooks of its kind act on (an instance, a bucket, an access key).
    static func sequenceResources(
        _ document: JSONValue,
        fields: FindingFields,
        region: String
    ) throws(FindingInputError) -> [FindingResource] {
        guard case .array(let members)? = document.value(at: ["service", "detection", "sequence", "resources"]) else {
            return try resources(document, fields: fields, region: region)
        }
        var resources: [FindingResource] = []
        for (index, member) in members.enumerated() {
            guard let kind = member["resourceType"]?.stringValue, let uid = member["uid"]?.stringValue else {
                continue
            }
            let field = "service.detection.sequence.resources[\(index)].uid"
            let arn = ARN(uid)
            let resource: FindingResource
            switch kind {
            case "EC2_INSTANCE":
                let id = arn.map { String($0.resource.split(separator: "/").last ?? "") } ?? uid
                resource = FindingResource(
                    type: "AwsEc2Instance",
                    id: try fields.resourceID(id, field: field),
                    arn: arn?.description,
                    region: member["region"]?.stringValue ?? region,
                    tags: tags(member["tags"]),
                    details: member["data"]?["ec2Instance"] ?? .null
                )
            case "S3_BUCKET":
                resource = FindingResource(
                    type: "AwsS3Bucket",
                    id: try fields.resourceID(arn?.resource ?? uid, field: field),
                    arn: arn?.description,
                    region: member["region"]?.stringValue ?? region,
                    tags: tags(member["tags"]),
                    details: member["data"]?["s3Bucket"] ?? .null
                )
            case "ACCESS_KEY":
                resource = FindingResource(
                    type: "AwsIamAccessKey",
                    id: try fields.resourceID(uid, field: field),
                    region: member["region"]?.stringValue ?? region,
                    details: member["data"]?["accessKey"] ?? .null
                )
            default:
                resource = FindingResource(
                    type: kind,
                    id: try fields.resourceID(uid, field: field),
                    region: member["region"]?.stringValue ?? region,
                    details: member["data"] ?? .null
                )
            }
            resources.append(resource)
        }
        return resources
    }

    /// GuardDuty tags are `[{"key": ..., "value": ...}]`; nil when the finding says nothing about tags.
    static func tags(_ value: JSONValue?) -> [String: String]? {
        guard case .array(let entries)? = value else { return nil }
        var tags: [String: String] = [:]
        for entry in entries {
            if let key = entry["key"]?.stringValue { tags[key] = entry["value"]?.stringValue ?? "" }
        }
        return tags
    }
}
