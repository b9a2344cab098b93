import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyExecutor

/// A rehearsal never stands in for the real thing, and a process started in dry-run never acts.
@Suite struct DryRunIsolationTests {
    @Test func aDryRunDoesNotDedupeTheLiveRunThatFollowsIt() async throws {
        // Given a finding rehearsed in dry-run
        let harness = try Harness()
        let executor = harness.executor()
        let rehearsal = try await executor.start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .dryRun
        )
        #expect(rehearsal.report?.status == .succeeded)
        // When the responder rehearses again, then acts, then the finding is delivered again
        let again = try await executor.start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .dryRun
        )
        let live = try await executor.start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        let redelivered = try await executor.start(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        // Then the second rehearsal runs again, the live run acts, and only the live run dedupes
        #expect(again.report?.runID == "run-2")
        #expect(live.report?.runID == "run-3")
        #expect(live.report?.status == .succeeded)
        #expect(redelivered == .duplicate(existingRunID: "run-3"))
        let executed = await harness.invoker.calls(.execute).map { "\($0.request.runID) \($0.request.mode.rawValue)" }
        #expect(executed == ["run-1 dry-run", "run-2 dry-run", "run-3 live"])
        let keys = try await ["run-1", "run-3"].asyncMap {
            try await harness.records($0, .runCreated).first?.payload["dedupeKey"]?.stringValue
        }
        #expect(
            keys == [
                "guardduty|finding-1|2025-01-01T00:00:00Z|test-playbook|dry-run|run-1",
                "guardduty|finding-1|2025-01-01T00:00:00Z|test-playbook",
            ]
        )
    }

    @Test func aDryRunProcessNeitherCreatesNorDrivesALiveRun() async throws {
        // Given a live run parked at a gate by a live process
        let harness = try Harness()
        let live = harness.executor(groups: ["group:leads": [ana]])
        _ = try await live.start(
            plan: plan(gate("approve", approvers: ["group:leads"]), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        let recordsBefore = try await harness.trail("run-1")
        // When a process started with --dry-run is asked to create, approve, resume or recover a live run
        let dryRun = harness.executor(groups: ["group:leads": [ana]], mode: .dryRun)
        await #expect(throws: RunError.liveRunInDryRunProcess) {
            _ = try await dryRun.start(
                plan: plan(action("tag", "ec2.tag")),
                finding: finding(id: "finding-2"),
                initiator: initiator,
                mode: .live
            )
        }
        await #expect(throws: RunError.liveRunInDryRunProcess) {
            _ = try await dryRun.decide(
                runID: "run-1",
                gate: "approve",
                principal: ana,
                decision: .approve,
                channel: "http"
            )
        }
        await #expect(throws: RunError.liveRunInDryRunProcess) { _ = try await dryRun.resume(runID: "run-1") }
        #expect(try await dryRun.resumeAll().isEmpty)
        // Then nothing was called, nothing was journaled, and the live run is still the live process's to drive
        #expect(await harness.invoker.calls.isEmpty)
        #expect(try await harness.trail("run-1") == recordsBefore)
        #expect(try await harness.journal.runIDs() == ["run-1"])
        // (the live process gets the run's lease at once: the dry-run process left it free)
        let approved = try await live.decide(
            runID: "run-1",
            gate: "approve",
            principal: ana,
            decision: .approve,
            channel: "cli"
        )
        #expect(approved.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["isolate"])
    }

    @Test func aDryRunProcessStillDrivesItsOwnDryRuns() async throws {
        let harness = try Harness()
        let dryRun = harness.executor(mode: .dryRun)
        let start = try await dryRun.create(
            plan: plan(action("tag", "ec2.tag")),
            finding: finding(),
            initiator: initiator,
            mode: .dryRun
        )
        guard case .created(let runID, _, _) = start else {
            Issue.record("expected a created run, got \(start)")
            return
        }
        #expect(try await dryRun.resume(runID: runID).status == .succeeded)
        #expect(await harness.invoker.calls(.execute).map(\.request.mode) == [.dryRun])
    }

    @Test func aTargetRoleThatDoesNotResolveFailsTheRunBeforeAnyCall() async throws {
        // Given a playbook whose target role is built from a value the run does not have
        let harness = try Harness()
        let executor = harness.executor()
        for (template, problem) in [
            ("{{ run.nothing }}", "the target role"),
            ("arn:aws:iam::{{ run.id }}:role/Responder", "does not resolve to a role ARN"),
        ] {
            var gated = plan(action("tag", "ec2.tag"))
            gated.targetRole = .deferred(template: .string(template), waitingFor: "run.id")
            // When a run starts
            let report = try #require(
                try await executor.start(
                    plan: gated,
                    finding: finding(id: template),
                    initiator: initiator,
                    mode: .live
                ).report
            )
            // Then it fails with the reason, journaled, and no call is made as the caller's own identity
            #expect(report.status == .failed)
            #expect(try await harness.trail(report.runID) == ["run.created", "run.failed"])
            let failed = try #require(try await harness.records(report.runID, .runFailed).first)
            #expect(failed.payload["code"] == "TargetRoleUnresolved")
            #expect(failed.payload["reason"]?.stringValue?.contains(problem) == true)
        }
        #expect(await harness.invoker.calls.isEmpty)
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
