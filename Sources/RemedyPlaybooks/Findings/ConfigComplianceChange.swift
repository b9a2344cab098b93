import RemedyCore

/// AWS Config's `Config Rules Compliance Change` EventBridge event: a resource became non-compliant with a rule.
enum ConfigComplianceChange {
    static func normalise(_ event: JSONValue) throws(FindingInputError) -> Finding {
        let fields = FindingFields(document: event, kind: "Config compliance change")
        let compliance = fields.string("detail", "newEvaluationResult", "complianceType")
        guard compliance == "NON_COMPLIANT" else {
            throw FindingInputError(
                .notAFinding,
                "Config compliance change to \(compliance ?? "an unknown state") is not a finding; only NON_COMPLIANT is"
            )
        }
        let rule = try fields.required("detail", "configRuleName")
        guard rule.count <= 128, ResourceIdentifierKind.findingID.problem(with: rule) == nil else {
            throw FindingInputError(
                .invalidFinding,
                "Config compliance change field detail.configRuleName is not a rule name"
            )
        }
        let account = try fields.identifier(
            try fields.required("detail", "awsAccountId"),
            .accountID,
            field: "detail.awsAccountId"
        )
        let region = try fields.identifier(
            try fields.required("detail", "awsRegion"),
            .region,
            field: "detail.awsRegion"
        )
        let configType = try fields.required("detail", "resourceType")
        let resourceType = securityHubResourceType(forConfigType: configType)
        let resourceID = try fields.resourceID(
            try fields.required("detail", "resourceId"),
            field: "resource id (detail.resourceId)"
        )
        let id = try fields.identifier(try fields.required("id"), .findingID, field: "id")
        let updatedAt = try fields.timestamp(try fields.required("time"), field: "time")
        let recorded = fields.string("detail", "newEvaluationResult", "resultRecordedTime")
        let partition = fields.string("detail", "configRuleARN").flatMap(ARN.init)?.partition

        return Finding(
            id: id,
            source: .config,
            types: [],
            controlID: rule,
            title: "\(configType) \(resourceID) is NON_COMPLIANT with \(rule)",
            severity: Severity(score: 40),
            account: account,
            region: region,
            partition: partition ?? Partition(region: region),
            resources: [
                FindingResource(type: resourceType, id: resourceID, region: region, details: event["detail"] ?? .null)
            ],
            createdAt: recorded,
            updatedAt: updatedAt,
            // The change has no time of its own: the event's is the update time.
            updatedAtOrigin: .envelope,
            raw: event
        )
    }

    /// `AWS::EC2::SecurityGroup` becomes Security Hub's `AwsEc2SecurityGroup`, so one `resource:` matches both feeds.
    static func securityHubResourceType(forConfigType type: String) -> String {
        let parts = type.split(separator: "::").map(String.init)
        guard parts.count == 3, parts[0] == "AWS" else { return type }
        // Security Hub writes all-capital service names with one capital (EC2 -> Ec2, IAM -> Iam).
        let service =
            parts[1].allSatisfy({ $0.isUppercase || $0.isNumber })
            ? parts[1].prefix(1) + parts[1].dropFirst().lowercased() : parts[1]
        return "Aws\(service)\(parts[2])"
    }
}
