import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyAWS

/// A playbook that exempts resources by tag, for a finding that does not carry the resource's tags: the run reads
/// them from the account before any other step, and stops there when the resource is exempt. Scoping fails closed.
extension MotoIntegrationTests {
    static let exemptingPlaybook = """
        apiVersion: remedy/v1
        name: mark-unless-exempt
        match:
          types: ["UnauthorizedAccess:EC2/*"]
          resource: AwsEc2Instance
          exclude:
            tags: {"remedy:exempt": "true"}
        steps:
          - id: mark
            action: ec2.tag
            with: {instance: "{{ finding.resources[0].id }}", tags: {"remedy:case": "{{ run.id }}"}}
        """

    /// The SSH brute-force finding for `instance`, without the instance's tags (as a hand-built event may be).
    static func findingWithoutTags(instance: String) throws -> String {
        var finding = try #require(
            try JSONSerialization.jsonObject(with: Data(try sshFinding(instance: instance).utf8)) as? [String: Any]
        )
        var resource = try #require(finding["resource"] as? [String: Any])
        var details = try #require(resource["instanceDetails"] as? [String: Any])
        details["tags"] = nil
        resource["instanceDetails"] = details
        finding["resource"] = resource
        return String(decoding: try JSONSerialization.data(withJSONObject: finding), as: UTF8.self)
    }

    @Test func anInstanceExemptByATagTheFindingDidNotCarryIsLeftAlone() async throws {
        let world = try await world()
        let (exempt, _) = try await launchInstance(world, groupName: "web-\(UUID().uuidString.prefix(8))")
        let (other, _) = try await launchInstance(world, groupName: "web-\(UUID().uuidString.prefix(8))")
        try await world.ec2.createTags(resources: [exempt], tags: ["remedy:exempt": "true", "team": "payments"])
        try await withTemporaryDirectory { directory in
            _ = try directory.write("playbooks/mark.yaml", Self.exemptingPlaybook)
            let environment = try doctorEnvironment(world.credentials, home: directory.path)
            func run(_ instance: String, _ extra: [String] = []) throws -> (ProcessResult, [String]) {
                let finding = try directory.write("\(instance).json", try Self.findingWithoutTags(instance: instance))
                let journal = directory.file("\(instance)\(extra.isEmpty ? "" : "-dry").sqlite")
                let result = try RemedyBinary.run(
                    ["run", finding, "--playbooks", directory.file("playbooks"), "--journal", journal] + extra,
                    environment: environment
                )
                return (result, try Self.trail(try JournalDatabase(path: journal)))
            }

            // The plan says the tags will be read first
            let plan = try RemedyBinary.run(
                [
                    "plan", try directory.write("plan.json", try Self.findingWithoutTags(instance: exempt)),
                    "--playbooks", directory.file("playbooks"),
                ],
                environment: environment
            )
            #expect(plan.standardOutput.contains("check before acting"), "\(plan.standardOutput)")

            // A rehearsal already says the instance is exempt (the read is sent in dry-run)
            let (rehearsal, _) = try run(exempt, ["--dry-run"])
            #expect(rehearsal.standardOutput.contains("ResourceExempt"), "\(rehearsal.standardOutput)")

            // The exempt instance: the run stops at the check, and the instance is untouched
            let (refused, trail) = try run(exempt)
            #expect(refused.status == 1)
            #expect(
                trail == [
                    "run.created", "step.started check-exemption-tags", "step.failed check-exemption-tags",
                    "run.failed check-exemption-tags",
                ]
            )
            #expect(refused.standardOutput.contains("remedy:exempt=true"), "\(refused.standardOutput)")
            let untouched = try await world.ec2.describeInstances(ids: [exempt]).first?.tags
            #expect(untouched == ["remedy:exempt": "true", "team": "payments"])

            // Another instance: read, not exempt, acted on
            let (acted, otherTrail) = try run(other)
            #expect(acted.status == 0, "\(acted.standardOutput)\(acted.standardError)")
            #expect(otherTrail.contains("step.succeeded check-exemption-tags"))
            #expect(otherTrail.last == "run.succeeded")
            #expect(try await world.ec2.describeInstances(ids: [other]).first?.tags["remedy:case"] != nil)
        }
    }

    static let lockdownUnlessByDesign = """
        apiVersion: remedy/v1
        name: bucket-lockdown
        match:
          controls: ["S3.8"]
          resource: AwsS3Bucket
          exclude:
            tags: {"remedy:public-by-design": "true"}
        steps:
          - id: block
            action: s3.block_public_access
            with: {bucket: "{{ finding.resources[0].id }}"}
        """

    @Test func aBucketPublicByDesignIsLeftPublic() async throws {
        let credentials = try await moto.prepare()
        let s3 = S3Client(try moto.client(.s3, credentials: credentials))
        let bucket = "by-design-\(UUID().uuidString.prefix(8).lowercased())"
        try await s3.createBucket(bucket)
        #expect(try await s3.tags(ofBucket: bucket) == [:])
        var tagging = s3.call(
            bucket,
            "PutBucketTagging",
            method: "PUT",
            subresource: "tagging",
            effect: .mutating(idempotent: true)
        )
        tagging.body = Array(
            #"<Tagging><TagSet><Tag><Key>remedy:public-by-design</Key><Value>true</Value></Tag></TagSet></Tagging>"#
                .utf8
        )
        _ = try await s3.client.perform(tagging)
        #expect(try await s3.tags(ofBucket: bucket) == ["remedy:public-by-design": "true"])
        try await withTemporaryDirectory { directory in
            _ = try directory.write("playbooks/lockdown.yaml", Self.lockdownUnlessByDesign)
            // The S3.8 finding (no tags on its resource) for this bucket
            let fixture = try Repository.read("Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json")
            let finding = try directory.write(
                "finding.json",
                fixture.replacingOccurrences(of: "acme-web-assets-prod", with: bucket)
            )
            let journal = directory.file("journal.sqlite")
            let result = try RemedyBinary.run(
                ["run", finding, "--playbooks", directory.file("playbooks"), "--journal", journal],
                environment: try doctorEnvironment(credentials, home: directory.path)
            )
            #expect(result.status == 1)
            let failed = try JournalDatabase(path: journal).records().last { $0.kind == "step.failed" }
            #expect(failed?.payload["code"] == "ResourceExempt")
            #expect(try await s3.publicAccessBlock(bucket: bucket) == nil)
        }
    }
}
