import Foundation
import RemedyAWS
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

/// `kill -9` of a real `remedy run` at several points, then `remedy resume`, against moto with signature checking on.
///
/// The process stops itself at a named pause point (`REMEDY_TEST_PAUSE_AT`, debug builds only) and the test kills it
/// there with SIGKILL: between steps, during a call (AWS acted, remedy never learnt of it), and inside the journal's
/// open write transaction. Each time the journal must verify, the resumed run must succeed, and moto must end with
/// exactly one forensic snapshot per volume and the instance quarantined: no mutating call was made twice.
extension MotoIntegrationTests {
    static let containPlaybook = """
        apiVersion: remedy/v1
        name: contain-instance
        match: {types: ["UnauthorizedAccess:EC2/*"], resource: AwsEc2Instance}
        inputs:
          instance: "{{ finding.resources[0].id }}"
        steps:
          - id: mark
            action: ec2.tag
            with: {instance: "{{ inputs.instance }}", tags: {"remedy:case": "{{ run.id }}"}}
          - id: evidence
            action: ec2.snapshot_volumes
            with: {instance: "{{ inputs.instance }}", tags: {"remedy:case": "{{ run.id }}"}}
          - id: isolate
            action: ec2.quarantine
            with: {instance: "{{ inputs.instance }}"}
        """

    /// Where the process is killed, and what the journal's last record must be at that moment.
    struct CrashPoint: CustomStringConvertible {
        var pause: String
        var lastRecord: String
        /// `step.started` records of the evidence step after the resume: two when the first call never happened.
        var evidenceStarts = 1
        /// The same for the isolate step.
        var isolateStarts = 1

        var description: String { pause }
    }

    static let crashPoints = [
        // The step was journaled as started but its call was never made: the probe says not done, it runs once.
        CrashPoint(pause: "before-call:evidence", lastRecord: "step.started evidence", evidenceStarts: 2),
        // The call reached AWS and the snapshot exists, but its answer died with the process: the probe finds it.
        CrashPoint(pause: "after-call:evidence", lastRecord: "step.started evidence"),
        // Killed inside the transaction writing step.succeeded: the record is rolled back, the probe finds the work.
        CrashPoint(pause: "journal-write:step.succeeded:evidence", lastRecord: "step.started evidence"),
        // Between steps: the evidence step's result is held to be written with the next step's step.started (one
        // disk sync per step), so the step is in doubt and the probe finds the snapshot.
        CrashPoint(pause: "after-step:evidence", lastRecord: "step.started evidence"),
        // Evidence's result and isolate's step.started are on disk together; isolate's call was never made.
        CrashPoint(pause: "before-call:isolate", lastRecord: "step.started isolate", isolateStarts: 2),
        // Between the quarantine's two swaps: the instance sits in the allow-all group, so the probe finds the
        // step unfinished and it runs again (its first swap sets the same groups again: an absolute set), keeping
        // the original groups the first attempt journaled rather than the allow-all group it now sees.
        CrashPoint(
            pause: "quarantine-untracked:isolate",
            lastRecord: "step.prior_state_captured isolate",
            isolateStarts: 2
        ),
        // During the two-stage quarantine swap's call.
        CrashPoint(pause: "after-call:isolate", lastRecord: "step.prior_state_captured isolate"),
    ]

    @Test(arguments: crashPoints)
    func killedMidRunResumesWithoutRepeatingACall(_ point: CrashPoint) async throws {
        let world = try await world()
        let (instance, group) = try await launchInstance(world, groupName: "web-\(UUID().uuidString.prefix(8))")
        let credentials = world.credentials
        try await withTemporaryDirectory { directory in
            _ = try directory.write("playbooks/contain.yaml", Self.containPlaybook)
            let findingFile = try directory.write("finding.json", try Self.sshFinding(instance: instance))
            let journalPath = directory.file("journal.sqlite")
            var environment = try doctorEnvironment(credentials, home: directory.path)
            // One short attempt per call: a snapshot step in doubt is probed once its request can no longer land
            // (ActionInvoker.settlingTime), two seconds here rather than the default's two minutes.
            environment["REMEDY_CONFIG"] = try directory.write(
                "remedy.yaml",
                "aws: {request_timeout: 2s, max_attempts: 1, max_throttled_attempts: 1}\n"
            )

            // When remedy is killed at the point
            let paused = try await RemedyBinary.runUntilPaused(
                ["run", findingFile, "--playbooks", directory.file("playbooks"), "--journal", journalPath],
                at: point.pause,
                environment: environment
            )
            paused.kill()

            // Then the journal is intact and ends where the process died
            let journal = try JournalDatabase(path: journalPath)
            #expect(try journal.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)
            #expect(try Self.trail(journal).last == point.lastRecord)

            // When remedy resumes every active run
            let resumed = try RemedyBinary.run(["resume", "--journal", journalPath], environment: environment)
            #expect(resumed.status == 0, "\(resumed.standardOutput)\(resumed.standardError)")

            // Then the run succeeded, any in-doubt step was probed, and no step's call was repeated
            let trail = try Self.trail(journal)
            #expect(trail.last == "run.succeeded")
            #expect(trail.filter { $0 == "step.started evidence" }.count == point.evidenceStarts)
            #expect(trail.filter { $0 == "step.started isolate" }.count == point.isolateStarts)
            #expect(trail.filter { $0 == "step.started mark" }.count == 1)
            if point.lastRecord.hasPrefix("step.started") {
                let step = String(point.lastRecord.split(separator: " ")[1])
                #expect(trail.contains("step.probed \(step)"))
            }
            #expect(try journal.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)

            // And moto holds exactly one snapshot per volume, and the instance is quarantined and marked
            let described = try #require(try await world.ec2.describeInstances(ids: [instance]).first)
            for volume in described.volumes {
                let snapshots = try await world.ec2.describeSnapshots(filters: ["volume-id": [volume.volumeID]])
                #expect(snapshots.count == 1, "volume \(volume.volumeID) has \(snapshots.count) snapshots")
            }
            #expect(!described.volumes.isEmpty)
            #expect(!described.securityGroupIDs.contains(group))
            let isolation = try await world.ec2.describeSecurityGroups(ids: described.securityGroupIDs)
            #expect(isolation.count == 1)
            #expect(isolation.allSatisfy { $0.ingress.isEmpty && $0.egress.isEmpty })
            #expect(described.tags["remedy:case"] == (try journal.records().first?.runID))
            // And the isolate step's prior state names the instance's original group, for undo
            let isolated = try journal.records().last {
                $0.payload["step"] == "isolate" && ["step.succeeded", "step.probed"].contains($0.kind)
            }
            let original = isolated?.payload["priorState"]?["original_groups"]?.objectValue?.values
            #expect(original.map(Array.init) == [[.string(group)]])
        }
    }

    /// The run's records as `kind step`.
    static func trail(_ journal: JournalDatabase) throws -> [String] {
        try journal.records().map { record in
            record.payload["step"]?.stringValue.map { "\(record.kind) \($0)" } ?? record.kind
        }
    }

    /// A GuardDuty SSH brute-force finding (the shipped fixture) moved to moto's account and region, for `instance`.
    static func sshFinding(instance: String) throws -> String {
        var finding = try #require(
            try JSONSerialization.jsonObject(
                with: Data(Repository.bytes("Fixtures/findings/raw/guardduty-ssh-bruteforce.json"))
            )
                as? [String: Any]
        )
        finding["accountId"] = MotoServer.account
        finding["region"] = "us-east-1"
        finding["id"] = "crash-\(instance)"
        finding["arn"] = "arn:aws:guardduty:us-east-1:\(MotoServer.account):detector/d1/finding/crash-\(instance)"
        var resource = try #require(finding["resource"] as? [String: Any])
        var details = try #require(resource["instanceDetails"] as? [String: Any])
        details["instanceId"] = instance
        resource["instanceDetails"] = details
        finding["resource"] = resource
        return String(decoding: try JSONSerialization.data(withJSONObject: finding), as: UTF8.self)
    }

    /// A snapshot call still in flight when its process is killed (held at a proxy, as AWS may still be processing
    /// it) is not repeated by a resume started at once: the probe waits until the request can no longer land.
    @Test func aSnapshotCallInFlightAtAKillIsNotRepeatedByAnImmediateResume() async throws {
        let world = try await world()
        let (instance, _) = try await launchInstance(world, groupName: "web-\(UUID().uuidString.prefix(8))")
        try await withTemporaryDirectory { directory in
            let setup = try proxiedContainment(
                of: instance,
                world,
                in: directory,
                faults: ["--delay", "CreateSnapshots=3"],
                aws: "{request_timeout: 5s, max_attempts: 1, max_throttled_attempts: 1}"
            )
            let (proxy, journalPath, environment) = (setup.proxy, setup.journalPath, setup.environment)
            // When remedy is killed while its CreateSnapshots is held at the proxy
            let run = Process()
            run.executableURL = RemedyBinary.url
            run.arguments = setup.runArguments
            run.environment = environment
            run.standardOutput = FileHandle.nullDevice
            run.standardError = FileHandle.nullDevice
            try run.run()
            for _ in 0..<300 where try proxy.received("CreateSnapshots") == 0 {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try proxy.received("CreateSnapshots") == 1)
            kill(run.processIdentifier, SIGKILL)
            run.waitUntilExit()
            // And resumed at once, while the request is still on its way
            let resumed = try RemedyBinary.run(["resume", "--journal", journalPath], environment: environment)
            #expect(resumed.status == 0, "\(resumed.standardOutput)\(resumed.standardError)")
            // Then the probe found the snapshots the first call made, and no second call was sent
            let journal = try JournalDatabase(path: journalPath)
            let trail = try Self.trail(journal)
            #expect(trail.last == "run.succeeded")
            #expect(trail.contains("step.probed evidence"))
            #expect(trail.filter { $0 == "step.started evidence" }.count == 1)
            #expect(try proxy.received("CreateSnapshots") == 1)
            let described = try #require(try await world.ec2.describeInstances(ids: [instance]).first)
            for volume in described.volumes {
                let snapshots = try await world.ec2.describeSnapshots(filters: ["volume-id": [volume.volumeID]])
                #expect(snapshots.count == 1, "volume \(volume.volumeID) has \(snapshots.count) snapshots")
            }
        }
    }

    /// The containment playbook and `instance`'s finding written into `directory`, run through a fault proxy.
    struct ProxiedContainment {
        var proxy: FaultProxy
        var journalPath: String
        var environment: [String: String]
        /// `remedy run` of the finding with the playbook, on the journal.
        var runArguments: [String]
    }

    /// Sets up `ProxiedContainment`: the proxy started with `faults`, the configuration's `aws:` section set to `aws`.
    func proxiedContainment(
        of instance: String,
        _ world: World,
        in directory: TemporaryDirectory,
        faults: [String],
        aws: String
    ) throws -> ProxiedContainment {
        let proxy = try FaultProxy(
            upstream: try #require(MotoServer.endpointURL),
            arguments: faults,
            directory: directory
        )
        _ = try directory.write("playbooks/contain.yaml", Self.containPlaybook)
        let findingFile = try directory.write("finding.json", try Self.sshFinding(instance: instance))
        let journalPath = directory.file("journal.sqlite")
        return ProxiedContainment(
            proxy: proxy,
            journalPath: journalPath,
            environment: try proxiedEnvironment(through: proxy, world, directory, aws: aws),
            runArguments: ["run", findingFile, "--playbooks", directory.file("playbooks"), "--journal", journalPath]
        )
    }

    /// `remedy`'s environment against moto through `proxy`, with the configuration's `aws:` section set to `aws`.
    func proxiedEnvironment(
        through proxy: FaultProxy,
        _ world: World,
        _ directory: TemporaryDirectory,
        aws: String? = nil
    ) throws -> [String: String] {
        var environment = try doctorEnvironment(world.credentials, home: directory.path)
        environment["AWS_ENDPOINT_URL"] = proxy.url
        if let aws { environment["REMEDY_CONFIG"] = try directory.write("remedy.yaml", "aws: \(aws)\n") }
        return environment
    }
}
