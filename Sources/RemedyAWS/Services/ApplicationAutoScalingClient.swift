import RemedyCore

/// Application Auto Scaling operations (`json` 1.1): scalable targets and target-tracking policies.
public struct ApplicationAutoScalingClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The scalable dimensions registered for a resource (`table/orders`) of a namespace (`dynamodb`).
    public func scalableDimensions(namespace: String, resource: String) async throws(AWSError) -> [String] {
        let reply = try await client.json(
            "DescribeScalableTargets",
            effect: .readOnly,
            body: ["ServiceNamespace": .string(namespace), "ResourceIds": [.string(resource)]]
        )
        return reply["ScalableTargets"]?.arrayValue?.compactMap { $0["ScalableDimension"]?.stringValue } ?? []
    }

    public func registerTarget(
        namespace: String,
        resource: String,
        dimension: String,
        minimum: Int,
        maximum: Int
    ) async throws(AWSError) {
        _ = try await client.json(
            "RegisterScalableTarget",
            effect: .mutating(idempotent: true),
            body: [
                "ServiceNamespace": .string(namespace), "ResourceId": .string(resource),
                "ScalableDimension": .string(dimension), "MinCapacity": .number(Double(minimum)),
                "MaxCapacity": .number(Double(maximum)),
            ]
        )
    }

    /// A target-tracking policy holding `metric` at `target` percent.
    public func putTargetTrackingPolicy(
        name: String,
        namespace: String,
        resource: String,
        dimension: String,
        metric: String,
        target: Double
    ) async throws(AWSError) {
        _ = try await client.json(
            "PutScalingPolicy",
            effect: .mutating(idempotent: true),
            body: [
                "PolicyName": .string(name), "ServiceNamespace": .string(namespace), "ResourceId": .string(resource),
                "ScalableDimension": .string(dimension), "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": [
                    "TargetValue": .number(target),
                    "PredefinedMetricSpecification": ["PredefinedMetricType": .string(metric)],
                ],
            ]
        )
    }

    /// Deregisters the target; its scaling policies go with it.
    public func deregisterTarget(namespace: String, resource: String, dimension: String) async throws(AWSError) {
        _ = try await client.json(
            "DeregisterScalableTarget",
            effect: .mutating(idempotent: true),
            body: [
                "ServiceNamespace": .string(namespace), "ResourceId": .string(resource),
                "ScalableDimension": .string(dimension),
            ]
        )
    }
}
