import RemedyCore

/// CloudWatch operations (`query`): metric alarms.
public struct CloudWatchClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The actions alarm `name` takes when it fires, or nil when there is no such alarm.
    public func alarmActions(name: String) async throws(AWSError) -> [String]? {
        let result = try await client.query("DescribeAlarms", effect: .readOnly) {
            $0.set("AlarmNames", list: [name], style: .query)
        }
        guard let alarm = result.list("MetricAlarms").first(where: { $0.string("AlarmName") == name }) else {
            return nil
        }
        return alarm.list("AlarmActions").map(\.text)
    }

    /// Creates or replaces alarm `name`: it fires, notifying `actions`, when `namespace`/`metric` sums to at least
    /// 1 over five minutes; a period without data is not a breach.
    public func putCountAlarm(
        name: String,
        description: String,
        namespace: String,
        metric: String,
        actions: [String]
    ) async throws(AWSError) {
        _ = try await client.query("PutMetricAlarm", effect: .mutating(idempotent: true)) {
            $0.set("AlarmName", name)
            $0.set("AlarmDescription", description)
            $0.set("Namespace", namespace)
            $0.set("MetricName", metric)
            $0.set("Statistic", "Sum")
            $0.set("Period", 300)
            $0.set("EvaluationPeriods", 1)
            $0.set("Threshold", "1")
            $0.set("ComparisonOperator", "GreaterThanOrEqualToThreshold")
            $0.set("TreatMissingData", "notBreaching")
            $0.set("AlarmActions", list: actions, style: .query)
        }
    }

    public func deleteAlarm(name: String) async throws(AWSError) {
        _ = try await client.query("DeleteAlarms", effect: .mutating(idempotent: true)) {
            $0.set("AlarmNames", list: [name], style: .query)
        }
    }
}
