import RemedyCore

/// CloudTrail operations (`json` 1.1).
public struct CloudTrailClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    public func isLogging(trail: String) async throws(AWSError) -> Bool {
        let reply = try await client.json("GetTrailStatus", effect: .readOnly, body: ["Name": .string(trail)])
        return reply["IsLogging"]?.boolValue ?? false
    }

    public func startLogging(trail: String) async throws(AWSError) {
        _ = try await client.json("StartLogging", effect: .mutating(idempotent: true), body: ["Name": .string(trail)])
    }

    /// A trail as `DescribeTrails` lists it.
    public struct Trail: Sendable, Hashable {
        public var name: String
        public var isMultiRegion: Bool
        /// The CloudWatch Logs group the trail delivers to, as an ARN, or nil when it delivers to none.
        public var logGroupARN: String?
    }

    /// The trails of the region, shadow trails of other regions' multi-Region trails included.
    public func trails() async throws(AWSError) -> [Trail] {
        let reply = try await client.json("DescribeTrails", effect: .readOnly, body: ["includeShadowTrails": true])
        return (reply["trailList"]?.arrayValue ?? []).compactMap { trail in
            guard let name = trail["Name"]?.stringValue else { return nil }
            return Trail(
                name: name,
                isMultiRegion: trail["IsMultiRegionTrail"]?.boolValue ?? false,
                logGroupARN: trail["CloudWatchLogsLogGroupArn"]?.stringValue
            )
        }
    }

    /// The KMS key the trail encrypts its log files with, or nil when it uses S3's own encryption.
    public func kmsKey(trail: String) async throws(AWSError) -> String? {
        let reply = try await client.json("GetTrail", effect: .readOnly, body: ["Name": .string(trail)])
        guard let found = reply["Trail"] else { throw client.missing("GetTrail", "Trail") }
        return found["KmsKeyId"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Encrypts the trail's log files with `key`; an empty key goes back to S3's own encryption.
    public func setKMSKey(trail: String, _ key: String) async throws(AWSError) {
        _ = try await client.json(
            "UpdateTrail",
            effect: .mutating(idempotent: true),
            body: ["Name": .string(trail), "KmsKeyId": .string(key)]
        )
    }

    /// The CloudWatch Logs group (ARN) the trail delivers to and the role it delivers with, or nil when it delivers
    /// to none.
    public func logsDelivery(trail: String) async throws(AWSError) -> (logGroupARN: String, roleARN: String)? {
        let reply = try await client.json("GetTrail", effect: .readOnly, body: ["Name": .string(trail)])
        guard let found = reply["Trail"] else { throw client.missing("GetTrail", "Trail") }
        guard let group = found["CloudWatchLogsLogGroupArn"]?.stringValue, !group.isEmpty else { return nil }
        return (group, found["CloudWatchLogsRoleArn"]?.stringValue ?? "")
    }

    /// Delivers the trail's events to a log group with a role CloudTrail assumes; nil stops the delivery.
    public func setLogsDelivery(
        trail: String,
        _ delivery: (logGroupARN: String, roleARN: String)?
    ) async throws(AWSError) {
        _ = try await client.json(
            "UpdateTrail",
            effect: .mutating(idempotent: true),
            body: [
                "Name": .string(trail), "CloudWatchLogsLogGroupArn": .string(delivery?.logGroupARN ?? ""),
                "CloudWatchLogsRoleArn": .string(delivery?.roleARN ?? ""),
            ]
        )
    }

    /// Whether the trail writes digest files that prove its log files unchanged.
    public func validatesLogFiles(trail: String) async throws(AWSError) -> Bool {
        let reply = try await client.json("GetTrail", effect: .readOnly, body: ["Name": .string(trail)])
        guard let found = reply["Trail"] else { throw client.missing("GetTrail", "Trail") }
        return found["LogFileValidationEnabled"]?.boolValue ?? false
    }

    public func setLogFileValidation(trail: String, _ enabled: Bool) async throws(AWSError) {
        _ = try await client.json(
            "UpdateTrail",
            effect: .mutating(idempotent: true),
            body: ["Name": .string(trail), "EnableLogFileValidation": .bool(enabled)]
        )
    }

}
