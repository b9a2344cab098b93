import RemedyCore

/// Amazon RDS operations (`query`): what containing a database instance needs.
public struct RDSClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// A DB instance as `DescribeDBInstances` gives it.
    public struct Instance: Sendable, Hashable {
        public var identifier: String
        public var arn: String?
        public var status: String?
        public var isPubliclyAccessible: Bool
        public var securityGroupIDs: [String]
        public var clusterIdentifier: String?
    }

    public func instance(_ identifier: String) async throws(AWSError) -> Instance {
        let result = try await client.query("DescribeDBInstances", effect: .readOnly) {
            $0.set("DBInstanceIdentifier", identifier)
        }
        guard let instance = result["DBInstances"]?.all("DBInstance").first else {
            throw AWSError(
                service: "rds",
                operation: "DescribeDBInstances",
                statusCode: nil,
                code: "DBInstanceNotFound",
                message: "no DB instance \(identifier) in the answer",
                kind: .permanent
            )
        }
        return Instance(
            identifier: instance.string("DBInstanceIdentifier") ?? identifier,
            arn: instance.string("DBInstanceArn"),
            status: instance.string("DBInstanceStatus"),
            isPubliclyAccessible: instance.string("PubliclyAccessible") == "true",
            securityGroupIDs: instance["VpcSecurityGroups"]?.all("VpcSecurityGroupMembership").compactMap {
                $0.string("VpcSecurityGroupId")
            } ?? [],
            clusterIdentifier: instance.string("DBClusterIdentifier")
        )
    }

    /// Sets whether the instance has a public endpoint, at once rather than in the next maintenance window.
    public func setPubliclyAccessible(_ identifier: String, _ isPublic: Bool) async throws(AWSError) {
        _ = try await client.query("ModifyDBInstance", effect: .mutating(idempotent: true)) {
            $0.set("DBInstanceIdentifier", identifier)
            $0.set("PubliclyAccessible", isPublic)
            $0.set("ApplyImmediately", true)
        }
    }

    /// Starts a manual snapshot named `snapshotID`; its status is `creating` until it is `available`.
    public func createSnapshot(
        of identifier: String,
        snapshotID: String,
        tags: [String: String]
    ) async throws(AWSError) -> String? {
        let result = try await client.query("CreateDBSnapshot", effect: .mutating(idempotent: false)) {
            $0.set("DBInstanceIdentifier", identifier)
            $0.set("DBSnapshotIdentifier", snapshotID)
            for (index, (key, value)) in tags.sorted(by: { $0.key < $1.key }).enumerated() {
                $0.set("Tags.Tag.\(index + 1).Key", key)
                $0.set("Tags.Tag.\(index + 1).Value", value)
            }
        }
        return result["DBSnapshot"]?.string("Status")
    }

    /// The status of snapshot `snapshotID` (`creating`, `available`...), or nil when there is none.
    public func snapshotStatus(_ snapshotID: String) async throws(AWSError) -> String? {
        do {
            let result = try await client.query("DescribeDBSnapshots", effect: .readOnly) {
                $0.set("DBSnapshotIdentifier", snapshotID)
            }
            return result["DBSnapshots"]?.all("DBSnapshot").first?.string("Status")
        } catch  where error.code == "DBSnapshotNotFound" {
            return nil
        }
    }
}
