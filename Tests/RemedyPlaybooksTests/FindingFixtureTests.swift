import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

@testable import RemedyPlaybooks

/// Every fixture in `Fixtures/findings/manifest.json` normalises to what the manifest says, or is refused for the
/// reason it names.
///
/// The manifest was written from the AWS schemas, independently of the decoder.
@Suite struct FindingFixtureTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var path: String
        var entry: JSONValue
        var testDescription: String { path }
    }

    static let manifest: [Case] = {
        guard let bytes = try? Repository.bytes("Fixtures/findings/manifest.json"),
            let document = try? JSONParser(limits: .init(maximumBytes: 1 << 24, maximumDepth: 64)).parse(bytes),
            case .array(let fixtures)? = document["fixtures"]
        else { return [] }
        return fixtures.compactMap { entry in entry["path"]?.stringValue.map { Case(path: $0, entry: entry) } }
    }()

    @Test func manifestListsEveryFixture() throws {
        let directory = Repository.path("Fixtures/findings")
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".json") && $0 != "manifest.json" }
        #expect(Set(files) == Set(Self.manifest.map(\.path)))
        #expect(Self.manifest.count >= 60)
    }

    @Test(arguments: manifest.filter { $0.entry["expect"] == "findings" })
    func fixtureNormalisesAsTheManifestSays(_ fixture: Case) throws {
        let findings = try FindingDecoder().decode(try Repository.bytes("Fixtures/findings/\(fixture.path)"))
        guard case .array(let expected)? = fixture.entry["findings"] else {
            Issue.record("manifest entry has no findings")
            return
        }
        try #require(findings.count == expected.count)
        for (finding, expectation) in zip(findings, expected) {
            #expect(finding.id == expectation["id"]?.stringValue)
            #expect(finding.source.rawValue == expectation["source"]?.stringValue)
            let expectedTypes = expectation["types"]?.arrayValue?.compactMap(\.stringValue) ?? []
            // Security Hub's copy of a GuardDuty finding also carries the native GuardDuty type, after ASFF's own.
            #expect(Array(finding.types.prefix(expectedTypes.count)) == expectedTypes)
            if finding.source == .guardduty, finding.raw["ProductArn"] != nil {
                #expect(finding.types.count == expectedTypes.count * 2)
            } else {
                #expect(finding.types.count == expectedTypes.count)
            }
            #expect(finding.controlID == expectation["controlId"]?.stringValue)
            #expect(finding.severity.score == expectation["severity"]?.doubleValue)
            #expect(finding.severity.label.rawValue == expectation["severityLabel"]?.stringValue)
            #expect(finding.account == expectation["account"]?.stringValue)
            #expect(finding.region == expectation["region"]?.stringValue)
            #expect(finding.partition.rawValue == expectation["partition"]?.stringValue)
            #expect(finding.updatedAt == expectation["updatedAt"]?.stringValue)
            let resource = try #require(finding.resources.first)
            let expectedType = try #require(expectation["resource"]?["type"]?.stringValue)
            #expect(resource.type == ConfigComplianceChange.securityHubResourceType(forConfigType: expectedType))
            // The manifest records the identifier as the feed wrote it (usually an ARN); remedy keeps the bare id that
            // API calls take, and the ARN beside it.
            let expectedID = try #require(expectation["resource"]?["id"]?.stringValue)
            #expect(
                [resource.id, resource.arn, "AWS::::Account:\(resource.id)"].contains(expectedID),
                "resource \(resource.id) (\(resource.arn ?? "no ARN")) does not correspond to \(expectedID)"
            )
            if let user = expectation["resource"]?["user"]?.stringValue {
                #expect(resource.details["userName"]?.stringValue == user)
            }
            // An access key's principal reads the same from GuardDuty, Security Hub and attack sequences
            for key in ["userName", "userType"] {
                if let value = expectation["resource"]?[key]?.stringValue {
                    #expect(resource.details[key]?.stringValue == value, "\(key)")
                }
            }
            #expect(finding.isSample == (expectation["sample"]?.boolValue ?? false))
            #expect(finding.updatedAtOrigin.rawValue == expectation["updatedAtFrom"]?.stringValue ?? "updatedAt")
        }
    }

    @Test(arguments: manifest.filter { $0.entry["expect"] != "findings" })
    func fixtureIsRefusedForTheManifestsReason(_ fixture: Case) throws {
        let bytes = try Repository.bytes("Fixtures/findings/\(fixture.path)")
        let reason = try #require(fixture.entry["reason"]?.stringValue)
        do {
            let findings = try FindingDecoder().decode(bytes)
            Issue.record("accepted \(findings.count) finding(s); expected refusal for '\(reason)'")
        } catch {
            #expect(error.message.lowercased().contains(reason), "\(error.message)")
            if fixture.entry["expect"] == "not-a-finding" {
                #expect(error.kind == .notAFinding)
            } else {
                #expect(error.kind != .notAFinding)
            }
        }
    }

    @Test func pascalCaseGuardDutyOutputNormalisesLikeCamelCase() throws {
        let api = try FindingDecoder().decode(
            try Repository.bytes("Fixtures/findings/guardduty-api/get-findings-api.json")
        )
        let cli = try FindingDecoder().decode(
            try Repository.bytes("Fixtures/findings/guardduty-api/get-findings-cli.json")
        )
        #expect(!api.isEmpty && !cli.isEmpty)
        // Both expose the raw finding in the API's camelCase, so playbook paths into raw work for either.
        for finding in api + cli {
            #expect(finding.raw["accountId"] != nil)
            #expect(finding.raw["AccountId"] == nil)
        }
    }

    @Test func findingsFromSecurityHubCarryTheNativeGuardDutyType() throws {
        let findings = try FindingDecoder().decode(
            try Repository.bytes("Fixtures/findings/eventbridge/securityhub-imported-guardduty-backdoor.json")
        )
        #expect(findings.first?.types.contains("Backdoor:EC2/C&CActivity.B") == true)
    }

    @Test func oversizedInputIsRefusedBeforeParsing() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
        #expect(throws: FindingInputError.self) { try FindingDecoder().decode(big) }
    }

    @Test func batchWithOneBadEntryIsRefusedNamingTheEntry() throws {
        let good = try Repository.read("Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json")
        let bad = good.replacingOccurrences(of: "\"AwsAccountId\": \"", with: "\"AwsAccountId\": \"x")
        let batch = "{\"Findings\": [\(good), \(bad)]}"
        do {
            _ = try FindingDecoder().decode(Array(batch.utf8))
            Issue.record("a batch with an invalid account id was accepted")
        } catch {
            #expect(error.message.hasPrefix("Findings[1]:"))
            #expect(error.message.contains("account id"))
        }
    }
}
