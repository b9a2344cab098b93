import RemedyCore

/// The AWS Security Finding Format (Security Hub's `AwsSecurityFinding`).
enum ASFFFinding {
    static func looksLikeASFF(_ document: JSONValue) -> Bool {
        document["SchemaVersion"] != nil && document["ProductArn"] != nil || document["AwsAccountId"] != nil
    }

    static func normalise(_ document: JSONValue) throws(FindingInputError) -> Finding {
        guard case .object = document else {
            throw FindingInputError(.invalidFinding, "an ASFF finding must be a JSON object")
        }
        let fields = FindingFields(document: document, kind: "ASFF finding")
        let id = try fields.identifier(try fields.required("Id"), .findingID, field: "Id")
        let productARN = try fields.required("ProductArn")
        guard let product = ARN(productARN) else {
            throw FindingInputError(
                .invalidFinding,
                "ASFF finding field ProductArn: \(ResourceIdentifierKind.quoted(productARN)) is not an ARN"
            )
        }
        let account = try fields.identifier(try fields.required("AwsAccountId"), .accountID, field: "AwsAccountId")
        let updatedAt = try fields.timestamp(try fields.required("UpdatedAt"), field: "UpdatedAt")
        let createdAt = try fields.string("CreatedAt").map { (value) throws(FindingInputError) in
            try fields.timestamp(value, field: "CreatedAt")
        }
        guard case .array(let typeValues)? = document["Types"] else {
            throw FindingInputError(.invalidFinding, "ASFF finding is missing Types")
        }
        let types = typeValues.compactMap(\.stringValue)

        let resources = try resources(document, fields: fields)
        let regionText = fields.string("Region") ?? resources.first?.region ?? product.region
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
            partition = resources.first?.arn.flatMap(ARN.init)?.partition ?? product.partition
        }
        let source: FindingSource = product.resource.hasSuffix("/aws/guardduty") ? .guardduty : .securityhub

        return Finding(
            id: id,
            source: source,
            types: source == .guardduty ? types + types.compactMap(nativeGuardDutyType) : types,
            controlID: controlID(fields),
            title: fields.string("Title"),
            severity: try severity(fields),
            account: account,
            region: region,
            partition: partition,
            resources: resources,
            createdAt: createdAt,
            updatedAt: updatedAt,
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
                    details: entry["Details"] ?? .null
                )
            )
        }
        return resources
    }

    /// The identifier API calls take, from the ARN ASFF usually gives, checked against the type's format.
    static func bareID(
        of rawID: String,
        arn: ARN?,
        type: String,
        field: String,
        fields: FindingFields
    )
        throws(FindingInputError) -> String
    {
        let kind = identifierKind(forResourceType: type)
        guard let arn else {
            // Some products give bare ids, and AwsAccount resources use "AWS::::Account:<id>".
            if type == "AwsAccount", rawID.hasPrefix("AWS::::Account:") {
                return try fields.identifier(String(rawID.dropFirst("AWS::::Account:".count)), .accountID, field: field)
            }
            if let kind { return try fields.identifier(rawID, kind, field: field) }
            return try fields.identifier(rawID, .findingID, field: field)
        }
        let resource = arn.resource
        let bare: String
        switch type {
        case "AwsS3Bucket": bare = resource
        case "AwsLambdaFunction":
            bare = resource.hasPrefix("function:") ? String(resource.dropFirst("function:".count)) : resource
        case "AwsAccount": bare = arn.account.isEmpty ? resource : arn.account
        default:
            bare = String(resource.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(resource))
        }
        if let kind { return try fields.identifier(bare, kind, field: field) }
        return bare
    }

    static func identifierKind(forResourceType type: String) -> ResourceIdentifierKind? {
        switch type {
        case "AwsEc2Instance": .instanceID
        case "AwsEc2SecurityGroup": .securityGroupID
        case "AwsEc2Volume": .volumeID
        case "AwsEc2Snapshot": .snapshotID
        case "AwsEc2Vpc": .vpcID
        case "AwsEc2Subnet": .subnetID
        case "AwsEc2NetworkAcl": .networkACLID
        case "AwsS3Bucket": .bucketName
        case "AwsIamUser": .iamUserName
        case "AwsIamRole": .iamRoleName
        case "AwsIamAccessKey": .accessKeyID
        case "AwsAccount": .accountID
        case "AwsLambdaFunction": .lambdaFunction
        case "AwsCloudTrailTrail": .trailName
        default: nil
        }
    }
}
