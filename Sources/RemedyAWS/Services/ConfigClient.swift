import RemedyCore

/// AWS Config operations (`json` 1.1): the configuration recorder.
public struct ConfigClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The region's configuration recorder (a region has at most one customer-managed recorder), whether it records,
    /// and whether the region has a delivery channel; nil when there is no recorder.
    public func recorder() async throws(AWSError) -> (name: String, isRecording: Bool, hasDeliveryChannel: Bool)? {
        let recorders = try await client.json("DescribeConfigurationRecorders", effect: .readOnly, body: [:])
        guard let name = recorders["ConfigurationRecorders"]?.arrayValue?.first?["name"]?.stringValue else {
            return nil
        }
        let status = try await client.json(
            "DescribeConfigurationRecorderStatus",
            effect: .readOnly,
            body: ["ConfigurationRecorderNames": [.string(name)]]
        )
        let channels = try await client.json("DescribeDeliveryChannels", effect: .readOnly, body: [:])
        return (
            name,
            status["ConfigurationRecordersStatus"]?.arrayValue?.first?["recording"]?.boolValue ?? false,
            !(channels["DeliveryChannels"]?.arrayValue ?? []).isEmpty
        )
    }

    /// Creates recorder `name` recording every supported resource, global ones included, with `role`.
    public func putRecorder(name: String, role: String) async throws(AWSError) {
        _ = try await client.json(
            "PutConfigurationRecorder",
            effect: .mutating(idempotent: true),
            body: [
                "ConfigurationRecorder": [
                    "name": .string(name), "roleARN": .string(role),
                    "recordingGroup": ["allSupported": true, "includeGlobalResourceTypes": true],
                ]
            ]
        )
    }

    /// Creates delivery channel `name` to an S3 bucket.
    public func putDeliveryChannel(name: String, bucket: String) async throws(AWSError) {
        _ = try await client.json(
            "PutDeliveryChannel",
            effect: .mutating(idempotent: true),
            body: ["DeliveryChannel": ["name": .string(name), "s3BucketName": .string(bucket)]]
        )
    }

    public func startRecorder(name: String) async throws(AWSError) {
        _ = try await client.json(
            "StartConfigurationRecorder",
            effect: .mutating(idempotent: true),
            body: ["ConfigurationRecorderName": .string(name)]
        )
    }

    public func stopRecorder(name: String) async throws(AWSError) {
        _ = try await client.json(
            "StopConfigurationRecorder",
            effect: .mutating(idempotent: true),
            body: ["ConfigurationRecorderName": .string(name)]
        )
    }
}
