import Foundation
import RemedyAWS
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

/// `remedy run` as a process against moto with signature checking on: the journal holds what happened, the bucket
/// ends blocked, a redelivered finding starts nothing, and dry-run changes nothing.
extension MotoIntegrationTests {
    static let lockdownPlaybook = """
        apiVersion: remedy/v1
        name: bucket-lockdown
        match: {controls: ["S3.8"], resource: AwsS3Bucket}
        steps:
          - id: block
            action: s3.block_public_access
            with: {bucket: "{{ finding.resources[0].id }}"}
        """

    @Test func runRemediatesJournalsEveryStepAndIgnoresARedelivery() async throws {
        let credentials = try await moto.prepare()
        let s3 = S3Client(try moto.client(.s3, credentials: credentials))
        try await s3.createBucket("acme-web-assets-prod")
        try await withTemporaryDirectory { directory in
            _ = try directory.write("playbooks/lockdown.yaml", Self.lockdownPlaybook)
            let environment = try doctorEnvironment(credentials, home: directory.path)
            let finding = "Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json"
            let arguments = ["run", finding, "--playbooks", directory.file("playbooks")]

            // Dry-run: permission verdicts, no change.
            let dryRun = try RemedyBinary.run(
                arguments + ["--dry-run", "--journal", directory.file("dry.sqlite")],
                environment: environment
            )
            #expect(dryRun.status == 0, "\(dryRun.standardOutput)\(dryRun.standardError)")
            #expect(dryRun.standardOutput.contains("dry-run"))
            #expect(try await s3.publicAccessBlock(bucket: "acme-web-assets-prod") == nil)

            let journalPath = directory.file("journal.sqlite")
            let live = try RemedyBinary.run(arguments + ["--journal", journalPath], environment: environment)
            #expect(live.status == 0, "\(live.standardOutput)\(live.standardError)")
            #expect(try await s3.publicAccessBlock(bucket: "acme-web-assets-prod") == .allBlocked)

            let journal = try JournalDatabase(path: journalPath)
            let records = try journal.records()
            #expect(records.map(\.kind) == ["run.created", "step.started", "step.succeeded", "run.succeeded"])
            let runID = try #require(records.first?.runID)
            #expect(records[0].payload["initiator"] == "arn:aws:iam::123456789012:user/remedy-runner")
            #expect(records[1].payload["idempotencyKey"] == .string("\(runID)/block"))
            #expect(try journal.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)
            #expect(!records.contains { $0.payload.jsonText().contains(credentials.secretAccessKey) })

            let again = try RemedyBinary.run(arguments + ["--journal", journalPath], environment: environment)
            #expect(again.status == 0)
            #expect(again.standardOutput.contains("already handled by run \(runID)"))
            #expect(try journal.records().count == 4)

            let runs = try RemedyBinary.run(["runs", "--journal", journalPath], environment: environment)
            #expect(runs.standardOutput.contains("\(runID)  succeeded  bucket-lockdown  live"))
            let show = try RemedyBinary.run(["show", runID, "--journal", journalPath], environment: environment)
            #expect(show.standardOutput.contains("step.succeeded"))
        }
    }
}

extension MotoIntegrationTests {
    static let gatedPlaybook = """
        apiVersion: remedy/v1
        name: gated-lockdown
        match: {controls: ["S3.8"], resource: AwsS3Bucket}
        steps:
          - id: approve-block
            approve:
              approvers: ["arn:aws:iam::123456789012:user/lead", "arn:aws:iam::123456789012:user/remedy-runner"]
              timeout: 30m
          - id: block
            action: s3.block_public_access
            with: {bucket: "{{ finding.resources[0].id }}"}
        """

    @Test func aGatedRunParksUntilAnotherPrincipalApprovesAndUndoReverts() async throws {
        let credentials = try await moto.prepare()
        let lead = try await moto.createUserAllowedEverything("lead", using: credentials)
        let s3 = S3Client(try moto.client(.s3, credentials: credentials))
        try await s3.createBucket("acme-web-assets-prod")
        try await withTemporaryDirectory { directory in
            _ = try directory.write("playbooks/gated.yaml", Self.gatedPlaybook)
            let journalPath = directory.file("journal.sqlite")
            let runner = try doctorEnvironment(credentials, home: directory.path)
            let approver = try doctorEnvironment(lead, home: directory.path)

            let parked = try RemedyBinary.run(
                [
                    "run", "Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json", "--playbooks",
                    directory.file("playbooks"), "--journal", journalPath,
                ],
                environment: runner
            )
            #expect(parked.status == 2, "\(parked.standardOutput)\(parked.standardError)")
            #expect(try await s3.publicAccessBlock(bucket: "acme-web-assets-prod") == nil)
            let journal = try JournalDatabase(path: journalPath)
            let runID = try #require(try journal.records().first?.runID)

            // The initiator cannot approve their own run.
            let selfApproval = try RemedyBinary.run(["approve", runID, "--journal", journalPath], environment: runner)
            #expect(selfApproval.status == 1)
            #expect(try await s3.publicAccessBlock(bucket: "acme-web-assets-prod") == nil)

            let approved = try RemedyBinary.run(
                ["approve", runID, "--comment", "go", "--journal", journalPath],
                environment: approver
            )
            #expect(approved.status == 0, "\(approved.standardOutput)\(approved.standardError)")
            #expect(try await s3.publicAccessBlock(bucket: "acme-web-assets-prod") == .allBlocked)
            let granted = try #require(try journal.records().first { $0.kind == "approval.granted" })
            #expect(granted.payload["principal"] == "arn:aws:iam::123456789012:user/lead")
            #expect(granted.payload["channel"] == "cli (AWS identity)")
            #expect(granted.payload["comment"] == "go")

            let undone = try RemedyBinary.run(["undo", runID, "--journal", journalPath], environment: runner)
            #expect(undone.status == 0, "\(undone.standardOutput)\(undone.standardError)")
            #expect(try await s3.publicAccessBlock(bucket: "acme-web-assets-prod") == nil)
            #expect(try journal.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)
        }
    }
}

/// `remedy run` on a terminal: progress as it happens, and the responder's choices at a gate.
extension MotoIntegrationTests {
    /// A gated run of the S3.8 fixture started on a terminal as the runner, stopped at the gate's prompt.
    struct TerminalRun {
        var session: TerminalSession
        var journalPath: String
        var s3: S3Client
    }

    func startGatedRunInTerminal(
        _ credentials: AWSCredentials,
        in directory: TemporaryDirectory
    ) async throws -> TerminalRun {
        let s3 = S3Client(try moto.client(.s3, credentials: credentials))
        try await s3.createBucket("acme-web-assets-prod")
        _ = try directory.write("playbooks/gated.yaml", Self.gatedPlaybook)
        let journalPath = directory.file("journal.sqlite")
        let session = try RemedyBinary.runInTerminal(
            [
                "run", "Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json", "--playbooks",
                directory.file("playbooks"), "--journal", journalPath,
            ],
            environment: try doctorEnvironment(credentials, home: directory.path)
        )
        try await session.waitFor("[p]ark and exit? [p]")
        return TerminalRun(session: session, journalPath: journalPath, s3: s3)
    }

    @Test func onATerminalTheInitiatorWaitsAtTheGateWhileAnotherApproverDecides() async throws {
        let credentials = try await moto.prepare()
        let lead = try await moto.createUserAllowedEverything("lead", using: credentials)
        try await withTemporaryDirectory { directory in
            let run = try await startGatedRunInTerminal(credentials, in: directory)
            let session = run.session
            // The gate is explained: who must approve, and that the initiator cannot
            #expect(session.output.contains("waits at approval gate 'approve-block': 1 approval(s) needed"))
            #expect(session.output.contains("approvers: arn:aws:iam::123456789012:user/lead"))
            #expect(session.output.contains("you started this run, so you cannot approve it yourself"))
            #expect(session.output.contains("[d]eny"))  // the initiator is listed, so may stop it
            session.type("w")
            try await session.waitFor("waiting; Ctrl-C leaves the run parked")

            // Another approver approves from their own process; the terminal follows the run to its end
            let runID = try #require(try JournalDatabase(path: run.journalPath).records().first?.runID)
            let approved = try RemedyBinary.run(
                ["approve", runID, "--comment", "go", "--journal", run.journalPath],
                environment: try doctorEnvironment(lead, home: directory.path)
            )
            #expect(approved.status == 0, "\(approved.standardOutput)\(approved.standardError)")
            try await session.waitFor("run \(runID)  succeeded")
            #expect(try await session.exitStatus() == 0)
            #expect(session.output.contains("approve-block  approved by arn:aws:iam::123456789012:user/lead: go"))
            #expect(session.output.contains("block  succeeded"))
            #expect(try await run.s3.publicAccessBlock(bucket: "acme-web-assets-prod") == .allBlocked)
        }
    }

    @Test func onATerminalAnInitiatorWhoIsAnApproverCanDenyAndTheRunStops() async throws {
        let credentials = try await moto.prepare()
        try await withTemporaryDirectory { directory in
            let run = try await startGatedRunInTerminal(credentials, in: directory)
            run.session.type("d")
            #expect(try await run.session.exitStatus() == 1)
            #expect(
                run.session.output.contains("approve-block  denied by arn:aws:iam::123456789012:user/remedy-runner")
            )
            let journal = try JournalDatabase(path: run.journalPath)
            let denied = try #require(try journal.records().first { $0.kind == "approval.denied" })
            #expect(denied.payload["channel"] == "cli (terminal)")
            #expect(try journal.records().last?.kind == "run.failed")
            #expect(try await run.s3.publicAccessBlock(bucket: "acme-web-assets-prod") == nil)
        }
    }
}
