import RemedyCore

/// Auto Scaling operations (`query`).
public struct AutoScalingClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// How the group decides an instance is unhealthy: `EC2` status checks, or also the load balancer's (`ELB`).
    public func healthCheckType(group: String) async throws(AWSError) -> String? {
        let result = try await client.query("DescribeAutoScalingGroups", effect: .readOnly) {
            $0.set("AutoScalingGroupNames", list: [group], style: .query)
        }
        guard let found = result.list("AutoScalingGroups").first else {
            throw client.missing("DescribeAutoScalingGroups", "AutoScalingGroups")
        }
        return found.string("HealthCheckType")
    }

    public func setHealthCheckType(group: String, _ type: String) async throws(AWSError) {
        _ = try await client.query("UpdateAutoScalingGroup", effect: .mutating(idempotent: true)) {
            $0.set("AutoScalingGroupName", group)
            $0.set("HealthCheckType", type)
        }
    }

    /// The Auto Scaling group of an instance, or nil when it is in none.
    public func group(ofInstance instanceID: String) async throws(AWSError) -> String? {
        try await membership(ofInstance: instanceID)?.group
    }

    /// The instance's group and lifecycle state (`InService`, `Detaching`, `Standby`...), or nil when it is in none.
    public func membership(
        ofInstance instanceID: String
    ) async throws(AWSError)
        -> (group: String, lifecycleState: String)?
    {
        let result = try await client.query("DescribeAutoScalingInstances", effect: .readOnly) {
            $0.set("InstanceIds", list: [instanceID], style: .query)
        }
        return result.list("AutoScalingInstances").first.map {
            ($0.string("AutoScalingGroupName") ?? "", $0.string("LifecycleState") ?? "")
        }
    }

    /// Detaches without lowering desired capacity, so the group replaces the instance rather than shrinking.
    public func detachInstance(_ instanceID: String, group: String) async throws(AWSError) {
        _ = try await client.query("DetachInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceIds", list: [instanceID], style: .query)
            $0.set("AutoScalingGroupName", group)
            $0.set("ShouldDecrementDesiredCapacity", false)
        }
    }

    /// Attaches an instance to a group (which raises the group's desired capacity by one).
    public func attachInstance(_ instanceID: String, group: String) async throws(AWSError) {
        _ = try await client.query("AttachInstances", effect: .mutating(idempotent: true)) {
            $0.set("InstanceIds", list: [instanceID], style: .query)
            $0.set("AutoScalingGroupName", group)
        }
    }
}
