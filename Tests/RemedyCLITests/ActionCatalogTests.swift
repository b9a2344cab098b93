import Foundation
import RemedyActions
import RemedyCore
import RemedyPlaybooks
import RemedyTestSupport
import Testing

/// `remedy actions`, `remedy iam-policy`, and the permissions every action declares.
@Suite struct ActionCatalogTests {
    /// IAM action names by service prefix, from botocore's models (scripts/extract_iam_actions.py).
    static let iamActions: [String: Set<String>] = {
        guard let bytes = try? Repository.bytes("Fixtures/iam/actions.json"),
            let document = try? JSONParser(limits: .init(maximumBytes: 1 << 20, maximumDepth: 8)).parse(bytes),
            let prefixes = document["actions"]?.objectValue
        else { return [:] }
        return prefixes.mapValues { Set(($0.arrayValue ?? []).compactMap(\.stringValue)) }
    }()

    @Test func everyDeclaredPermissionIsARealIAMActionName() {
        #expect(Self.iamActions["ec2"]?.contains("ModifyInstanceAttribute") == true)  // the fixture loaded
        for descriptor in ActionCatalog.standardInFamilyOrder {
            for permission in descriptor.permissions {
                let parts = permission.split(separator: ":", maxSplits: 1).map(String.init)
                #expect(parts.count == 2, "\(descriptor.name): '\(permission)' is not prefix:Action")
                guard parts.count == 2 else { continue }
                let known = Self.iamActions[parts[0]]
                #expect(known != nil, "\(descriptor.name): unknown IAM service prefix '\(parts[0])'")
                #expect(
                    known?.contains(parts[1]) == true,
                    "\(descriptor.name): '\(permission)' is not an action of \(parts[0])"
                )
            }
            #expect(!descriptor.permissions.isEmpty || !descriptor.isMutating, "\(descriptor.name) declares nothing")
        }
    }

    @Test func anActionTestedAgainstAStubSaysSoAndWhy() throws {
        let stubbed = try RemedyBinary.run(["actions", "securityhub.update_finding"])
        #expect(
            stubbed.standardOutput.contains(
                "tested against: a local stub that checks each request against the botocore model (moto lacks "
                    + "Security Hub BatchUpdateFindings)"
            )
        )
        #expect(try RemedyBinary.run(["actions", "s3.deny_principal"]).standardOutput.contains("tested against: moto"))
        #expect(
            try RemedyBinary.run(["actions", "notify.slack"]).standardOutput.contains("tested against: no AWS call")
        )
    }

    @Test func theIAMPolicyHoldsExactlyThePermissionsOfThePlaybooksActions() throws {
        let result = try RemedyBinary.run(["iam-policy", "--account", "111122223333"])
        #expect(result.status == 0, "\(result.standardError)")
        let policy = try JSONParser().parse(Array(result.standardOutput.utf8))
        #expect(policy["Version"] == "2012-10-17")
        let statements = try #require(policy["Statement"]?.arrayValue)
        let granted = statements.flatMap { ($0["Action"]?.arrayValue ?? []).compactMap(\.stringValue) }
        #expect(granted.count == Set(granted).count, "a permission is granted twice")

        // The shipped playbooks' actions, and the exemption check the planner adds for those exempting by tag
        let used = try Self.actionsUsedByShippedPlaybooks().union([PendingCheck.exemptionCheckAction])
        let declared = Set(ActionCatalog.standard.all.filter { used.contains($0.name) }.flatMap(\.permissions))
        #expect(Set(granted) == declared)
        #expect(granted.contains("ec2:DescribeTags") && granted.contains("s3:GetBucketTagging"))
        // Narrowed where AWS allows: instance-level EC2 calls on instances of the account, Describe* on *
        let instanceScoped = statements.first { $0["Resource"] == "arn:aws:ec2:*:111122223333:instance/*" }
        #expect(instanceScoped?["Action"]?.arrayValue?.contains("ec2:ModifyInstanceAttribute") == true)
        let everything = statements.first { $0["Resource"] == "*" }
        #expect(everything?["Action"]?.arrayValue?.contains("ec2:DescribeInstances") == true)
        #expect(statements.allSatisfy { $0["Effect"] == "Allow" })
    }

    @Test func aPolicyForOneGovCloudPlaybookNamesThatPartitionOnly() async throws {
        try await withTemporaryDirectory { directory in
            _ = try directory.write(
                "p/keys.yaml",
                """
                apiVersion: remedy/v1
                name: keys
                match: {types: ["UnauthorizedAccess:IAMUser/*"]}
                steps:
                  - id: deactivate
                    action: iam.deactivate_access_key
                    with: {user: "{{ finding.resources[0].id }}"}
                """
            )
            let result = try RemedyBinary.run(
                ["iam-policy", "--playbooks", directory.file("p"), "--partition", "aws-us-gov"]
            )
            #expect(result.status == 0, "\(result.standardError)")
            let policy = try JSONParser().parse(Array(result.standardOutput.utf8))
            let actions = (policy["Statement"]?.arrayValue ?? []).flatMap {
                ($0["Action"]?.arrayValue ?? []).compactMap(\.stringValue)
            }
            #expect(
                Set(actions)
                    == Set(ActionCatalog.standard.action(named: "iam.deactivate_access_key")?.permissions ?? [])
            )
            #expect(result.standardOutput.contains("arn:aws-us-gov:iam::*:user/*"))
            #expect(!result.standardOutput.contains("arn:aws:"))
        }
    }

    @Test func actionsListsTheCatalogueAndDescribesOneInJSON() throws {
        let list = try RemedyBinary.run(["actions"])
        #expect(list.status == 0)
        let lines = list.standardOutput.split(separator: "\n")
        #expect(lines.count == ActionCatalog.standard.descriptors.count)
        #expect(lines.first?.hasPrefix("ec2.tag") == true)  // family order: evidence first
        #expect(list.standardOutput.contains("ec2.quarantine"))

        let one = try RemedyBinary.run(["actions", "ec2.quarantine", "--output", "json"])
        #expect(one.status == 0)
        let entry = try JSONParser().parse(Array(one.standardOutput.utf8))
        #expect(entry["name"] == "ec2.quarantine")
        #expect(entry["disruptive"] == true)
        #expect(entry["executable"] == true)
        #expect(entry["permissions"]?.arrayValue?.contains("ec2:ModifyInstanceAttribute") == true)
        #expect(entry["parameters"]?.arrayValue?.contains { $0["name"] == "instance" } == true)

        let unknown = try RemedyBinary.run(["actions", "ec2.quarantin"])
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("did you mean 'ec2.quarantine'"))
    }

    static func actionsUsedByShippedPlaybooks() throws -> Set<String> {
        let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        #expect(library.diagnostics.isEmpty)
        return Set(library.playbooks.flatMap { $0.steps.compactMap(\.action?.name) })
    }
}

/// The CIS alarms' patterns are the documentation's, as recorded with their source.
@Test func theCISAlarmPatternsAreTheOnesTheDocsRecord() throws {
    let rows = try String(contentsOfFile: Repository.path("docs/cis-alarm-patterns.source.tsv"), encoding: .utf8)
        .split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    #expect(rows.count == 14)
    #expect(
        rows.map { [String($0[0]), String($0[1]), String($0[2])] }
            == CISAlarm.all.map { [$0.control, $0.title, $0.pattern] }
    )
}
