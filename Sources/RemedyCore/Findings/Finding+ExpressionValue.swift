extension Finding {
    /// The finding as expressions see it (`finding.resources[0].id`, `finding.severity.label`, `finding.raw...`).
    public var expressionValue: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id),
            "source": .string(source.rawValue),
            "types": .array(types.map(JSONValue.string)),
            "severity": ["score": .number(severity.score), "label": .string(severity.label.rawValue)],
            "account": .string(account),
            "region": .string(region),
            "partition": .string(partition.rawValue),
            "resources": .array(resources.map(\.expressionValue)),
            "updatedAt": .string(updatedAt),
            "sample": .bool(isSample),
            "raw": raw,
        ]
        members["controlId"] = controlID.map(JSONValue.string) ?? .null
        members["title"] = title.map(JSONValue.string) ?? .null
        members["createdAt"] = createdAt.map(JSONValue.string) ?? .null
        members["workflowStatus"] = workflowStatus.map(JSONValue.string) ?? .null
        members["productArn"] = productARN.map(JSONValue.string) ?? .null
        return .object(members)
    }

    /// Member names `finding.<name>` may use.
    public static let expressionMembers: Set<String> = [
        "id", "source", "types", "severity", "account", "region", "partition", "resources", "updatedAt", "raw",
        "controlId", "title", "createdAt", "workflowStatus", "productArn", "sample",
    ]
}

extension FindingResource {
    public var expressionValue: JSONValue {
        var members: [String: JSONValue] = ["type": .string(type), "id": .string(id), "details": details]
        members["arn"] = arn.map(JSONValue.string) ?? .null
        members["region"] = region.map(JSONValue.string) ?? .null
        members["tags"] = tags.map { .object($0.mapValues(JSONValue.string)) } ?? .null
        return .object(members)
    }

    /// Member names `finding.resources[N].<name>` may use.
    public static let expressionMembers: Set<String> = ["type", "id", "details", "arn", "region", "tags"]
}
