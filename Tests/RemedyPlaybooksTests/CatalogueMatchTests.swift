import Foundation
import RemedyActions
import RemedyCore
import RemedyPlaybooks
import RemedyTestSupport
import Testing

/// Every shipped playbook against the reference catalogues: no match that is not intended.
///
/// One synthetic finding for every GuardDuty finding type and every Security Hub control in
/// `Fixtures/coverage/reference/` goes through the real matcher; every match must be one
/// `Fixtures/coverage/intended-matches.tsv` lists, and every listed match must happen. An over-match (a playbook
/// acting on findings it was not written for) fails here.
@Suite struct CatalogueMatchTests {
    /// One synthetic finding and the catalogue entry it stands for.
    struct Entry {
        var key: String
        var finding: Finding
    }

    /// `AWS::S3::Bucket` -> `AwsS3Bucket`: ASFF spells CloudFormation's type with each part capitalised.
    static func asffType(_ cloudFormation: String) -> String {
        cloudFormation.split(separator: ":").reduce("") { name, part in
            let isAcronym = part.allSatisfy { $0.isUppercase || $0.isNumber }
            return name + (isAcronym ? part.prefix(1) + part.dropFirst().lowercased() : String(part))
        }
    }

    /// GuardDuty's resource types as remedy names them (those it has no name for keep GuardDuty's).
    static let guardDutyResources = [
        "Instance": "AwsEc2Instance", "AccessKey": "AwsIamAccessKey", "S3Bucket": "AwsS3Bucket",
        "Lambda": "AwsLambdaFunction", "EKSCluster": "AwsEksCluster", "ECSCluster": "AwsEcsCluster",
        "RDSDBInstance": "AwsRdsDbInstance", "S3Object": "AwsS3Object",
    ]

    static let severities = ["Low": 20.0, "Medium": 50.0, "High": 80.0, "Critical": 95.0]

    static func rows(_ file: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: Repository.path("Fixtures/coverage/reference/\(file)"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    static func finding(
        _ id: String,
        source: FindingSource,
        types: [String],
        control: String? = nil,
        severity: Double,
        resource: String?
    ) -> Finding {
        Finding(
            id: id,
            source: source,
            types: types,
            controlID: control,
            severity: Severity(score: severity),
            account: "111122223333",
            region: "us-east-1",
            partition: .aws,
            resources: resource.map { [FindingResource(type: $0, id: "resource-1", tags: [:])] } ?? [],
            updatedAt: "2026-12-07T00:00:00Z",
            raw: [:]
        )
    }

    static func entries() throws -> [Entry] {
        var entries: [Entry] = []
        for row in try rows("guardduty-finding-types.tsv") {
            guard let type = row["type"], !type.isEmpty else { continue }
            let severity = severities[row["severity"] ?? ""] ?? 80
            // A type reported on several kinds of resource gets a finding for each; an attack sequence arrives as
            // one finding per member, which may be an instance, an access key or a bucket.
            let kinds =
                row["family"] == "attack-sequence"
                ? ["Instance", "AccessKey", "S3Bucket"]
                : (row["resource_type"] ?? "").split(separator: "|").map(String.init)
            for kind in kinds.isEmpty ? [""] : kinds {
                let resource = guardDutyResources[kind]
                entries.append(
                    Entry(
                        key: "guardduty\t\(type)\t\(resource ?? "-")",
                        finding: finding(
                            type,
                            source: .guardduty,
                            types: [type],
                            severity: severity,
                            resource: resource
                        )
                    )
                )
            }
        }
        for row in try rows("securityhub-fsbp-controls.tsv") {
            guard let control = row["control_id"], !control.isEmpty else { continue }
            let severity = severities[(row["severity"] ?? "").capitalized] ?? 70
            let kinds = (row["resource_type"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            for kind in kinds.isEmpty ? [""] : kinds {
                let resource = kind.hasPrefix("AWS::") ? asffType(kind) : nil
                let types = [
                    "Software and Configuration Checks/Industry and Regulatory Standards/"
                        + "AWS-Foundational-Security-Best-Practices"
                ]
                entries.append(
                    Entry(
                        key: "control\t\(control)\t\(resource ?? "-")",
                        finding: finding(
                            control,
                            source: .securityhub,
                            types: types,
                            control: control,
                            severity: severity,
                            resource: resource
                        )
                    )
                )
            }
        }
        return entries
    }

    @Test func asffTypesAreSpelledAsSecurityHubSpellsThem() {
        #expect(Self.asffType("AWS::S3::Bucket") == "AwsS3Bucket")
        #expect(Self.asffType("AWS::EC2::SecurityGroup") == "AwsEc2SecurityGroup")
        #expect(Self.asffType("AWS::::Account") == "AwsAccount")
        #expect(Self.asffType("AWS::IAM::AccessKey") == "AwsIamAccessKey")
        #expect(Self.asffType("AWS::Lambda::Function") == "AwsLambdaFunction")
    }

    @Test func everyShippedPlaybookMatchesExactlyTheCatalogueEntriesItIsMeantFor() throws {
        let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        #expect(library.playbooks.count >= 15)
        let entries = try Self.entries()
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
        for control in ["S3.9", "S3.5", "S3.13"] {
            let finding = Self.finding(
                control,
                source: .securityhub,
                types: types,
                control: control,
                severity: 70,
                resource: "AwsS3Bucket"
            )
            let matched = library.playbooks.filter { $0.match.decide(finding).isMatch }.map(\.name)
            #expect(matched.isEmpty, "\(control) matched \(matched)")
        }
        // While S3.8 is the public-bucket playbook's
        let exposure = Self.finding(
            "S3.8",
            source: .securityhub,
            types: types,
            control: "S3.8",
            severity: 70,
            resource: "AwsS3Bucket"
        )
        #expect(library.playbooks.filter { $0.match.decide(exposure).isMatch }.map(\.name) == ["s3-public-bucket"])
    }
}
