import RemedyActions
import RemedyCore
import RemedyExecutor
import RemedyJournal
import RemedyPlaybooks
import RemedyTestSupport
import Testing

/// A shipped playbook, planned by the real planner, run by the executor.
@Suite struct PlaybookRunTests {
    @Test func compromisedInstanceDryRunGivesAVerdictForEveryStep() async throws {
        // Given the containment plan for a GuardDuty backdoor finding
        let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        let finding = try #require(
            try FindingDecoder().decode(
                try Repository.bytes("Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json")
            ).first
        )
        let playbook = try #require(library.playbooks.first { $0.name == "ec2-compromise-contain" })
        let plan = try Planner(catalog: .standard).plan(playbook, for: finding)
        let invoker = ScriptedActionInvoker()
        let executor = RunExecutor(
            journal: try JournalDatabase(inMemory: nil),
            invoker: invoker,
            catalog: .standard
        )
        // When it is dry-run
        let start = try await executor.start(plan: plan, finding: finding, initiator: "cli", mode: .dryRun)
        guard case .started(let report) = start else {
            Issue.record("no run started")
            return
        }
        // Then it completes without parking, every step has a verdict, and the skipped ones say why
        #expect(report.status == .succeeded)
        #expect(report.steps.map(\.id) == plan.steps.map(\.id))
        #expect(report.steps.allSatisfy { $0.verdict != nil })
        #expect(report.step("approve-isolation")?.status == .skipped)
        #expect(report.step("revoke-role-sessions")?.status == .skipped)
        #expect(report.step("resolve")?.status == .skipped)
        #expect(await invoker.calls(.execute).allSatisfy { $0.request.mode == .dryRun })
        #expect(await invoker.steps(.execute).contains("isolate"))
    }

    @Test func containmentOfAnInstanceWithoutAProfileRunsToTheEnd() async throws {
        // Given the containment of an instance that has no instance profile: detach-profile finds nothing
        let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        let playbook = try #require(library.playbooks.first { $0.name == "ec2-compromise-contain" })
        let finding = try #require(
            try FindingDecoder().decode(
                try Repository.bytes("Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json")
            ).first
        )
        let plan = try Planner(catalog: .standard).plan(playbook, for: finding)
        let invoker = ScriptedActionInvoker()
        await invoker.script(
            "detach-profile",
            .succeed(ActionResult(outputs: ["instance_profile_arn": .null, "role_name": .null]))
        )
        let lead = "arn:aws:iam::111122223333:user/lead"
        let executor = RunExecutor(
            journal: try JournalDatabase(inMemory: nil),
            invoker: invoker,
            catalog: .standard,
            approvers: StaticApproverDirectory(groups: ["incident-leads": [lead]])
        )
        let start = try await executor.start(plan: plan, finding: finding, initiator: "cli", mode: .live)
        guard case .started(let parked) = start else {
            Issue.record("no run started")
            return
        }

        // When the isolation is approved
        let report = try await executor.decide(
            runID: parked.runID,
            gate: "approve-isolation",
            principal: lead,
            decision: .approve,
            channel: "cli"
        )

        // Then the role step is skipped for want of a role, and IMDSv2 and the archive still run
        #expect(report.status == .succeeded)
        #expect(report.step("revoke-role-sessions")?.status == .skipped)
        let executed = await invoker.steps(.execute)
        #expect(executed.contains("imdsv2"))
        #expect(executed.contains("archive"))
        #expect(!executed.contains("revoke-role-sessions"))
    }

    @Test func anAttackSequenceReachesThePlaybookOfEachMemberResource() throws {
        let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        let planner = Planner(catalog: .standard)
        func planned(_ fixture: String) throws -> [(playbook: String, resource: String, key: String)] {
            try FindingDecoder().decode(try Repository.bytes("Fixtures/findings/attack-sequence/\(fixture)"))
                .flatMap { finding in
                    planner.outcomes(for: finding, playbooks: library.playbooks).compactMap { outcome in
                        guard case .planned(let plan) = outcome else { return nil }
                        return (plan.playbook, finding.resources[0].id, finding.dedupeKey)
                    }
                }
        }
        // A compromised instance group: each instance is contained by its own run, each with its own dedupe key
        let group = try planned("ec2-compromised-instance-group.json")
        #expect(group.map(\.playbook) == ["ec2-compromise-contain", "ec2-compromise-contain"])
        #expect(group.map(\.resource) == ["i-d303b71e882b79887", "i-d53e602d24ce935a4"])
        #expect(Set(group.map(\.key)).count == 2)
        // Compromised credentials: the access key goes to the credential playbook; the bucket member matches none
        let credentials = try planned("iam-compromised-credentials.json")
        #expect(credentials.map(\.playbook) == ["iam-credential-compromise"])
        #expect(credentials.map(\.resource) == ["AKIA44ZPCV4ADQ2NTA4P"])
    }
}
