import Foundation
import RemedyAWS
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

/// A republished GuardDuty finding, as `remedy run` meets it against moto: it joins the case of the run that
/// contained the instance, checks that the quarantine still holds, and takes no new snapshot.
extension MotoIntegrationTests {
    @Test func aRepublishedFindingJoinsItsCaseAndTakesNoNewSnapshots() async throws {
        let world = try await world()
        let (instance, group) = try await launchInstance(world, groupName: "web-\(UUID().uuidString.prefix(8))")
        try await withTemporaryDirectory { directory in
            _ = try directory.write("playbooks/contain.yaml", Self.containPlaybook)
            let environment = try doctorEnvironment(world.credentials, home: directory.path)
            let journalPath = directory.file("journal.sqlite")
            func run(updatedAt: String) throws -> ProcessResult {
                var finding = try #require(
                    try JSONSerialization.jsonObject(with: Data(try Self.sshFinding(instance: instance).utf8))
                        as? [String: Any]
                )
                finding["updatedAt"] = updatedAt
                let file = try directory.write(
                    "finding-\(updatedAt).json",
                    String(
                        decoding: try JSONSerialization.data(withJSONObject: finding),
                        as: UTF8.self
                    )
                )
                return try RemedyBinary.run(
                    ["run", file, "--playbooks", directory.file("playbooks"), "--journal", journalPath],
                    environment: environment
                )
            }
            // The first delivery contains the instance
            let first = try run(updatedAt: "2026-12-07T10:00:00.000Z")
            #expect(first.status == 0, "\(first.standardOutput)\(first.standardError)")
            let described = try #require(try await world.ec2.describeInstances(ids: [instance]).first)
            #expect(!described.securityGroupIDs.contains(group))

            // GuardDuty republishes it: the run joins the case, finds the quarantine holding, and does nothing more
            let second = try run(updatedAt: "2026-12-07T10:15:00.000Z")
            #expect(second.status == 0, "\(second.standardOutput)\(second.standardError)")
            #expect(second.standardOutput.contains("already contained by run"), "\(second.standardOutput)")
            for volume in described.volumes {
                #expect(try await world.ec2.describeSnapshots(filters: ["volume-id": [volume.volumeID]]).count == 1)
            }
            let journal = try JournalDatabase(path: journalPath)
            let runs = try journal.records().filter { $0.kind == "run.created" }
            #expect(runs.count == 2)
            let caseID = try #require(runs[0].payload["case"]?.stringValue)
            #expect(runs[1].payload["case"] == .string(caseID))
            #expect(runs[1].payload["joinedRun"] == .string(runs[0].runID ?? ""))

            // remedy cases lists it, open, with its two runs; remedy show CASE lists them
            let cases = try RemedyBinary.run(["cases", "--open", "--journal", journalPath], environment: environment)
            let line = try #require(cases.standardOutput.split(separator: "\n").first { $0.hasPrefix(caseID) })
            #expect(line.contains("  open  contain-instance  "), "\(line)")
            #expect(line.contains(instance))
            #expect(line.contains("2 run(s), 1 finding(s), 1 already contained  last succeeded"), "\(line)")
            let show = try RemedyBinary.run(["show", caseID, "--journal", journalPath], environment: environment)
            #expect(show.status == 0)
            #expect(show.standardOutput.split(separator: "\n").count == 3, "\(show.standardOutput)")
            #expect(show.standardOutput.contains("already contained by \(runs[0].runID ?? "")"))
        }
    }
}
