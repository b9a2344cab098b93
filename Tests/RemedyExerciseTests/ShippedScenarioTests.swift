import Foundation
import RemedyCore
import RemedyExercise
import RemedyJournal
import RemedyTestSupport
import Testing

/// Each scenario under Fixtures/scenarios, played with the repository's playbooks: its expectations pass and the
/// simulated account ends as the playbooks promise.
@Suite struct ShippedScenarioTests {
    @Test func cryptoMiningCampaignIsolatesAllFiftyInstancesAfterApproval() async throws {
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play("crypto-mining-campaign", in: directory)
            #expect(played.report.passed, "\(played.report.expectations.filter { !$0.passed })")
            let instances = played.account.instances.values.filter { $0.tags["Campaign"] == "mining" }
            #expect(instances.count == 50)
            for instance in instances {
                #expect(played.account.isIsolated(instance.id), "\(instance.id) not isolated")
                #expect(instance.terminationProtection)
                #expect(instance.instanceProfileARN == nil)
                #expect(instance.httpTokens == "required")
                // What undo needs is journaled before each change, not written to the instance (whose tags whoever
                // controls it can change): remedy's only tag there is the case the `tag` step puts on.
                #expect(instance.tags.keys.filter { $0.hasPrefix("remedy:") } == ["remedy:case"])
            }
            let captured = Dictionary(
                grouping: try played.journal.records().filter { $0.kind == "step.prior_state_captured" },
                by: { $0.payload["step"]?.stringValue ?? "" }
            )
            #expect(
                captured.mapValues(\.count) == ["preserve": 50, "detach-asg": 4, "detach-profile": 50, "isolate": 50]
            )
            #expect(captured["isolate"]?.allSatisfy { $0.payload.jsonText().contains("sg-0c0ffee0000000001") } == true)
            #expect(
                captured["preserve"]?.allSatisfy { $0.payload["priorState"]?["termination_protection"] == false }
                    == true
            )
            #expect(
                captured["detach-asg"]?.allSatisfy { $0.payload["priorState"] == ["group": "batch-workers"] } == true
            )
            // One forensic snapshot per instance, tagged with its run, taken before the isolation.
            let snapshots = played.account.snapshots.values.filter { $0.tags["remedy:case"] != nil }
            #expect(snapshots.count == 50)
            #expect(Set(snapshots.map(\.volumeID)).count == 50)
            #expect(played.account.autoScalingGroups["batch-workers"]?.instances.isEmpty == true)
            #expect(played.account.targetGroups.values.allSatisfy { $0.targets.isEmpty })
            // Sessions are revoked as of the exercise's virtual time, not the machine's.
            let revocation = try #require(
                played.account.roles["batch-worker"]?.inlinePolicies["AWSRevokeOlderSessions"]
            )
            #expect(revocation.contains(#""aws:TokenIssueTime":"2026-03-14T09:"#))
            #expect(played.account.guardDutyFindings.count == 50)
            #expect(played.account.guardDutyFindings.values.allSatisfy { $0.archived })
            // Every run waited for alice, who answered after 5 virtual minutes.
            let runs = played.report.findings.flatMap(\.runs)
            #expect(runs.count == 50)
            #expect(runs.allSatisfy { $0.status == "succeeded" })
            for run in runs {
                let approval = try #require(run.approvals.first)
                #expect(approval.outcome == "granted by arn:aws:iam::111122223333:user/alice")
                let waited = try #require(approval.decidedAt) - approval.requestedAt
                #expect(waited == .seconds(300))
                let contained = try #require(run.timeToContainment)
                #expect(contained >= .seconds(300) && contained < .seconds(900))
            }
            // The quarantine's calls are attributed to its step. The isolation group is created once, by run 1; the
            // allow-all group each time a quarantine needs it after the last one removed it (the runs here swap one
            // after another), and none is left in the account at the end.
            let creations = played.calls.filter { $0.operation == "CreateSecurityGroup" }
            #expect(creations.first?.runID == "run-exercise-0001")
            #expect(creations.allSatisfy { $0.stepID == "isolate" })
            let deletions = played.calls.filter { $0.operation == "DeleteSecurityGroup" && $0.errorCode == nil }
            #expect(deletions.count == creations.count - 1)
            #expect(played.account.securityGroups.values.filter { $0.name == "remedy-untrack" }.isEmpty)
            #expect(played.account.securityGroups.values.filter { $0.name == "remedy-isolation" }.count == 1)
            // The only error answered: the revoke-sessions step reading a role policy that does not exist yet.
            let errors = played.calls.compactMap { call in call.errorCode.map { "\(call.operation) \($0)" } }
            #expect(errors == ["GetRolePolicy NoSuchEntity"])
        }
    }

    @Test func withACampaignGateTheMiningCampaignIsOneDecision() async throws {
        try await withTemporaryDirectory { directory in
            // Given the same campaign, with the containment's gate opted in to campaign approvals of 15 minutes
            let played = try await Scenarios.play(try Scenarios.load("crypto-mining-campaign"), in: directory) {
                playbook in
                guard playbook.name == "ec2-compromise-contain" else { return }
                for index in playbook.steps.indices {
                    guard case .approval(var gate) = playbook.steps[index].kind else { continue }
                    gate.scope = .campaign(window: .seconds(900))
                    playbook.steps[index].kind = .approval(gate)
                }
            }
            #expect(played.report.passed, "\(played.report.expectations.filter { !$0.passed })")
            #expect(
                played.account.instances.values.filter { $0.tags["Campaign"] == "mining" }.allSatisfy {
                    played.account.isIsolated($0.id)
                }
            )
            // Then alice decided once, on the first run; every other run journals that it took her decision
            let granted = try played.journal.records().filter { $0.kind == "approval.granted" }
            #expect(granted.count == 50)
            let made = granted.filter { $0.payload["campaignRun"] == nil }
            #expect(made.map(\.runID) == ["run-exercise-0001"])
            #expect(granted.allSatisfy { $0.payload["principal"] == "arn:aws:iam::111122223333:user/alice" })
            #expect(granted.filter { $0.payload["campaignRun"] == "run-exercise-0001" }.count == 49)
            #expect(granted.allSatisfy { $0.payload["at"] == made.first?.payload["at"] })
            // And every run went on once she answered the first, 5 minutes after it asked: most findings were
            // contained in less than the 5 minutes each waited for its own answer before
            let runs = played.report.findings.flatMap(\.runs)
            #expect(runs.allSatisfy { $0.status == "succeeded" })
            let contained = try runs.map { run in try #require(run.timeToContainment) }
            #expect(contained.filter { $0 < .seconds(300) }.count >= 40, "\(contained)")
        }
    }

    @Test func leakedAccessKeyIsDeactivatedAndConsoleAccessRemovedAfterApproval() async throws {
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play("leaked-access-key", in: directory)
            #expect(played.report.passed, "\(played.report.expectations.filter { !$0.passed })")
            let user = try #require(played.account.users["ci-deployer"])
            #expect(user.accessKeys.first { $0.id == "AKIAWL4YXTQGWJCB5M7L" }?.status == "Inactive")
            #expect(!user.hasLoginProfile)
            #expect(user.inlinePolicies.keys.contains { $0.contains("Revoke") })
            #expect(played.account.trails["org-audit-trail"]?.isLogging == true)
            let runs = played.report.findings.flatMap(\.runs)
            #expect(runs.map(\.playbook) == ["iam-credential-compromise", "iam-credential-compromise"])
            let key = try #require(played.report.expectation("key AKIAWL4YXTQGWJCB5M7L inactive within 2m"))
            #expect(key.passed)
            // The second finding (ListBuckets from the same key) does not restart the trail.
            let second = try #require(runs.last)
            #expect(second.steps.first { $0.id == "restart-trail" }?.status == "skipped")
        }
    }

    @Test func aPentestKeyWaitsForTheLeadAndRootUsageOnlyReachesTheOnCall() async throws {
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play("pentest-and-root", in: directory)
            #expect(played.report.passed, "\(played.report.expectations.filter { !$0.passed })")
            let user = try #require(played.account.users["red-team"])
            #expect(user.accessKeys.first { $0.id == "AKIAREDTEAM0000KALI1" }?.status == "Inactive")
            let runs = played.report.findings.flatMap(\.runs)
            #expect(runs.map(\.playbook).sorted() == ["iam-pentest-tooling", "iam-root-credential-usage"])
            // The key is deactivated only after the lead's approval, five minutes after the finding
            let pentest = try #require(runs.first { $0.playbook == "iam-pentest-tooling" })
            let approval = try #require(pentest.approvals.first)
            let deactivated = try #require(pentest.steps.first { $0.id == "deactivate-key" }?.startedAt)
            #expect(approval.outcome.hasPrefix("granted by arn:aws:iam::111122223333:user/bob"))
            #expect(deactivated >= (try #require(approval.decidedAt)))
            // Root usage changes nothing in the account: every change is the red-team key's
            #expect(played.report.stateChanges.allSatisfy { $0.resource == "user red-team" })
            #expect(played.report.notifications.count == 2)
        }
    }

    @Test func eachPrincipalTakingDataFromABucketIsDeniedItAndTheOwnersAccessStays() async throws {
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play("s3-data-exfiltration", in: directory)
            #expect(played.report.passed, "\(played.report.expectations.filter { !$0.passed })")
            let bucket = try #require(played.account.buckets["acme-analytics-exports-444455556666"])
            let policy = try JSONParser().parse(Array(try #require(bucket.policy).utf8))
            let statements = policy["Statement"]?.arrayValue ?? []
            #expect(statements.first?["Sid"] == "AnalyticsRead")
            // One Deny per principal, each keyed on its unique id: the second finding of the case names another
            // principal, so the first run's denial does not count as its containment
            let denied = statements.filter { $0["Effect"] == "Deny" }.compactMap {
                $0["Condition"]?["StringEquals"]?["aws:userid"]?.stringValue
            }
            #expect(denied == ["AIDAE178K5MH9U046VGSL", "AROAE178K5MH9U046VGSL:etl-2026-03-14"])
            let runs = played.report.findings.flatMap(\.runs)
            #expect(runs.allSatisfy { $0.steps.first { $0.id == "deny-principal" }?.status == "succeeded" })
        }
    }

    @Test func publicBucketLosesItsPublicStatementAndKeepsTheOthers() async throws {
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play("public-bucket", in: directory)
            #expect(played.report.passed, "\(played.report.expectations.filter { !$0.passed })")
            let bucket = try #require(played.account.buckets["acme-web-assets-prod"])
            #expect(bucket.publicAccessBlock == .allBlocked)
            #expect(!bucket.isPublic)
            let policy = try JSONParser().parse(Array(try #require(bucket.policy).utf8))
            let sids = (policy["Statement"]?.arrayValue ?? []).compactMap { $0["Sid"]?.stringValue }
            #expect(sids == ["CloudFrontRead"])
            let finding = try #require(played.account.securityHubFindings.values.first)
            #expect(finding.workflowStatus == "RESOLVED")
            #expect(played.account.buckets["acme-internal-reports"]?.publicAccessBlock == .allBlocked)
            #expect(
                played.report.stateChanges.contains {
                    $0.resource == "bucket acme-web-assets-prod" && $0.attribute == "public" && $0.after == "false"
                }
            )
        }
    }

    @Test func publicSnapshotIsMadePrivateAndTheAccountFindingPagesTheOwner() async throws {
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play("public-ebs-snapshot", in: directory)
            #expect(played.report.passed, "\(played.report.expectations.filter { !$0.passed })")
            #expect(played.account.snapshots["snap-025f1060336392750"]?.isPublic == false)
            // The other snapshot's sharing with one account is not remedy's business and stays.
            #expect(played.account.snapshots["snap-0a11ce0000000beef"]?.createVolumeUserIDs == ["444455556666"])
            #expect(played.report.notifications.map(\.destination) == ["default"])
            #expect(played.report.notifications.first?.message.contains("111122223333") == true)
            // The unencrypted-volume finding of the same batch is a coverage gap.
            #expect(
                played.report.unmatchedFindings.map(\.id) == [
                    "acme-cspm/us-east-1/111122223333/ebs-volume-unencrypted/vol-08ec62ec9854ccec1"
                ]
            )
        }
    }

    @Test func unansweredApprovalFailsClosedWithoutDisruptingAnything() async throws {
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play("unanswered-approval", in: directory)
            #expect(played.report.passed, "\(played.report.expectations.filter { !$0.passed })")
            #expect(!played.account.isIsolated("i-0feedface00000001"))
            #expect(played.account.instances["i-0feedface00000001"]?.securityGroupIDs == ["sg-0feedface00000001"])
            // Evidence before the gate was taken; console access, after the gate, was not removed.
            #expect(played.account.snapshots.values.filter { $0.tags["remedy:case"] != nil }.count == 2)
            #expect(played.account.users["ci-deployer"]?.hasLoginProfile == true)
            #expect(played.account.users["ci-deployer"]?.accessKeys.first?.status == "Inactive")
            let runs = played.report.findings.flatMap(\.runs)
            #expect(runs.count == 2)
            #expect(runs.allSatisfy { $0.status == "failed" })
            #expect(runs.allSatisfy { $0.approvals.first?.outcome == "expired unanswered" })
            let containment = runs.first { $0.playbook == "ec2-compromise-contain" }
            let gate = try #require(containment?.approvals.first)
            #expect(try #require(gate.decidedAt) - gate.requestedAt >= .seconds(1800))
            #expect(
                played.report.unmatchedFindings.map { $0.types.first } == [
                    "CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce"
                ]
            )
        }
    }

    @Test func theExerciseJournalVerifiesWithItsKey() async throws {
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play("leaked-access-key", in: directory)
            let verification = try played.journal.verify(keys: [played.key.verifier])
            #expect(verification.isIntact)
            let records = try played.journal.records()
            #expect(records.contains { $0.kind == "approval.granted" })
            // Timestamps are virtual: the first record is at the scenario's start plus the first finding's offset.
            #expect(records.first?.recordedAt.hasPrefix("2026-03-14T02:01:00") == true)
        }
    }
}
