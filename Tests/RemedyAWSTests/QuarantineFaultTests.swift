import Foundation
import RemedyAWS
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

/// The quarantine never ends with the instance in the allow-all group: its second swap is retried, else the
/// instance's own groups are put back, and `remedy undo` restores what a failed quarantine changed. Against moto,
/// through a proxy that refuses chosen `ModifyInstanceAttribute` calls (throttled past the client's retries).
extension MotoIntegrationTests {
    static let quarantinePlaybook = """
        apiVersion: remedy/v1
        name: quarantine-only
        match: {types: ["UnauthorizedAccess:EC2/*"], resource: AwsEc2Instance}
        steps:
          - id: isolate
            action: ec2.quarantine
            with: {instance: "{{ finding.resources[0].id }}"}
        """

    struct SwapFault: CustomStringConvertible, Sendable {
        /// `ModifyInstanceAttribute` calls refused: the 1st is the swap into the allow-all group.
        var refused: String
        var outcome: String
        var code: String?
        var description: String { "refused calls \(refused)" }
    }

    static let swapFaults = [
        // Two refusals of the second swap: retried within the step, the instance ends isolated
        SwapFault(refused: "2:3", outcome: "run.succeeded", code: nil),
        // Every attempt of the second swap refused: the instance's own groups are put back
        SwapFault(refused: "2:6", outcome: "run.failed", code: "QuarantineRolledBack"),
        // And the restore refused too: the run says where the instance is, and undo puts it back
        SwapFault(refused: "2:100", outcome: "run.failed", code: "QuarantineIncomplete"),
    ]

    @Test(arguments: swapFaults)
    func aFailedSecondSwapNeverLeavesTheInstanceInTheAllowAllGroup(_ fault: SwapFault) async throws {
        let world = try await world()
        let (instance, group) = try await launchInstance(world, groupName: "web-\(UUID().uuidString.prefix(8))")
        try await withTemporaryDirectory { directory in
            let moto = try #require(MotoServer.endpointURL)
            let proxy = try FaultProxy(
                upstream: moto,
                arguments: ["--fail", "ModifyInstanceAttribute=\(fault.refused)"],
                directory: directory
            )
            _ = try directory.write("playbooks/quarantine.yaml", Self.quarantinePlaybook)
            let findingFile = try directory.write("finding.json", try Self.sshFinding(instance: instance))
            let journalPath = directory.file("journal.sqlite")
            var environment = try proxiedEnvironment(
                through: proxy,
                world,
                directory,
                aws: "{max_attempts: 1, max_throttled_attempts: 1}"
            )
            // When the quarantine runs
            _ = try RemedyBinary.run(
                ["run", findingFile, "--playbooks", directory.file("playbooks"), "--journal", journalPath],
                environment: environment
            )
            let journal = try JournalDatabase(path: journalPath)
            let records = try journal.records()
            #expect(records.last?.kind == fault.outcome)
            let described = try #require(try await world.ec2.describeInstances(ids: [instance]).first)
            let untrack = try await world.ec2.describeSecurityGroups(
                filters: ["group-name": ["remedy-untrack"], "vpc-id": [world.vpcID]]
            ).first?.id
            switch fault.code {
            case nil:
                // Then it ends isolated, and the allow-all group it passed through is gone from the VPC
                #expect(!described.securityGroupIDs.contains(group))
                #expect(untrack == nil)
            case "QuarantineRolledBack"?:
                // Then it is back in its own groups, never left in the allow-all one, which is gone
                #expect(records.last?.payload["code"] == "QuarantineRolledBack")
                #expect(described.securityGroupIDs == [group])
                #expect(untrack == nil)
            default:
                // Then the failure says where the instance is
                let failed = try #require(records.last { $0.kind == "step.failed" })
                #expect(failed.payload["code"] == "QuarantineIncomplete")
                #expect(failed.payload["message"]?.stringValue?.contains("left in the allow-all group") == true)
                #expect(described.securityGroupIDs == [untrack ?? "-"])
                // And remedy undo, with AWS answering again, restores the groups the step journaled before acting
                environment["AWS_ENDPOINT_URL"] = moto
                let runID = try #require(records.first?.runID)
                let undone = try RemedyBinary.run(["undo", runID, "--journal", journalPath], environment: environment)
                #expect(undone.status == 0, "\(undone.standardOutput)\(undone.standardError)")
                #expect(
                    try journal.records().contains { $0.kind == "undo.succeeded" && $0.payload["step"] == "isolate" }
                )
                let restored = try #require(try await world.ec2.describeInstances(ids: [instance]).first)
                #expect(restored.securityGroupIDs == [group])
            }
        }
    }
}

/// A storm of containments through a proxy that throttles three requests in ten: every run finishes, and no
/// mutating call is made twice for one step.
extension MotoIntegrationTests {
    @Test func aStormThrottledThreeTimesInTenFinishesEveryRunOnce() async throws {
        let world = try await world()
        var instances: [String] = []
        for _ in 0..<4 {
            instances.append(try await launchInstance(world, groupName: "web-\(UUID().uuidString.prefix(8))").instance)
        }
        try await withTemporaryDirectory { directory in
            let proxy = try FaultProxy(
                upstream: try #require(MotoServer.endpointURL),
                arguments: ["--throttle", "0.3", "--seed", "7"],
                directory: directory
            )
            _ = try directory.write("playbooks/contain.yaml", Self.containPlaybook)
            let journalPath = directory.file("journal.sqlite")
            let environment = try proxiedEnvironment(through: proxy, world, directory)
            for instance in instances {
                let finding = try directory.write("\(instance).json", try Self.sshFinding(instance: instance))
                let result = try RemedyBinary.run(
                    ["run", finding, "--playbooks", directory.file("playbooks"), "--journal", journalPath],
                    environment: environment
                )
                #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
            }
            let log = try proxy.log()
            let throttled = log.filter { $0["status"] as? Int == 503 }.count
            #expect(throttled > 10, "the proxy throttled \(throttled) requests")
            func forwarded(_ operation: String) -> Int {
                log.filter { $0["operation"] as? String == operation && $0["forwarded"] as? Bool == true }.count
            }
            // One snapshot set and two swaps per run, as without throttling
            #expect(forwarded("CreateSnapshots") == instances.count)
            #expect(forwarded("ModifyInstanceAttribute") == 2 * instances.count)
            let journal = try JournalDatabase(path: journalPath)
            #expect(try journal.records().filter { $0.kind == "run.succeeded" }.count == instances.count)
        }
    }
}

/// `remedy resume --retry-failed`: a run that failed on a throttled call goes on from its failed step, and its
/// completed steps are not repeated.
extension MotoIntegrationTests {
    @Test func aRunFailedByThrottlingIsRetriedFromItsFailedStep() async throws {
        let world = try await world()
        let (instance, group) = try await launchInstance(world, groupName: "web-\(UUID().uuidString.prefix(8))")
        try await withTemporaryDirectory { directory in
            // The first CreateSnapshots is throttled, and the client makes a single attempt
            let setup = try proxiedContainment(
                of: instance,
                world,
                in: directory,
                faults: ["--fail", "CreateSnapshots=1:1"],
                aws: "{max_attempts: 1, max_throttled_attempts: 1}"
            )
            let (proxy, journalPath, environment, run) =
                (setup.proxy, setup.journalPath, setup.environment, setup.runArguments)
            let failed = try RemedyBinary.run(run, environment: environment)
            #expect(failed.status == 1)
            let journal = try JournalDatabase(path: journalPath)
            let runID = try #require(try journal.records().first?.runID)
            #expect(try Self.trail(journal).last == "run.failed evidence")

            // Running the finding again names the failed run and how to go on
            let again = try RemedyBinary.run(run, environment: environment)
            #expect(again.status == 0)
            #expect(again.standardOutput.contains("remedy resume --retry-failed \(runID)"), "\(again.standardOutput)")

            // When the responder retries it
            let retried = try RemedyBinary.run(
                ["resume", "--retry-failed", runID, "--journal", journalPath],
                environment: environment
            )
            #expect(retried.status == 0, "\(retried.standardOutput)\(retried.standardError)")

            // Then the run goes on from the snapshot step to the end, marking the instance once
            let trail = try Self.trail(journal)
            #expect(
                trail == [
                    "run.created", "step.started mark", "step.succeeded mark", "step.started evidence",
                    "step.failed evidence", "run.failed evidence", "run.retried evidence", "step.started evidence",
                    "step.succeeded evidence", "step.started isolate", "step.prior_state_captured isolate",
                    "step.succeeded isolate", "run.succeeded",
                ]
            )
            #expect(try journal.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)
            // And the instance has one snapshot set and is isolated
            let log = try proxy.log()
            #expect(
                log.filter { $0["operation"] as? String == "CreateSnapshots" && $0["forwarded"] as? Bool == true }.count
                    == 1
            )
            let described = try #require(try await world.ec2.describeInstances(ids: [instance]).first)
            for volume in described.volumes {
                #expect(try await world.ec2.describeSnapshots(filters: ["volume-id": [volume.volumeID]]).count == 1)
            }
            #expect(!described.securityGroupIDs.contains(group))

            // And a succeeded run cannot be retried
            let twice = try RemedyBinary.run(
                ["resume", "--retry-failed", runID, "--journal", journalPath],
                environment: environment
            )
            #expect(twice.status != 0)
            #expect(twice.standardError.contains("cannot be retried: it is succeeded, not failed"))
        }
    }
}
