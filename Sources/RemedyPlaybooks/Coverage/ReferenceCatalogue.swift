import Foundation
import RemedyCore

/// The catalogues coverage is measured against, each entry with a synthetic finding.
///
/// Shipped with the binary from `Sources/RemedyPlaybooks/Coverage/Reference/` (whose README names each file's
/// sources), or read from a directory of newer copies: every active GuardDuty finding type by family,
/// every Security Hub control, and the controls AWS's Automated Security Response remediates. Coverage is what the
/// real matcher decides for each entry's finding, not a comparison of names.
public struct ReferenceCatalogue: Sendable {
    public struct Entry: Sendable {
        public enum Kind: String, Sendable, Hashable {
            case guardDutyType = "guardduty"
            case securityHubControl = "control"
        }

        public var kind: Kind
        /// The GuardDuty type or the control id.
        public var name: String
        /// The GuardDuty family (`ec2`, `runtime`, `attack-sequence`, ...) or the control's service (`S3`).
        public var family: String
        /// The resource the synthetic finding is about, as remedy names it (`AwsEc2Instance`); nil when the
        /// catalogue names none remedy knows.
        public var resourceType: String?
        /// For a control: whether ASR remediates it, and with which runbook.
        public var asrRunbook: String?
        /// The finding a playbook is matched against.
        public var finding: Finding

        /// `kind`, name and resource type: one line of `Fixtures/coverage/intended-matches.tsv`.
        public var key: String { "\(kind.rawValue)\t\(name)\t\(resourceType ?? "-")" }
    }

    public var entries: [Entry]

    /// Reads the catalogue files' text (tab-separated, with a header row).
    ///
    /// `controlResourceTypes` gives the resource types of the controls ASR remediates that the controls file does
    /// not list (CIS, PCI and retired ids), read from their Security Hub pages.
    public init(
        guardDutyTypes: String,
        controls: String,
        asrRemediations: String,
        controlResourceTypes: String = "control_id\tresource_type"
    ) throws(ReferenceCatalogueError) {
        var runbooks: [String: String] = [:]
        for row in try Self.rows(asrRemediations, file: Self.files.asrRemediations, columns: ["control_id", "runbook"])
        {
            runbooks[row["control_id"]] = row["runbook"]
        }
        var otherResourceTypes: [String: String] = [:]
        for row in try Self.rows(
            controlResourceTypes,
            file: Self.files.controlResourceTypes,
            columns: ["control_id", "resource_type"]
        ) {
            otherResourceTypes[row["control_id"]] = row["resource_type"]
        }
        entries = []
        for row in try Self.rows(
            guardDutyTypes,
            file: Self.files.guardDutyTypes,
            columns: ["type", "family", "resource_type", "severity"]
        ) {
            let type = row["type"]
            // An attack sequence arrives as one finding per member: an instance, an access key or a bucket.
            var kinds =
                row["family"] == "attack-sequence"
                ? ["Instance", "AccessKey", "S3Bucket"]
                : row["resource_type"].split(separator: "|").map(String.init)
            // GuardDuty's S3 findings name their buckets in `s3BucketDetails` whatever kind the catalogue gives.
            if row["family"] == "s3", !kinds.contains("S3Bucket") { kinds.append("S3Bucket") }
            for kind in kinds.isEmpty ? [""] : kinds {
                let resource = Self.guardDutyResources[kind]
                entries.append(
                    Entry(
                        kind: .guardDutyType,
                        name: type,
                        family: row["family"],
                        resourceType: resource,
                        finding: Self.finding(
                            type,
                            source: .guardduty,
                            types: [type],
                            severity: Self.severity(row["severity"]),
                            resource: resource
                        )
                    )
                )
            }
        }
        for row in try Self.rows(
            controls,
            file: Self.files.controls,
            columns: ["control_id", "resource_type", "severity"]
        ) {
            let control = row["control_id"]
            entries += Self.controlEntries(
                control,
                resourceTypes: row["resource_type"],
                asrRunbook: runbooks[control],
                types: [
                    "Software and Configuration Checks/Industry and Regulatory Standards/"
                        + "AWS-Foundational-Security-Best-Practices"
                ],
                severity: Self.severity(row["severity"].capitalized)
            )
        }
        // ASR also remediates controls of its other standards (CIS, PCI, NIST) and ids the FSBP list no longer
        // holds: each is an entry too, about the resources its Security Hub page names.
        let listed = Set(entries.map(\.name))
        for (control, runbook) in runbooks.sorted(by: { $0.key < $1.key }) where !listed.contains(control) {
            entries += Self.controlEntries(
                control,
                resourceTypes: otherResourceTypes[control] ?? "",
                asrRunbook: runbook,
                types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
                severity: 70
            )
        }
    }

    /// One entry per resource type a control names (`AWS::S3::Bucket, AWS::S3::AccessPoint`), or one about no
    /// resource when it names none remedy knows.
    static func controlEntries(
        _ control: String,
        resourceTypes: String,
        asrRunbook: String?,
        types: [String],
        severity: Double
    ) -> [Entry] {
        let kinds = resourceTypes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return (kinds.isEmpty ? [""] : kinds).map { kind in
            let resource = kind.hasPrefix("AWS::") ? asffType(kind) : nil
            return Entry(
                kind: .securityHubControl,
                name: control,
                family: String(control.prefix { $0 != "." }),
                resourceType: resource,
                asrRunbook: asrRunbook,
                finding: finding(
                    control,
                    source: .securityhub,
                    types: types,
                    control: control,
                    severity: severity,
                    resource: resource
                )
            )
        }
    }

    /// The files of a reference directory.
    public static let files = (
        guardDutyTypes: "guardduty-finding-types.tsv",
        controls: "securityhub-fsbp-controls.tsv",
        asrRemediations: "asr-remediations.tsv",
        controlResourceTypes: "control-resource-types.tsv"
    )

    /// The catalogues shipped with remedy.
    public static func bundled() throws(ReferenceCatalogueError) -> ReferenceCatalogue {
        try load(directory: try bundledDirectory())
    }

    static func bundledDirectory() throws(ReferenceCatalogueError) -> String {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Reference").path else {
            throw ReferenceCatalogueError(file: "Reference", line: 0, message: "the shipped catalogues are missing")
        }
        return directory
    }

    /// The text of catalogue file `name` in `directory`.
    static func text(_ name: String, in directory: String) throws(ReferenceCatalogueError) -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ReferenceCatalogueError(file: path, line: 0, message: "cannot be read: \(error.localizedDescription)")
        }
    }

    /// The catalogues in `directory`, under the file names the shipped ones have.
    public static func load(directory: String) throws(ReferenceCatalogueError) -> ReferenceCatalogue {
        func read(_ name: String) throws(ReferenceCatalogueError) -> String { try text(name, in: directory) }
        // A directory of the three upstream catalogues alone takes the shipped control resource types.
        let resourceTypesPath = (directory as NSString).appendingPathComponent(files.controlResourceTypes)
        let resourceTypes =
            FileManager.default.fileExists(atPath: resourceTypesPath)
            ? try read(files.controlResourceTypes) : try text(files.controlResourceTypes, in: bundledDirectory())
        return try ReferenceCatalogue(
            guardDutyTypes: read(files.guardDutyTypes),
            controls: read(files.controls),
            asrRemediations: read(files.asrRemediations),
            controlResourceTypes: resourceTypes
        )
    }

    /// `AWS::RDS::DBInstance` -> `AwsRdsDbInstance`: ASFF spells CloudFormation's type as one word, each run of
    /// capitals kept as a capital and lowercase letters (`DynamoDB` -> `DynamoDb`, `VPC` -> `Vpc`), a capital that
    /// starts a word after such a run kept (`DBInstance` -> `DbInstance`).
    public static func asffType(_ cloudFormation: String) -> String {
        // Security Hub abbreviates the load balancers (botocore's `ResourceDetails` members name them so).
        if let abbreviated = asffAbbreviations[cloudFormation] { return abbreviated }
        return cloudFormation.split(separator: ":").map { part in
            let characters = Array(part)
            var word = ""
            for (index, character) in characters.enumerated() {
                let previousIsUpper = index > 0 && (characters[index - 1].isUppercase || characters[index - 1].isNumber)
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                word.append(
                    character.isUppercase && previousIsUpper && !nextIsLower
                        ? Character(character.lowercased()) : character
                )
            }
            return word
        }.joined()
    }

    static let asffAbbreviations = [
        "AWS::ElasticLoadBalancingV2::LoadBalancer": "AwsElbv2LoadBalancer",
        "AWS::ElasticLoadBalancing::LoadBalancer": "AwsElbLoadBalancer",
    ]

    /// GuardDuty's resource types as remedy names them; those it has no name for get no resource.
    static let guardDutyResources = [
        "Instance": "AwsEc2Instance", "AccessKey": "AwsIamAccessKey", "S3Bucket": "AwsS3Bucket",
        "Lambda": "AwsLambdaFunction", "EKSCluster": "AwsEksCluster", "ECSCluster": "AwsEcsCluster",
        "RDSDBInstance": "AwsRdsDbInstance", "S3Object": "AwsS3Object",
    ]

    static let severities = ["Low": 20.0, "Medium": 50.0, "High": 80.0, "Critical": 95.0]

    /// A catalogue's default severity as a score: `Low*` (low when the resource is the target, high when it is the
    /// actor) reads as its usual `Low`; a severity that varies with the threat (`Varies`, `Variable`) or is not
    /// known reads as High, the level responders meet such findings at.
    static func severity(_ text: String) -> Double {
        severities[String(text.prefix { $0.isLetter })] ?? 80
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

    /// One row of a catalogue file: its columns by header name.
    struct Row {
        let cells: [String: String]

        subscript(column: String) -> String { cells[column] ?? "" }
    }

    /// The rows of a tab-separated file whose header names at least `columns`, skipping rows with an empty first
    /// cell; a row with fewer cells than the header is refused.
    static func rows(_ text: String, file: String, columns: [String]) throws(ReferenceCatalogueError) -> [Row] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        guard let header = lines.first, !header.isEmpty else {
            throw ReferenceCatalogueError(file: file, line: 1, message: "no header row")
        }
        let missing = columns.filter { !header.contains($0) }
        guard missing.isEmpty else {
            throw ReferenceCatalogueError(
                file: file,
                line: 1,
                message: "the header has no column \(missing.map { "'\($0)'" }.joined(separator: ", "))"
            )
        }
        var rows: [Row] = []
        for (index, row) in lines.enumerated().dropFirst() where row.first.map({ !$0.isEmpty }) == true {
            // The last column is free text (the sources), which in a few rows holds tabs of its own.
            var cells = row
            if cells.count > header.count {
                cells[header.count - 1] = cells[(header.count - 1)...].joined(separator: "\t")
                cells.removeLast(cells.count - header.count)
            }
            guard cells.count == header.count else {
                throw ReferenceCatalogueError(
                    file: file,
                    line: index + 1,
                    message: "\(cells.count) cells where the header has \(header.count)"
                )
            }
            rows.append(Row(cells: Dictionary(zip(header, cells), uniquingKeysWith: { first, _ in first })))
        }
        return rows
    }
}

/// A catalogue file that does not read, with where.
public struct ReferenceCatalogueError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
