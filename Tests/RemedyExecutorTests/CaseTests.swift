import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyExecutor

/// Cases: a finding about a resource with a live run of the same playbook within the window joins that run's case,
/// and does nothing more when the case's containment still holds.
@Suite struct CaseTests {
    let containment = plan(action("tag", "ec2.tag"), action("isolate", "ec2.quarantine"))

    /// GuardDuty republishing the finding: same resource, a new update time.
    func update(_ minute: Int) -> Finding {
        finding(id: "finding-1", updatedAt: String(format: "2025-01-01T00:%02d:00Z", minute))
    }

    @Test func aRepublishedFindingWhoseContainmentStillHoldsDoesNothingMore() async throws {
        // Given a run that contained the instance
        let harness = try Harness()
        let executor = harness.executor()
        let first = try await executor.start(plan: containment, finding: update(0), initiator: initiator, mode: .live)
        #expect(first.report?.status == .succeeded)
        #expect(first.report?.caseID == "case-1")

        // When GuardDuty republishes the finding ten minutes later, and the quarantine still holds
        harness.time.advance(by: .seconds(600))
        await harness.invoker.scriptProbe("isolate", .done(ActionResult()))
        let second = try #require(
            try await executor.start(plan: containment, finding: update(10), initiator: initiator, mode: .live).report
        )

        // Then the new run joins the case, probes the earlier run's containment step only, and does nothing more
        #expect(second.status == .succeeded)
        #expect(second.caseID == "case-1")
        #expect(second.alreadyContainedBy == "run-1")
        #expect(second.steps.allSatisfy { $0.status == .skipped })
        #expect(await harness.invoker.steps(.execute) == ["tag", "isolate"])
        let probe = try #require(await harness.invoker.calls(.probe).first)
        #expect(probe.request.runID == "run-1")
        #expect(probe.request.parameters == ["instance": .string(instance)])
        #expect(
            try await harness.trail("run-2") == [
                "run.created", "run.containment_checked", "step.skipped tag", "step.skipped isolate", "run.succeeded",
            ]
        )
        let created = try #require(try await harness.records("run-2", .runCreated).first)
        #expect(created.payload["case"] == "case-1")
        #expect(created.payload["joinedRun"] == "run-1")
        let checked = try #require(try await harness.records("run-2", .runContainmentChecked).first)
        #expect(checked.payload["contained"] == true)
        #expect(checked.payload["steps"] == ["isolate"])
    }

    @Test func aCaseWhoseContainmentNoLongerHoldsIsContainedAgain() async throws {
        let harness = try Harness()
        let executor = harness.executor()
        _ = try await executor.start(plan: containment, finding: update(0), initiator: initiator, mode: .live)
        // Someone took the instance out of isolation: the probe finds it not isolated
        harness.time.advance(by: .seconds(600))
        let second = try #require(
            try await executor.start(plan: containment, finding: update(10), initiator: initiator, mode: .live).report
        )
        #expect(second.status == .succeeded)
        #expect(second.alreadyContainedBy == nil)
        #expect(await harness.invoker.steps(.execute) == ["tag", "isolate", "tag", "isolate"])
        let checked = try #require(try await harness.records("run-2", .runContainmentChecked).first)
        #expect(checked.payload["contained"] == false)
        #expect(checked.payload["reason"] == "isolate of run run-1 no longer holds")
    }

    @Test func aFailedEarlierRunIsNoContainment() async throws {
        let harness = try Harness()
        await harness.invoker.script("isolate", .fail(ActionFailure(.permanent, code: "AccessDenied", message: "no")))
        let executor = harness.executor()
        _ = try await executor.start(plan: containment, finding: update(0), initiator: initiator, mode: .live)
        let second = try #require(
            try await executor.start(plan: containment, finding: update(10), initiator: initiator, mode: .live).report
        )
        #expect(second.status == .succeeded)
        #expect(await harness.invoker.calls(.probe).isEmpty)
        let checked = try #require(try await harness.records("run-2", .runContainmentChecked).first)
        #expect(checked.payload["reason"] == "run run-1 is failed")
    }

    @Test func aCaseClosesAfterItsWindowAndIsPerResourceAndLiveOnly() async throws {
        let harness = try Harness()
        let executor = harness.executor()
        _ = try await executor.start(plan: containment, finding: update(0), initiator: initiator, mode: .live)
        // Another instance: its own case
        let other = try await executor.start(
            plan: containment,
            finding: finding(id: "finding-2", resource: "i-0fedcba9876543210"),
            initiator: initiator,
            mode: .live
        )
        #expect(other.report?.caseID == "case-2")
        // A dry-run belongs to no case and checks nothing
        let rehearsal = try await executor.start(
            plan: containment,
            finding: update(5),
            initiator: initiator,
            mode: .dryRun
        )
        #expect(rehearsal.report?.caseID == nil)
        // A day and a minute later, the first instance's finding starts a new case
        harness.time.advance(by: .seconds(86_460))
        let later = try await executor.start(plan: containment, finding: update(30), initiator: initiator, mode: .live)
        #expect(later.report?.caseID == "case-4")
        #expect(try await harness.records("run-4", .runContainmentChecked).isEmpty)
        // And with cases switched off (window 0), every run is its own case
        let uncased = harness.executor(caseWindow: .zero)
        let own = try await uncased.start(plan: containment, finding: update(40), initiator: initiator, mode: .live)
        #expect(own.report?.caseID == "case-5")
    }
}
