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
}
