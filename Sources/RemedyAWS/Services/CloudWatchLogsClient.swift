import RemedyCore

/// CloudWatch Logs operations (`json` 1.1): log group retention and metric filters.
public struct CloudWatchLogsClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The group's retention in days, or nil when it keeps events forever.
    public func retentionDays(logGroup: String) async throws(AWSError) -> Int? {
        var token: String?
        repeat {
            var body: [String: JSONValue] = ["logGroupNamePrefix": .string(logGroup)]
            if let token { body["nextToken"] = .string(token) }
            let reply = try await client.json("DescribeLogGroups", effect: .readOnly, body: .object(body))
            // A prefix also finds longer names: only the group of exactly this name counts.
            if let group = reply["logGroups"]?.arrayValue?.first(where: { $0["logGroupName"]?.stringValue == logGroup })
            {
                return group["retentionInDays"]?.integerValue
            }
            token = reply["nextToken"]?.stringValue
        } while token != nil
        throw AWSError(
            service: "logs",
            operation: "DescribeLogGroups",
            statusCode: nil,
            code: "ResourceNotFoundException",
            message: "no log group \(logGroup)",
            kind: .permanent
        )
    }

    /// The pattern of the group's metric filter `name`, or nil when it has none of that name.
    public func metricFilterPattern(logGroup: String, name: String) async throws(AWSError) -> String? {
        let reply = try await client.json(
            "DescribeMetricFilters",
            effect: .readOnly,
            body: ["logGroupName": .string(logGroup), "filterNamePrefix": .string(name)]
        )
        let filter = reply["metricFilters"]?.arrayValue?.first { $0["filterName"]?.stringValue == name }
        return filter?["filterPattern"]?.stringValue
    }

    /// Creates or replaces metric filter `name`: each event matching `pattern` counts 1 in `namespace`/`metric`,
    /// and a period without one counts 0.
    public func putMetricFilter(
        logGroup: String,
        name: String,
        pattern: String,
        namespace: String,
        metric: String
    ) async throws(AWSError) {
        _ = try await client.json(
            "PutMetricFilter",
            effect: .mutating(idempotent: true),
            body: [
                "logGroupName": .string(logGroup), "filterName": .string(name), "filterPattern": .string(pattern),
                "metricTransformations": [
                    [
                        "metricName": .string(metric), "metricNamespace": .string(namespace), "metricValue": "1",
                        "defaultValue": 0,
                    ]
                ],
            ]
        )
    }

    public func deleteMetricFilter(logGroup: String, name: String) async throws(AWSError) {
        _ = try await client.json(
            "DeleteMetricFilter",
            effect: .mutating(idempotent: true),
            body: ["logGroupName": .string(logGroup), "filterName": .string(name)]
        )
    }

    /// Keeps events `days` days (one of the values CloudWatch Logs allows), or forever when nil.
    public func setRetention(logGroup: String, days: Int?) async throws(AWSError) {
        if let days {
            _ = try await client.json(
                "PutRetentionPolicy",
                effect: .mutating(idempotent: true),
                body: ["logGroupName": .string(logGroup), "retentionInDays": .number(Double(days))]
            )
        } else {
            _ = try await client.json(
                "DeleteRetentionPolicy",
                effect: .mutating(idempotent: true),
                body: ["logGroupName": .string(logGroup)]
            )
        }
    }
}
