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
        let instance = try await describe(.instance, identifier)
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

    /// What `Describe…` and `Modify…` name: a DB instance or an Aurora/Multi-AZ DB cluster.
    public enum Kind: String, Sendable {
        case instance = "DBInstance"
        case cluster = "DBCluster"
    }

    /// The instance's or cluster's element in its `Describe…` answer.
    private func describe(_ kind: Kind, _ identifier: String) async throws(AWSError) -> AWSXMLElement {
        let operation = "Describe\(kind.rawValue)s"
        let result = try await client.query(operation, effect: .readOnly) {
            $0.set("\(kind.rawValue)Identifier", identifier)
        }
        guard let found = result["\(kind.rawValue)s"]?.all(kind.rawValue).first else {
            throw AWSError(
                service: "rds",
                operation: operation,
                statusCode: nil,
                code: "\(kind.rawValue)NotFound",
                message: "no \(kind == .instance ? "DB instance" : "DB cluster") \(identifier) in the answer",
                kind: .permanent
            )
        }
        return found
    }

    /// Settings of an instance or cluster as `Describe…` reports them (`DeletionProtection`, `MonitoringInterval`...),
    /// as text; one it does not report is absent.
    public func settings(
        _ names: [String],
        of kind: Kind,
        _ identifier: String
    ) async throws(AWSError) -> [String: String] {
        try await describe(kind, identifier).strings(names)
    }

    /// Boolean settings of an instance or cluster; one it does not report reads as false.
    public func flags(_ names: [String], of kind: Kind, _ identifier: String) async throws(AWSError) -> [String: Bool] {
        let values = try await settings(names, of: kind, identifier)
        return Dictionary(uniqueKeysWithValues: names.map { ($0, values[$0] == "true") })
    }

    /// Sets settings of an instance or cluster, at once rather than in the next maintenance window.
    public func modify(_ settings: [String: String], of kind: Kind, _ identifier: String) async throws(AWSError) {
        _ = try await client.query("Modify\(kind.rawValue)", effect: .mutating(idempotent: true)) {
            $0.set("\(kind.rawValue)Identifier", identifier)
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) { $0.set(name, value) }
            $0.set("ApplyImmediately", true)
        }
    }

    public func setFlags(_ flags: [String: Bool], of kind: Kind, _ identifier: String) async throws(AWSError) {
        try await modify(flags.mapValues { $0 ? "true" : "false" }, of: kind, identifier)
    }

    /// Whether anyone may restore the manual snapshot (`all` among its `restore` attribute's values).
    public func isSnapshotPublic(_ snapshotID: String) async throws(AWSError) -> Bool {
        let result = try await client.query("DescribeDBSnapshotAttributes", effect: .readOnly) {
            $0.set("DBSnapshotIdentifier", snapshotID)
        }
        let attributes = result["DBSnapshotAttributesResult"]?["DBSnapshotAttributes"]?.all("DBSnapshotAttribute") ?? []
        let restore = attributes.first { $0.string("AttributeName") == "restore" }
        return restore?["AttributeValues"]?.all("AttributeValue").contains { $0.text == "all" } ?? false
    }

    /// Adds or removes `all` from the snapshot's `restore` attribute; the accounts it is shared with stay.
    public func setSnapshotPublic(_ snapshotID: String, _ isPublic: Bool) async throws(AWSError) {
        _ = try await client.query("ModifyDBSnapshotAttribute", effect: .mutating(idempotent: true)) {
            $0.set("DBSnapshotIdentifier", snapshotID)
            $0.set("AttributeName", "restore")
            $0.set(isPublic ? "ValuesToAdd.AttributeValue.1" : "ValuesToRemove.AttributeValue.1", "all")
        }
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
