import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

/// `remedy coverage` measures the shipped playbooks against the full reference catalogues.
@Suite struct CoverageCommandTests {
    func coverage(_ arguments: [String]) throws -> (status: Int32, document: JSONValue, errors: String) {
        let result = try RemedyBinary.run(["coverage", "--output", "json"] + arguments)
        return (
            result.status, try JSONParser(limits: .init(maximumBytes: 1 << 24)).parse(result.standardOutput),
            result.standardError
        )
    }

    func item(_ document: JSONValue, _ section: String, _ list: String, _ key: String, _ name: String) -> JSONValue? {
        document[section]?[list]?.arrayValue?.first { $0[key]?.stringValue == name }
    }

    @Test func totalsAreAgainstTheFullCataloguesAndEntriesAreDecidedByTheMatcher() throws {
        let (status, document, _) = try coverage([])
        #expect(status == 0)
        // Denominators are the catalogues' sizes, not what the playbooks cover
        #expect(document["guardduty"]?["standard"]?["total"] == 189)
        #expect(document["controls"]?["asr"]?["total"] == 107)
        #expect(document["controls"]?["all"]?["total"] == 402)
        let families = document["guardduty"]?["families"]?.arrayValue ?? []
        #expect(families.first { $0["family"] == "ec2" }?["total"] == 40)
        #expect(families.first { $0["family"] == "runtime" }?["total"] == 36)
        // A covered type and control name their playbook; an uncovered one is a gap
        #expect(
            item(document, "guardduty", "types", "type", "Backdoor:EC2/C&CActivity.B")?["playbooks"]
                == ["ec2-compromise-contain"]
        )
        #expect(item(document, "controls", "controls", "control", "S3.8")?["playbooks"] == ["s3-public-bucket"])
        #expect(
            item(document, "controls", "controls", "control", "S3.8")?["asrRunbook"]
                == "ASR-ConfigureS3BucketPublicAccessBlock"
        )
        // S3.9 shares S3.8's finding types but is about access logging: its own playbook, not the public bucket's;
        // S3.6 (other accounts' access) shares them too and no playbook acts on it
        #expect(item(document, "controls", "controls", "control", "S3.9")?["playbooks"] == ["s3-access-logging"])
        #expect(item(document, "controls", "controls", "control", "S3.6")?["playbooks"] == [])
        let gaps = document["gaps"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(gaps.contains("S3.6"))
        #expect(gaps.contains("Discovery:S3/AnomalousBehavior"))
        #expect(!gaps.contains("S3.8"))
        // The covered counts are the entries with a playbook
        let types = document["guardduty"]?["types"]?.arrayValue ?? []
        let standardCovered = types.filter {
            $0["family"] != "custom-detection-rules" && $0["playbooks"]?.arrayValue?.isEmpty == false
        }.count
        #expect(document["guardduty"]?["standard"]?["covered"] == .number(Double(standardCovered)))
    }

    @Test func failOnGapLetsThroughOnlyTheAcceptedGapsAndRefusesStaleOnes() async throws {
        let (_, document, _) = try coverage([])
        let gaps = document["gaps"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let types = Set(document["guardduty"]?["types"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? [])
        func file(_ names: [String]) -> String {
            "accepted_gaps:\n"
                + names.map { name in
                    "  - \(types.contains(name) ? "type" : "control"): \(JSONValue.string(name).jsonText())\n"
                        + "    reason: \"not yet: the test accepts it\"\n"
                }.joined()
        }
        try await withTemporaryDirectory { directory in
            // Every gap accepted: nothing fails
            let all = try directory.write("all.yaml", file(gaps))
            #expect(try coverage(["--fail-on-gap", "--accepted-gaps", all]).status == 0)
            // Without any list, or with one gap left out, --fail-on-gap fails and says how many
            let none = try coverage(["--fail-on-gap"])
            #expect(none.status == 1)
            #expect(none.errors.contains("\(gaps.count) entries are uncovered and not accepted"))
            let allButOne = try directory.write("all-but-one.yaml", file(Array(gaps.dropFirst())))
            let missing = try coverage(["--fail-on-gap", "--accepted-gaps", allButOne])
            #expect(missing.status == 1)
            #expect(missing.errors.contains("1 entries are uncovered and not accepted, first \(gaps[0])"))
            // Accepting what a playbook covers is stale: named with its place in the file
            let stale = try directory.write("stale.yaml", file(gaps + ["Backdoor:EC2/C&CActivity.B"]))
            let refused = try coverage(["--fail-on-gap", "--accepted-gaps", stale])
            #expect(refused.status == 1)
            #expect(
                refused.errors.contains(
                    "error: \(stale):\(2 * gaps.count + 2):11: 'Backdoor:EC2/C&CActivity.B' is accepted as a gap"
                ),
                "\(refused.errors)"
            )
        }
    }

    @Test func theShippedAcceptedGapsAreAllUncoveredAndExplained() throws {
        let (status, document, errors) = try coverage(["--accepted-gaps", "Fixtures/coverage/accepted-gaps.yaml"])
        #expect(status == 0)
        #expect(!errors.contains("is accepted as a gap"), "\(errors)")
        let accepted = (document["guardduty"]?["types"]?.arrayValue ?? []).filter { $0["acceptedGap"] != .null }
        #expect(accepted.count == 16)
        #expect(accepted.allSatisfy { $0["playbooks"] == [] && ($0["acceptedGap"]?.stringValue?.count ?? 0) > 40 })
        let gaps = document["gaps"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(!gaps.contains("Discovery:IAMUser/AnomalousBehavior"))
    }

    @Test func anAcceptedGapWithoutAReasonIsRefusedWithItsPosition() async throws {
        try await withTemporaryDirectory { directory in
            let file = try directory.write(
                "gaps.yaml",
                "accepted_gaps:\n  - type: \"Discovery:S3/AnomalousBehavior\"\n"
            )
            let result = try RemedyBinary.run(["coverage", "--accepted-gaps", file])
            #expect(result.status == 1)
            #expect(
                result.standardError.contains("\(file):2:5: error: an accepted gap needs a 'reason'"),
                "\(result.standardError)"
            )
        }
    }

    @Test func newerCataloguesAreReadFromADirectoryAndABrokenOneIsNamedByLine() async throws {
        try await withTemporaryDirectory { directory in
            let reference = Repository.path("Sources/RemedyPlaybooks/Coverage/Reference")
            for name in ["guardduty-finding-types.tsv", "asr-remediations.tsv"] {
                try directory.write(name, try String(contentsOfFile: "\(reference)/\(name)", encoding: .utf8))
            }
            try directory.write(
                "securityhub-fsbp-controls.tsv",
                "control_id\tresource_type\tseverity\nX.1\tAWS::S3::Bucket\n"
            )
            let result = try RemedyBinary.run(["coverage", "--reference", directory.path])
            #expect(result.status == 1)
            #expect(result.standardError.contains("securityhub-fsbp-controls.tsv:2: 2 cells where the header has 3"))
        }
    }

    @Test func theCoverageDocumentIsTheCommandsOutput() throws {
        let result = try RemedyBinary.run(["coverage", "--output", "markdown"])
        #expect(result.status == 0)
        let document = try Repository.read("docs/coverage.md")
        #expect(
            document == result.standardOutput,
            "docs/coverage.md is not current: run remedy coverage --output markdown > docs/coverage.md"
        )
    }
}
