import RemedyCore

/// Security Hub's OCSF findings (EventBridge `Findings Imported V2`), normalised as their ASFF form is.
///
/// Compliance Findings (class 2003) for controls and Detection Findings (2004), GuardDuty's among them, for the
/// families remedy covers. The field mapping is in `Fixtures/findings/README.md` and docs/findings.md.
enum OCSFFinding {
    static func normalise(_ document: JSONValue, envelopeTime: String?) throws(FindingInputError) -> Finding {
        guard case .object = document else {
            throw FindingInputError(.invalidFinding, "an OCSF finding must be a JSON object")
        }
        let fields = FindingFields(document: document, kind: "OCSF finding")
        let id = try fields.identifier(
            try fields.required("finding_info", "uid"),
            .findingID,
            field: "finding_info.uid"
        )
        let account = try fields.identifier(
            try fields.required("cloud", "account", "uid"),
            .accountID,
            field: "cloud.account.uid"
        )
        let region = try fields.identifier(try fields.required("cloud", "region"), .region, field: "cloud.region")
        let productName = fields.string("metadata", "product", "name")
        let productID = fields.string("metadata", "product", "uid")
        let isGuardDuty = productName == "GuardDuty" || productID?.hasSuffix("/aws/guardduty") == true
        let types = (document.value(at: ["finding_info", "types"])?.arrayValue ?? []).compactMap(\.stringValue)
        let isCompliance = fields.number("class_uid") == 2003
        let createdAt = fields.string("time_dt").flatMap(fields.validTimestamp)
        let (updatedAt, origin) = try fields.updateTime(
            updated: fields.string("finding_info", "modified_time_dt"),
            created: createdAt,
            envelope: envelopeTime
        )
        let title = fields.string("finding_info", "title")
        return Finding(
            id: id,
            source: isGuardDuty ? .guardduty : .securityhub,
            types: types,
            controlID: isCompliance ? fields.string("compliance", "control") : nil,
            title: title,
            severity: try severity(fields),
            account: account,
            region: region,
            partition: Partition(region: region),
            resources: try resources(document, fields: fields, region: region),
            createdAt: createdAt,
            updatedAt: updatedAt,
            updatedAtOrigin: origin,
            isSample: title?.hasPrefix("[SAMPLE]") == true,
            productARN: productID,
            raw: document
        )
    }

    /// OCSF `severity_id` on ASFF's label values.
    ///
    /// 1 Informational to 5 Critical, and 6 Fatal as Critical.
    static func severity(_ fields: FindingFields) throws(FindingInputError) -> Severity {
        let labels: [Double: Severity.Label] = [
            1: .informational, 2: .low, 3: .medium, 4: .high, 5: .critical, 6: .critical,
        ]
        guard let id = fields.number("severity_id"), let label = labels[id] else {
            throw FindingInputError(.invalidFinding, "OCSF finding severity_id must be 1 to 6")
        }
        return Severity(score: label.representativeScore, label: label)
    }

    static func resources(
        _ document: JSONValue,
        fields: FindingFields,
        region: String
    ) throws(FindingInputError) -> [FindingResource] {
        guard case .array(let entries)? = document["resources"] else { return [] }
        var resources: [FindingResource] = []
        for (index, entry) in entries.enumerated() {
            guard let type = entry["type"]?.stringValue, let uid = entry["uid"]?.stringValue else { continue }
            let arn = (entry["uid_alt"]?.stringValue).flatMap(ARN.init) ?? ARN(uid)
            // A bare id where OCSF gives one (uid), else the last part of the ARN, as for ASFF.
            let id = ARN(uid).map { String($0.resource.split(separator: "/").last ?? "") } ?? uid
            var tags: [String: String]?
            if case .array(let pairs)? = entry["tags"] {
                tags = [:]
                for pair in pairs {
                    if let name = pair["name"]?.stringValue { tags?[name] = pair["value"]?.stringValue ?? "" }
                }
            }
            resources.append(
                FindingResource(
                    type: ConfigComplianceChange.securityHubResourceType(forConfigType: type),
                    id: try fields.resourceID(id, field: "resources[\(index)].uid"),
                    arn: arn?.description,
                    region: entry["region"]?.stringValue ?? region,
                    tags: tags,
                    details: entry
                )
            )
        }
        return resources
    }
}
