import RemedyCore

/// The AWS Security Finding Format (Security Hub's `AwsSecurityFinding`).
enum ASFFFinding {
    static func looksLikeASFF(_ document: JSONValue) -> Bool {
        document["SchemaVersion"] != nil && document["ProductArn"] != nil || document["AwsAccountId"] != nil
    }

    /// `envelopeTime` is the time of the event or notification the finding came in, for a finding without times.
    static func normalise(_ document: JSONValue, envelopeTime: String? = nil) throws(FindingInputError) -> Finding {
        guard case .object = document else {
            throw FindingInputError(.invalidFinding, "an ASFF finding must be a JSON object")
        }
        let fields = FindingFields(document: document, kind: "ASFF finding")
        let id = try fields.identifier(try fields.required("Id"), .findingID, field: "Id")
        // No API call takes the product ARN: kept as text, and read only when it parses (an AWS documentation
        // example has a malformed one).
        let productARN = fields.string("ProductArn")
        let product = productARN.flatMap(ARN.init)
        let account = try fields.identifier(try fields.required("AwsAccountId"), .accountID, field: "AwsAccountId")
        let createdAt = fields.string("CreatedAt").flatMap(fields.validTimestamp)
        let (updatedAt, origin) = try fields.updateTime(
            updated: fields.string("UpdatedAt"),
            created: createdAt,
            envelope: envelopeTime
        )
        guard case .array(let typeValues)? = document["Types"] else {
            throw FindingInputError(.invalidFinding, "ASFF finding is missing Types")
        }
        let types = typeValues.compactMap(\.stringValue)

        let resources = try resources(document, fields: fields)
        guard let regionText = fields.string("Region") ?? resources.first?.region ?? product?.region else {
            throw FindingInputError(.invalidFinding, "ASFF finding is missing Region")
        }
        let region = try fields.identifier(regionText, .region, field: "Region")
        let partition: Partition
        if let text = document["Resources"]?[0]?["Partition"]?.stringValue {
            guard let known = Partition(rawValue: text) else {
                throw FindingInputError(
                    .invalidFinding,
                    "ASFF finding field Resources[0].Partition: unknown partition '\(text)'"
                )
            }
            partition = known
        } else {
            partition =
                resources.first?.arn.flatMap(ARN.init)?.partition ?? product?.partition ?? Partition(region: region)
        }
        let isGuardDuty = product.map { $0.service == "securityhub" && $0.resource == "product/aws/guardduty" } ?? false
        let source: FindingSource = isGuardDuty ? .guardduty : .securityhub
        let title = fields.string("Title")

        return Finding(
            id: id,
            source: source,
            types: source == .guardduty ? types + types.compactMap(nativeGuardDutyType) : types,
            controlID: controlID(fields),
            title: title,
            severity: try severity(fields),
            account: account,
            region: region,
            partition: partition,
            resources: resources,
            createdAt: createdAt,
            updatedAt: updatedAt,
            updatedAtOrigin: origin,
            // GuardDuty's flattened `service.additionalInfo.sample` in a Security Hub copy.
            isSample: title?.hasPrefix("[SAMPLE]") == true
                || fields.string("ProductFields", "aws/guardduty/service/additionalInfo/sample") == "true",
            workflowStatus: fields.string("Workflow", "Status") ?? fields.string("WorkflowState"),
            productARN: productARN,
            raw: document
        )
    }

    /// Security Hub files GuardDuty's `Backdoor:EC2/C&CActivity.B` as `TTPs/Command and Control/Backdoor:EC2-C&CActivity.B`;
    /// recovering the native name lets one playbook match GuardDuty findings from either feed.
    static func nativeGuardDutyType(_ asffType: String) -> String? {
        guard let last = asffType.split(separator: "/").last else { return nil }
        var native = String(last)
        guard let colon = native.firstIndex(of: ":"), let dash = native[colon...].firstIndex(of: "-") else {
            return nil
        }
        native.replaceSubrange(dash...dash, with: "/")
        return native
    }

    /// Consolidated control id first, then the per-standard `ControlId` (`PCI.S3.1`), then CIS 1.2's `RuleId`.
    static func controlID(_ fields: FindingFields) -> String? {
        fields.string("Compliance", "SecurityControlId") ?? fields.string("ProductFields", "ControlId")
            ?? fields.string("ProductFields", "RuleId")
    }

    static func severity(_ fields: FindingFields) throws(FindingInputError) -> Severity {
        let label = try fields.string("Severity", "Label").map { (text) throws(FindingInputError) in
            guard let label = Severity.Label(rawValue: text) else {
                throw FindingInputError(.invalidFinding, "ASFF finding field Severity.Label: unknown label '\(text)'")
            }
            return label
        }
        if let normalized = fields.number("Severity", "Normalized") {
            guard (0...100).contains(normalized) else {
                throw FindingInputError(.invalidFinding, "ASFF finding field Severity.Normalized must be 0-100")
            }
            return Severity(score: normalized, label: label)
        }
        if let label { return Severity(score: label.representativeScore, label: label) }
        // Some third-party products fill only Original; it is product-specific, so only a label word can be read.
        if let original = fields.string("Severity", "Original"),
            let label = Severity.Label(rawValue: original.uppercased())
        {
            return Severity(score: label.representativeScore, label: label)
        }
        throw FindingInputError(.invalidFinding, "ASFF finding is missing Severity.Label or Severity.Normalized")
    }

    static func resources(_ document: JSONValue, fields: FindingFields) throws(FindingInputError) -> [FindingResource] {
        guard case .array(let entries)? = document["Resources"], !entries.isEmpty else {
            throw FindingInputError(.invalidFinding, "ASFF finding is missing Resources")
        }
        var resources: [FindingResource] = []
        for (index, entry) in entries.enumerated() {
            guard let type = entry["Type"]?.stringValue, let rawID = entry["Id"]?.stringValue else {
                throw FindingInputError(.invalidFinding, "ASFF finding Resources[\(index)] is missing Type or Id")
            }
            let arn = ARN(rawID)
            let id = try bareID(of: rawID, arn: arn, type: type, field: "Resources[\(index)].Id", fields: fields)
            var tags: [String: String]?
            if case .object(let members)? = entry["Tags"] { tags = members.compactMapValues(\.stringValue) }
            resources.append(
                FindingResource(
                    type: type,
                    id: id,
                    arn: arn?.description,
                    region: entry["Region"]?.stringValue,
                    tags: tags,
                    details: type == "AwsIamAccessKey" ? accessKeyDetails(entry["Details"]) : entry["Details"] ?? .null
                )
            )
        }
        return resources
    }

    /// An access key's details as a native GuardDuty finding gives them, so one playbook reads
    /// `details.userName` and `details.userType` from either feed: `UserName` (or, for a role session, the
    /// `PrincipalName`) and `PrincipalType`, beside ASFF's own members.
    static func accessKeyDetails(_ details: JSONValue?) -> JSONValue {
        guard case .object(var members)? = details?["AwsIamAccessKey"] else { return details ?? .null }
        if let user = members["UserName"]?.stringValue ?? members["PrincipalName"]?.stringValue {
            members["userName"] = .string(user)
        }
        if let type = members["PrincipalType"]?.stringValue { members["userType"] = .string(type) }
        return .object(members)
    }

    /// The identifier API calls take, from the ARN ASFF usually gives; its format is checked where it is used.
    static func bareID(
        of rawID: String,
        arn: ARN?,
        type: String,
        field: String,
        fields: FindingFields
    )
        throws(FindingInputError) -> String
    {
        guard let arn else {
            // Some products give bare ids; AwsAccount resources use "AWS::::Account:<id>", and GuardDuty's copies
            // "AWS::IAM::AccessKey:<key id>" ("...:null" when it had no key).
            if type == "AwsAccount", rawID.hasPrefix("AWS::::Account:") {
                return try fields.identifier(String(rawID.dropFirst("AWS::::Account:".count)), .accountID, field: field)
            }
            if type == "AwsIamAccessKey", rawID.hasPrefix("AWS::IAM::AccessKey:") {
                let key = String(rawID.dropFirst("AWS::IAM::AccessKey:".count))
                return try fields.resourceID(key == "null" ? "" : key, field: field)
            }
            return try fields.resourceID(rawID, field: field)
        }
        let resource = arn.resource
        let bare: String
        switch type {
        case "AwsS3Bucket": bare = resource
        case "AwsLambdaFunction":
            bare = resource.hasPrefix("function:") ? String(resource.dropFirst("function:".count)) : resource
        case "AwsAccount": bare = arn.account.isEmpty ? resource : arn.account
        // `arn:aws:rds:REGION:ACCOUNT:db:NAME`: the instance identifier follows `db:`.
        case "AwsRdsDbInstance": bare = resource.hasPrefix("db:") ? String(resource.dropFirst("db:".count)) : resource
        case "AwsRdsDbCluster", "AwsRedshiftCluster":
            bare = resource.hasPrefix("cluster:") ? String(resource.dropFirst("cluster:".count)) : resource
        // `cluster:ID` and `replicationgroup:ID`
        case "AwsElastiCacheCacheCluster", "AwsElastiCacheReplicationGroup":
            bare = String(resource.split(separator: ":", omittingEmptySubsequences: false).last ?? Substring(resource))
        // `/restapis/ID/stages/NAME`: both name the stage.
        case "AwsApiGatewayStage":
            let parts = resource.split(separator: "/")
            bare =
                parts.count == 4 && parts[0] == "restapis" && parts[2] == "stages"
                ? "\(parts[1])/\(parts[3])" : resource
        case "AwsRdsDbSnapshot":
            bare = resource.hasPrefix("snapshot:") ? String(resource.dropFirst("snapshot:".count)) : resource
        // `log-group:NAME` or `log-group:NAME:*`; the name may hold slashes (`/aws/lambda/x`).
        case "AwsLogsLogGroup":
            let name = resource.hasPrefix("log-group:") ? String(resource.dropFirst("log-group:".count)) : resource
            bare = name.hasSuffix(":*") ? String(name.dropLast(2)) : name
        // `repository/NAME`, where the name may hold slashes (`team/app`).
        case "AwsEcrRepository":
            bare = resource.hasPrefix("repository/") ? String(resource.dropFirst("repository/".count)) : resource
        default:
            bare = String(resource.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(resource))
        }
        return try fields.resourceID(bare, field: field)
    }
}
