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
}
