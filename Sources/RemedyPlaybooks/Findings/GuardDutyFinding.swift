import RemedyCore

/// GuardDuty's finding format (the `Finding` shape of the GuardDuty API), in camelCase or PascalCase.
enum GuardDutyFinding {
    static func looksLikeGuardDuty(_ document: JSONValue) -> Bool {
        let keys = document.objectValue.map { Set($0.keys) } ?? []
        return (keys.contains("type") && keys.contains("accountId") && keys.contains("resource"))
            || (keys.contains("Type") && keys.contains("AccountId") && keys.contains("Resource"))
    }

    static func normalise(_ original: JSONValue) throws(FindingInputError) -> Finding {
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
        let updatedAt = try fields.timestamp(try fields.required("updatedAt"), field: "updatedAt")
        let createdAt = try fields.string("createdAt").map { (value) throws(FindingInputError) in
            try fields.timestamp(value, field: "createdAt")
        }
        let archived = document.value(at: ["service", "archived"])?.boolValue ?? false

        return Finding(
            id: id,
            source: .guardduty,
            types: [type],
            title: fields.string("title"),
            severity: .guardDuty(score),
            account: account,
            region: region,
            partition: partition,
            resources: try resources(document, fields: fields, region: region),
            createdAt: createdAt,
            updatedAt: updatedAt,
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
            let id = try fields.identifier(instanceID, .instanceID, field: "resource.instanceDetails.instanceId")
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
            let id = try fields.identifier(keyID, .accessKeyID, field: "resource.accessKeyDetails.accessKeyId")
            if let user = details["userName"]?.stringValue {
                _ = try fields.identifier(user, .iamPrincipalName, field: "resource.accessKeyDetails.userName")
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
                let id = try fields.identifier(
                    bucketName,
                    .bucketName,
                    field: "resource.s3BucketDetails[\(index)].name"
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
            let details = resource["lambdaDetails"] ?? .null
            guard let name = details["functionName"]?.stringValue else { return [] }
            let id = try fields.identifier(name, .lambdaFunction, field: "resource.lambdaDetails.functionName")
            return [
                FindingResource(
                    type: "AwsLambdaFunction",
                    id: id,
                    arn: details["functionArn"]?.stringValue,
                    region: region,
                    tags: tags(details["tags"]),
                    details: details
                )
            ]
        default:
            // Other resource kinds (EKS, RDS, ECS, ...) have no remedy actions yet; they match on type alone.
            return []
        }
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
