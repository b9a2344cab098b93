import Foundation
import RemedyActions
import RemedyCore
import RemedyPlaybooks
import RemedyTestSupport
import Testing

/// Every shipped playbook against the reference catalogues: no match that is not intended.
///
/// One synthetic finding for every GuardDuty finding type and every Security Hub control in
/// the shipped reference catalogues goes through the real matcher; every match must be one
/// `Fixtures/coverage/intended-matches.tsv` lists, and every listed match must happen. An over-match (a playbook
/// acting on findings it was not written for) fails here.
@Suite struct CatalogueMatchTests {
    /// The catalogues shipped with remedy, as `remedy coverage` reads them.
    static func reference() throws -> ReferenceCatalogue { try ReferenceCatalogue.bundled() }

    static func finding(_ control: String, types: [String]) -> Finding {
        Finding(
            id: control,
            source: .securityhub,
            types: types,
            controlID: control,
            severity: Severity(score: 70),
            account: "111122223333",
            region: "us-east-1",
            partition: .aws,
            resources: [FindingResource(type: "AwsS3Bucket", id: "resource-1", tags: [:])],
            updatedAt: "2026-12-07T00:00:00Z",
            raw: [:]
        )
    }

    @Test func theReferenceCataloguesReadWithEveryFamilyAndEveryASRControl() throws {
        let reference = try Self.reference()
        let guardDuty = reference.entries.filter { $0.kind == .guardDutyType }
        // 189 active standard types and 25 custom detection rules types
        #expect(Set(guardDuty.map(\.name)).count == 214)
        #expect(Set(guardDuty.filter { $0.family != "custom-detection-rules" }.map(\.name)).count == 189)
        #expect(
            Set(guardDuty.map(\.family)).isSuperset(
                of: [
                    "ec2", "iam", "s3", "runtime", "eks", "rds", "lambda", "attack-sequence", "malware-ec2",
                    "malware-s3", "malware-backup",
                ]
            ),
            "families: \(Set(guardDuty.map(\.family)).sorted())"
        )
        let controls = reference.entries.filter { $0.kind == .securityHubControl }
        // The 362 controls of the list, and the 40 that ASR remediates under other standards or older ids
        #expect(Set(controls.map(\.name)).count == 362 + 40)
        #expect(Set(controls.compactMap { $0.asrRunbook == nil ? nil : $0.name }).count == 107)
        #expect(controls.first { $0.name == "S3.8" }?.asrRunbook == "ASR-ConfigureS3BucketPublicAccessBlock")
        // A row whose sources hold tabs is read whole, its resource types included
        let modified = guardDuty.filter { $0.name == "DefenseEvasion:Runtime/SensitiveFileModified" }
        #expect(modified.map(\.resourceType) == ["AwsEc2Instance", "AwsEksCluster", "AwsEcsCluster", nil])
    }

    @Test func aCatalogueFileThatDoesNotReadIsNamedWithItsLine() {
        #expect(
            throws: ReferenceCatalogueError(
                file: "asr-remediations.tsv",
                line: 1,
                message: "the header has no column 'runbook'"
            )
        ) {
            try ReferenceCatalogue(
                guardDutyTypes: "type\tfamily\tresource_type\tseverity",
                controls: "",
                asrRemediations: "control_id"
            )
        }
        #expect(
            throws: ReferenceCatalogueError(
                file: "guardduty-finding-types.tsv",
                line: 3,
                message: "1 cells where the header has 4"
            )
        ) {
            try ReferenceCatalogue(
                guardDutyTypes: "type\tfamily\tresource_type\tseverity\nA:EC2/B\tec2\tInstance\tHigh\nbroken",
                controls: "control_id\tresource_type\tseverity",
                asrRemediations: "control_id\trunbook"
            )
        }
    }

    @Test func asffTypesAreSpelledAsSecurityHubSpellsThem() {
        #expect(ReferenceCatalogue.asffType("AWS::S3::Bucket") == "AwsS3Bucket")
        #expect(ReferenceCatalogue.asffType("AWS::EC2::SecurityGroup") == "AwsEc2SecurityGroup")
        #expect(ReferenceCatalogue.asffType("AWS::::Account") == "AwsAccount")
        #expect(ReferenceCatalogue.asffType("AWS::IAM::AccessKey") == "AwsIamAccessKey")
        #expect(ReferenceCatalogue.asffType("AWS::Lambda::Function") == "AwsLambdaFunction")
        #expect(ReferenceCatalogue.asffType("AWS::RDS::DBInstance") == "AwsRdsDbInstance")
        #expect(ReferenceCatalogue.asffType("AWS::DynamoDB::Table") == "AwsDynamoDbTable")
        #expect(ReferenceCatalogue.asffType("AWS::EC2::VPC") == "AwsEc2Vpc")
        #expect(ReferenceCatalogue.asffType("AWS::KMS::Key") == "AwsKmsKey")
        #expect(ReferenceCatalogue.asffType("AWS::ElasticLoadBalancingV2::LoadBalancer") == "AwsElbv2LoadBalancer")
    }

    @Test func everyShippedPlaybookMatchesExactlyTheCatalogueEntriesItIsMeantFor() throws {
        let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        #expect(library.playbooks.count >= 15)
        let entries = try Self.reference().entries
        #expect(entries.count > 500, "read \(entries.count) catalogue entries")
        var actual: [String] = []
        for entry in entries {
            let playbooks = library.playbooks.filter { $0.match.decide(entry.finding).isMatch }.map(\.name).sorted()
            if !playbooks.isEmpty { actual.append("\(entry.key)\t\(playbooks.joined(separator: ","))") }
        }
        let intended = try String(
            contentsOfFile: Repository.path("Fixtures/coverage/intended-matches.tsv"),
            encoding: .utf8
        ).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        let unintended = Set(actual).subtracting(intended).sorted()
        let missing = Set(intended).subtracting(actual).sorted()
        #expect(unintended.isEmpty, "matches not listed as intended:\n\(unintended.joined(separator: "\n"))")
        #expect(missing.isEmpty, "intended matches that no longer happen:\n\(missing.joined(separator: "\n"))")
    }

    @Test func aControlFindingIsNeverMatchedByItsTypesAlone() throws {
        // S3.9 (access logging) shares S3.8's types; the public-bucket playbook must not block public access for it
        let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        let types = [
            "Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices",
            "Effects/Data Exposure",
        ]
        for (control, playbooks) in [
            ("S3.9", ["s3-access-logging"]), ("S3.5", ["s3-require-tls"]), ("S3.13", ["s3-lifecycle"]),
            ("S3.11", ["s3-event-notifications"]), ("S3.6", []),
        ] {
            let finding = Self.finding(control, types: types)
            let matched = library.playbooks.filter { $0.match.decide(finding).isMatch }.map(\.name)
            #expect(matched == playbooks, "\(control) matched \(matched)")
        }
        // While S3.8 is the public-bucket playbook's
        let exposure = Self.finding("S3.8", types: types)
        #expect(library.playbooks.filter { $0.match.decide(exposure).isMatch }.map(\.name) == ["s3-public-bucket"])
    }
}
