import RemedyCore

/// Elastic Load Balancing v2 operations (`query`).
public struct ELBv2Client: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// One registered target of a target group.
    public struct Target: Sendable, Hashable {
        public var id: String
        public var port: Int?
        /// `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable`.
        public var state: String
    }

    /// Every target group's ARN in the region, following `NextMarker`.
    public func targetGroupARNs() async throws(AWSError) -> [String] {
        var arns: [String] = []
        var marker: String?
        repeat {
            let result = try await client.query("DescribeTargetGroups", effect: .readOnly) {
                $0.set("Marker", ifPresent: marker)
            }
            arns += result.list("TargetGroups").compactMap { $0.string("TargetGroupArn") }
            marker = result.string("NextMarker").flatMap { $0.isEmpty ? nil : $0 }
        } while marker != nil
        return arns
    }

    /// The targets registered with a target group, with their ports and states.
    public func targets(ofGroup targetGroupARN: String) async throws(AWSError) -> [Target] {
        let result = try await client.query("DescribeTargetHealth", effect: .readOnly) {
            $0.set("TargetGroupArn", targetGroupARN)
        }
        return result.list("TargetHealthDescriptions").map {
            Target(
                id: $0.string("Target", "Id") ?? "",
                port: $0.string("Target", "Port").flatMap(Int.init),
                state: $0.string("TargetHealth", "State") ?? ""
            )
        }
    }

    public func deregisterTarget(_ instanceID: String, targetGroupARN: String, port: Int? = nil) async throws(AWSError)
    {
        try await changeTarget("DeregisterTargets", instanceID, targetGroupARN: targetGroupARN, port: port)
    }

    public func registerTarget(_ instanceID: String, targetGroupARN: String, port: Int? = nil) async throws(AWSError) {
        try await changeTarget("RegisterTargets", instanceID, targetGroupARN: targetGroupARN, port: port)
    }

    private func changeTarget(
        _ action: String,
        _ instanceID: String,
        targetGroupARN: String,
        port: Int?
    ) async throws(AWSError) {
        _ = try await client.query(action, effect: .mutating(idempotent: true)) {
            $0.set("TargetGroupArn", targetGroupARN)
            $0.set("Targets.member.1.Id", instanceID)
            if let port { $0.set("Targets.member.1.Port", port) }
        }
    }
}
