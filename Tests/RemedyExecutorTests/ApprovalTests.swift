import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyExecutor

/// Approval gates: who may decide, how many must, until when, and what the journal keeps of it.
@Suite struct ApprovalTests {
    let leads = ["group:incident-leads": [ana, bob, cleo]]

    /// Starts a run that parks at a gate needing `minimumApprovals` of the incident leads.
    func parkedRun(
        _ harness: Harness,
        minimumApprovals: Int = 2,
        timeout: Duration = .seconds(1800)
    ) async throws
        -> RunExecutor
    {
        let executor = harness.executor(groups: leads)
        let start = try await executor.start(
            plan: plan(
                action("tag", "ec2.tag"),
                gate(
                    "approve-isolation",
                    approvers: ["group:incident-leads"],
                    minimumApprovals: minimumApprovals,
                    timeout: timeout,
                    message: .deferred(
                        template: "Isolate {{ finding.resources[0].id }} for {{ run.id }}?",
                        waitingFor: "run.id"
                    )
                ),
                action("isolate", "ec2.quarantine")
            ),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .parked)
        #expect(start.report?.waitingAt == "approve-isolation")
        return executor
    }

    @Test func configurationGroupsResolveFromGroupAndRoleReferences() async throws {
        // `approvers.groups` in remedy.yaml names groups bare; playbooks refer to them as group:NAME or role:NAME.
        let directory = StaticApproverDirectory(groups: ["incident-leads": ["arn:aws:iam::111122223333:user/ana"]])
        #expect(try await directory.principals(for: "group:incident-leads") == ["arn:aws:iam::111122223333:user/ana"])
        #expect(try await directory.principals(for: "role:incident-leads") == ["arn:aws:iam::111122223333:user/ana"])
        #expect(try await directory.principals(for: "group:nobody").isEmpty)
        #expect(try await directory.principals(for: "incident").isEmpty)
    }

    @Test func gatedRunParksWithTheResolvedApproversAndDeadline() async throws {
        let harness = try Harness()
        _ = try await parkedRun(harness)
        #expect(
            try await harness.trail("run-1") == [
                "run.created", "step.started tag", "step.succeeded tag", "approval.requested approve-isolation",
                "run.parked approve-isolation",
            ]
        )
        let requested = try #require(try await harness.records("run-1", .approvalRequested).first)
        #expect(requested.payload["principals"] == [.string(ana), .string(bob), .string(cleo)])
        #expect(requested.payload["approvers"] == ["group:incident-leads"])
        #expect(requested.payload["minApprovals"] == 2)
        #expect(requested.payload["expiresAt"] == .string(Timestamp.format(harness.time.date.addingTimeInterval(1800))))
        // The playbook's message, then exactly what approving lets run, with its parameters
        #expect(
            requested.payload["message"]
                == .string(
                    "Isolate \(instance) for run-1?\nApproving lets these steps run:\n"
                        + "- isolate: ec2.quarantine (instance \(instance))"
                )
        )
        #expect(await harness.invoker.steps(.execute) == ["tag"])
    }

    @Test func quorumOfTwoOfThreeResumesTheRunInAnotherProcess() async throws {
        // Given a run parked for 2 of 3 leads
        let harness = try Harness()
        let executor = try await parkedRun(harness)
        // When one approves, the run stays parked
        let afterOne = try await executor.decide(
            runID: "run-1",
            gate: "approve-isolation",
            principal: ana,
            decision: .approve,
            comment: "confirmed C2 traffic",
            channel: "cli"
        )
        #expect(afterOne.status == .parked)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
        // And when the second approves through another process, that process resumes the run
        let reads = ReadCountingJournal(base: harness.journal)
        let other = harness.executor(journal: reads, groups: leads)
        let afterTwo = try await other.decide(
            runID: "run-1",
            gate: "approve-isolation",
            principal: bob,
            decision: .approve,
            channel: "slack"
        )
        // Then the gated step runs once, after run.resumed
        #expect(afterTwo.status == .succeeded)
        // And that process read the run in full once: under the lease it asked only for what was new
        #expect(await reads.counts == (whole: 1, newer: 1))
        #expect(afterTwo.step("approve-isolation")?.status == .approved)
        #expect(await harness.invoker.steps(.execute) == ["tag", "isolate"])
        #expect(
            try await harness.trail("run-1").suffix(6) == [
                "approval.granted approve-isolation", "approval.granted approve-isolation",
                "run.resumed approve-isolation", "step.started isolate", "step.succeeded isolate", "run.succeeded",
            ]
        )
        let granted = try await harness.records("run-1", .approvalGranted)
        #expect(granted[0].payload["principal"] == .string(ana))
        #expect(granted[0].payload["comment"] == "confirmed C2 traffic")
        #expect(granted[0].payload["channel"] == "cli")
        #expect(granted[0].payload["at"] == .string(Timestamp.format(harness.time.date)))
        #expect(granted[1].payload["comment"] == .null)
        // And a third decision is refused: the gate is closed
        await #expect(throws: RunError.gateClosed) {
            _ = try await executor.decide(
                runID: "run-1",
                gate: "approve-isolation",
                principal: cleo,
                decision: .approve,
                channel: "cli"
            )
        }
    }

    @Test func theExecutorTakesItsOwnRunsUpFromWhereItLeftThemAndReadsOnlyTheNews() async throws {
        // Given an executor whose journal counts whole-run reads and reads of a run's newer records
        let harness = try Harness()
        let reads = ReadCountingJournal(base: harness.journal)
        let executor = harness.executor(journal: reads, groups: leads)
        // When it starts a run that parks, and two leads approve through it
        let start = try await executor.start(
            plan: plan(
                action("tag", "ec2.tag"),
                gate("approve-isolation", approvers: ["group:incident-leads"], minimumApprovals: 2),
                action("isolate", "ec2.quarantine")
            ),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        #expect(start.report?.status == .parked)
        for lead in [ana, bob] {
            _ = try await executor.decide(
                runID: "run-1",
                gate: "approve-isolation",
                principal: lead,
                decision: .approve,
                channel: "cli"
            )
        }
        // Then it never read the run (and its finding) back: each time it only asked what was new
        #expect(await reads.counts == (whole: 0, newer: 3))
        // And the run ended as a full read of the journal tells it
        let report = try await executor.report(runID: "run-1")
        #expect(report.status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["tag", "isolate"])
        #expect(try await harness.trail("run-1").last == "run.succeeded")
    }

    @Test func initiatorCannotApproveTheirOwnRun() async throws {
        let harness = try Harness()
        let executor = harness.executor(groups: ["group:incident-leads": [initiator, ana]])
        _ = try await executor.start(
            plan: plan(gate("approve", approvers: ["group:incident-leads"]), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        await #expect(throws: RunError.initiatorCannotApprove) {
            _ = try await executor.decide(
                runID: "run-1",
                gate: "approve",
                principal: initiator,
                decision: .approve,
                channel: "cli"
            )
        }
        #expect(try await harness.records("run-1", .approvalGranted).isEmpty)
        #expect(try await harness.records("run-1", .approvalRefused).count == 1)
        #expect(try await executor.report(runID: "run-1").status == .parked)
    }

    @Test func nonApproverIsRefusedAndTheAttemptIsJournaledWithoutEffect() async throws {
        let harness = try Harness()
        let executor = try await parkedRun(harness)
        for decision in ApprovalVerdict.allCases {
            await #expect(throws: RunError.notAnApprover) {
                _ = try await executor.decide(
                    runID: "run-1",
                    gate: "approve-isolation",
                    principal: mallory,
                    decision: decision,
                    channel: "http"
                )
            }
        }
        // Then both attempts are on record, with who tried what and why it was refused, and the run still waits
        #expect(
            try await harness.trail("run-1").suffix(3) == [
                "run.parked approve-isolation", "approval.refused approve-isolation",
                "approval.refused approve-isolation",
            ]
        )
        let refusals = try await harness.records("run-1", .approvalRefused)
        #expect(refusals.map { $0.payload["decision"]?.stringValue } == ["approve", "deny"])
        #expect(refusals.allSatisfy { $0.payload["principal"]?.stringValue == mallory })
        #expect(refusals.allSatisfy { $0.payload["channel"]?.stringValue == "http" })
        #expect(refusals.allSatisfy { $0.payload["reason"]?.stringValue?.contains("not an approver") == true })
        #expect(try await executor.report(runID: "run-1").status == .parked)
    }

    @Test func eachApproverDecidesOnceSoOnePersonCannotMakeAQuorum() async throws {
        let harness = try Harness()
        let executor = try await parkedRun(harness)
        _ = try await executor.decide(
            runID: "run-1",
            gate: "approve-isolation",
            principal: ana,
            decision: .approve,
            channel: "cli"
        )
        await #expect(throws: RunError.alreadyDecided) {
            _ = try await executor.decide(
                runID: "run-1",
                gate: "approve-isolation",
                principal: ana,
                decision: .approve,
                channel: "http"
            )
        }
        #expect(try await executor.report(runID: "run-1").status == .parked)
    }

    @Test func sessionsOfOneRoleAreOneApproverWhateverTheirNames() async throws {
        // Given a gate for 2 approvers, listing a role (with a path), and a run Alice started through that role
        let harness = try Harness()
        let role = "arn:aws:iam::111122223333:role/security/IncidentLead"
        let executor = harness.executor()
        _ = try await executor.start(
            plan: plan(gate("approve", approvers: [role], minimumApprovals: 2), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: "arn:aws:sts::111122223333:assumed-role/IncidentLead/alice",
            mode: .live
        )
        func decide(_ principal: String) async throws -> RunReport {
            try await executor.decide(
                runID: "run-1",
                gate: "approve",
                principal: principal,
                decision: .approve,
                channel: "cli"
            )
        }
        // Then sessions of another role or another account are refused
        for outsider in [
            "arn:aws:sts::111122223333:assumed-role/Developer/ana",
            "arn:aws:sts::444455556666:assumed-role/IncidentLead/ana",
        ] {
            await #expect(throws: RunError.notAnApprover) { _ = try await decide(outsider) }
        }
        // And Alice re-assuming the role under other session names is still the initiator
        for alias in ["alice2", "alice3"] {
            await #expect(throws: RunError.initiatorCannotApprove) {
                _ = try await decide("arn:aws:sts::111122223333:assumed-role/IncidentLead/\(alias)")
            }
        }
        #expect(await harness.invoker.steps(.execute).isEmpty)
        let refusals = try await harness.records("run-1", .approvalRefused)
        #expect(refusals.count == 4)
        #expect(refusals.last?.payload["principal"] == "arn:aws:sts::111122223333:assumed-role/IncidentLead/alice3")
        #expect(refusals.last?.payload["approver"] == "arn:aws:iam::111122223333:role/IncidentLead")
        #expect(await harness.invoker.steps(.execute).isEmpty)
    }

    @Test func twoPeopleSharingARoleAreOneApproverUnlessItsSessionNamesAreTrusted() async throws {
        let role = "arn:aws:iam::111122223333:role/security/IncidentLead"
        let ana = "arn:aws:sts::111122223333:assumed-role/IncidentLead/ana"
        let bob = "arn:aws:sts::111122223333:assumed-role/IncidentLead/bob"
        for trusted in [false, true] {
            // Given a gate for 2 approvers listing the role, with or without the role's session names trusted
            let harness = try Harness()
            let executor = harness.executor(
                identities: ApproverIdentities(trustedSessionRoles: trusted ? [role] : [])
            )
            _ = try await executor.start(
                plan: plan(
                    gate("approve", approvers: [role], minimumApprovals: 2),
                    action("isolate", "ec2.quarantine")
                ),
                finding: finding(),
                initiator: initiator,
                mode: .live
            )
            func decide(_ principal: String) async throws -> RunReport {
                try await executor.decide(
                    runID: "run-1",
                    gate: "approve",
                    principal: principal,
                    decision: .approve,
                    channel: "cli"
                )
            }
            // When ana approves, then bob
            _ = try await decide(ana)
            await #expect(throws: RunError.alreadyDecided) { _ = try await decide(ana) }
            if trusted {
                // Then with trusted session names they are two approvers and the run goes on
                #expect(try await decide(bob).status == .succeeded)
                let granted = try await harness.records("run-1", .approvalGranted)
                #expect(granted.map { $0.payload["approver"] } == [.string(ana), .string(bob)])
            } else {
                // Otherwise bob's session is the role that already approved: the quorum is not met
                await #expect(throws: RunError.alreadyDecided) { _ = try await decide(bob) }
                let report = try await executor.report(runID: "run-1")
                #expect(report.status == .parked)
                let granted = try await harness.records("run-1", .approvalGranted)
                #expect(granted.map { $0.payload["principal"] } == [.string(ana)])
                #expect(granted.map { $0.payload["approver"] } == ["arn:aws:iam::111122223333:role/IncidentLead"])
                #expect(await harness.invoker.steps(.execute).isEmpty)
            }
        }
    }

    @Test func aDecisionIsJournaledAtOnceWhileEveryRunSlotIsBusy() async throws {
        // Given one run slot, a run parked at its gate, and another run holding the slot with a slow call
        let harness = try Harness()
        let executor = harness.executor(groups: leads, maximumConcurrentRuns: 1)
        _ = try await executor.start(
            plan: plan(gate("approve", approvers: ["group:incident-leads"]), action("isolate", "ec2.quarantine")),
            finding: finding(),
            initiator: initiator,
            mode: .live
        )
        await harness.invoker.script("slow", .slow(.seconds(5), .succeed(ActionResult())))
        let busy = Task {
            try await executor.start(
                plan: plan(action("slow", "ec2.tag", ["instance": .known("i-0fedcba9876543210")])),
                finding: finding(id: "finding-2", resource: "i-0fedcba9876543210"),
                initiator: initiator,
                mode: .live
            )
        }
        while await harness.invoker.calls(.execute).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        // When an approver decides (as over HTTP: recorded, the run left to a worker)
        let report = try await executor.decide(
            runID: "run-1",
            gate: "approve",
            principal: ana,
            decision: .approve,
            channel: "http",
            continuing: false
        )
        // Then the decision is journaled while the slow call still holds the slot, and the gated step has not run
        #expect(try await harness.trail("run-2").last == "step.started slow")
        #expect(report.status == .parked)
        #expect(try await harness.records("run-1", .approvalGranted).count == 1)
        #expect(await harness.invoker.steps(.execute) == ["slow"])
        _ = try await busy.value
        // And a worker then drives the approved run on
        #expect(try await executor.resume(runID: "run-1").status == .succeeded)
        #expect(await harness.invoker.steps(.execute) == ["slow", "isolate"])
    }

    @Test func approverIdentitiesFoldSessionsAndPathsIntoTheRole() {
        let identities = ApproverIdentities(trustedSessionRoles: ["arn:aws:iam::111122223333:role/ops/Trusted"])
        #expect(
            identities.identity(of: "arn:aws:sts::111122223333:assumed-role/Responder/alice")
                == "arn:aws:iam::111122223333:role/Responder"
        )
        #expect(
            identities.identity(of: "arn:aws:iam::111122223333:role/team/Responder")
                == "arn:aws:iam::111122223333:role/Responder"
        )
        #expect(
            identities.identity(of: "arn:aws:sts::111122223333:assumed-role/Trusted/alice")
                == "arn:aws:sts::111122223333:assumed-role/Trusted/alice"
        )
        // The same role name in another account or partition is another role
        #expect(
            identities.identity(of: "arn:aws:sts::444455556666:assumed-role/Trusted/alice")
                == "arn:aws:iam::444455556666:role/Trusted"
        )
        #expect(identities.identity(of: ana) == ana)
        #expect(identities.identity(of: "local-name") == "local-name")
    }

    @Test func expiredGateRefusesDecisionsAndFailsTheRunClosed() async throws {
        // Given a run parked for 30 minutes
        let harness = try Harness()
        let executor = try await parkedRun(harness, minimumApprovals: 1)
        // When an approval arrives after the timeout
        harness.time.advance(by: .seconds(1800))
        await #expect(throws: RunError.gateExpired) {
            _ = try await executor.decide(
                runID: "run-1",
                gate: "approve-isolation",
                principal: ana,
                decision: .approve,
                channel: "cli"
            )
        }
        // Then it is refused (and the refusal journaled), the run failed closed, and the gated step never ran
        #expect(
            try await harness.trail("run-1").suffix(3) == [
                "approval.expired approve-isolation", "run.failed approve-isolation",
                "approval.refused approve-isolation",
            ]
        )
        let report = try await executor.report(runID: "run-1")
        #expect(report.status == .failed)
        #expect(report.step("approve-isolation")?.status == .expired)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
        await #expect(throws: RunError.gateExpired) {
            _ = try await executor.decide(
                runID: "run-1",
                gate: "approve-isolation",
                principal: bob,
                decision: .approve,
                channel: "cli"
            )
        }
    }

    @Test func resumeAllExpiresGatesWhoseTimeoutPassed() async throws {
        let harness = try Harness()
        _ = try await parkedRun(harness, minimumApprovals: 1, timeout: .seconds(60))
        // Before the deadline resuming leaves the run parked; after it, the run fails closed
        #expect(try await harness.executor().resumeAll().map(\.status) == [.parked])
        harness.time.advance(by: .seconds(61))
        #expect(try await harness.executor().resumeAll().map(\.status) == [.failed])
        let failed = try #require(try await harness.records("run-1", .runFailed).first)
        #expect(failed.payload["code"] == "ApprovalExpired")
    }

    @Test func denialStopsTheRun() async throws {
        let harness = try Harness()
        let executor = try await parkedRun(harness)
        _ = try await executor.decide(
            runID: "run-1",
            gate: "approve-isolation",
            principal: ana,
            decision: .approve,
            channel: "cli"
        )
        let report = try await executor.decide(
            runID: "run-1",
            gate: "approve-isolation",
            principal: bob,
            decision: .deny,
            comment: "this is the build server",
            channel: "slack"
        )
        #expect(report.status == .failed)
        #expect(report.step("approve-isolation")?.status == .denied)
        #expect(await harness.invoker.steps(.execute) == ["tag"])
        let denied = try #require(try await harness.records("run-1", .approvalDenied).first)
        #expect(denied.payload["principal"] == .string(bob))
        #expect(denied.payload["comment"] == "this is the build server")
        #expect(denied.payload["channel"] == "slack")
        #expect(try await harness.trail("run-1").last == "run.failed approve-isolation")
    }

    @Test func parkedRunCannotBeUndoneUntilItCompletes() async throws {
        let harness = try Harness()
        let executor = try await parkedRun(harness)
        await #expect(throws: RunError.notUndoable) {
            _ = try await executor.undo(runID: "run-1", requestedBy: ana)
        }
    }

    @Test func unknownRunAndGateAreRefused() async throws {
        let harness = try Harness()
        let executor = try await parkedRun(harness)
        await #expect(throws: RunError.unknownRun) {
            _ = try await executor.decide(
                runID: "run-9",
                gate: "approve-isolation",
                principal: ana,
                decision: .approve,
                channel: "cli"
            )
        }
        await #expect(throws: RunError.unknownGate) {
            _ = try await executor.decide(
                runID: "run-1",
                gate: "nope",
                principal: ana,
                decision: .approve,
                channel: "cli"
            )
        }
    }
}
