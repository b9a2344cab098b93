import Foundation
import RemedyActions
import RemedyCore
import RemedyPlaybooks
import RemedyTestSupport
import Testing

/// Playbook problems are reported with the file, line and column where they are, all in one pass.
@Suite struct PlaybookValidationTests {
    /// Parses and validates `yaml` as file `test.yaml`; returns every diagnostic as `line:column: message`.
    func diagnostics(_ yaml: String) -> [String] {
        let (playbook, parsed) = PlaybookParser().parse(yaml, file: "test.yaml")
        let validated = playbook.map { PlaybookValidator(catalog: .standard).validate($0) } ?? []
        return (parsed + validated).map { diagnostic in
            let location = diagnostic.location.map { "\($0.line):\($0.column): " } ?? ""
            return location + diagnostic.message
        }
    }

    static let header = """
        apiVersion: remedy/v1
        name: test
        match: {types: ["Backdoor:EC2/*"], resource: AwsEc2Instance}

        """

    @Test func shippedPlaybooksAreValid() {
        let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        #expect(library.diagnostics.isEmpty, "\(library.diagnostics)")
        #expect(library.playbooks.count >= 15)
    }

    @Test func comparingAnOutputThatIsNeverNullWithNullIsAWarning() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: evidence
                    action: ec2.snapshot_volumes
                    with: {instance: "{{ finding.resources[0].id }}"}
                  - id: detach
                    action: ec2.detach_instance_profile
                    with: {instance: "{{ finding.resources[0].id }}"}
                  - id: revoke
                    action: iam.revoke_sessions
                    when: "steps.detach.role_name != null and steps.evidence.snapshot_ids != null"
                    with: {principal_type: role, principal: "{{ steps.detach.role_name }}"}
                """
        )
        // role_name is null when there is no profile; snapshot_ids is always a list
        #expect(
            found == [
                "11:5: when: steps.evidence.snapshot_ids is never null (ec2.snapshot_volumes always sets "
                    + "snapshot_ids), so this condition is always true"
            ]
        )
    }

    @Test func askingWhetherAConditionalStepRanIsNoWarning() {
        // A step with its own condition may be skipped, and then sets nothing: null means it did not run
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: evidence
                    action: ec2.snapshot_volumes
                    when: "finding.severity.score > 50"
                    with: {instance: "{{ finding.resources[0].id }}"}
                  - id: note
                    action: securityhub.update_finding
                    when: "steps.evidence.snapshot_ids == null"
                    with: {status: NOTIFIED, note: "no snapshot taken"}
                """
        )
        #expect(found.isEmpty, "\(found)")
    }

    @Test func validPlaybookHasNoDiagnostics() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: evidence
                    action: ec2.snapshot_volumes
                    with: {instance: "{{ finding.resources[0].id }}"}
                  - id: note
                    action: securityhub.update_finding
                    with: {status: NOTIFIED, note: "snapshots {{ steps.evidence.snapshot_ids }}"}
                """
        )
        #expect(found.isEmpty)
    }

    @Test func malformedYAMLIsReportedWithItsPosition() {
        let found = diagnostics("apiVersion: remedy/v1\nname: [unclosed\nsteps: []\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("3:") == true || found.first?.hasPrefix("2:") == true)
        #expect(found.first?.contains("invalid YAML") == true)
    }

    @Test func typoInAKeyIsReportedWithASuggestion() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: stop
                    action: ec2.stop
                    whith: {instance: i-0123456789abcdef0}
                """
        )
        #expect(found.contains("7:5: unknown key 'whith' in a step; did you mean 'with'?"))
        // The missing parameter is reported in the same pass.
        #expect(found.contains { $0.hasPrefix("5:5: ec2.stop needs parameter 'instance'") })
    }

    @Test func unknownActionSuggestsTheClosestName() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: isolate
                    action: ec2.quarantin
                    with: {instance: i-0123456789abcdef0}
                """
        )
        #expect(found == ["5:5: unknown action 'ec2.quarantin'; did you mean 'ec2.quarantine'?"])
    }

    @Test func wrongParameterTypeNamesTheParameterAndPosition() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: revoke
                    action: ec2.revoke_open_ingress
                    with: {security_group: sg-0123456789abcdef0, ports: [22, "ssh"]}
                """
        )
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("7:50: ec2.revoke_open_ingress parameter 'ports': item 1") == true)
    }

    @Test func duplicateStepIDsAreRefused() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: a
                    action: ec2.enforce_imdsv2
                    with: {instance: "{{ finding.resources[0].id }}"}
                  - id: a
                    action: ec2.enforce_imdsv2
                    with: {instance: "{{ finding.resources[0].id }}"}
                """
        )
        #expect(found == ["8:5: duplicate step id 'a'"])
    }

    @Test func referenceToALaterOrMissingStepOrOutputIsRefused() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: note
                    action: securityhub.update_finding
                    with: {status: NOTIFIED, note: "{{ steps.evidence.snapshot_ids }}"}
                  - id: evidence
                    action: ec2.snapshot_volumes
                    with: {instance: "{{ finding.resources[0].id }}"}
                  - id: share
                    action: ec2.share_snapshots
                    with: {snapshots: "{{ steps.evidence.snapshots }}", account: "111122223333"}
                """
        )
        #expect(
            found.contains {
                $0.hasPrefix("7:30:")
                    && $0.contains("refers to step 'evidence', which does not exist or does not come before")
            }
        )
        #expect(
            found.contains {
                $0.hasPrefix("13:12:")
                    && $0.contains(
                        "step 'evidence' has no output 'snapshots' (its outputs are snapshot_ids, volume_ids)"
                    )
            }
        )
    }

    @Test func unknownFindingFieldAndUndeclaredInputAreRefused() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: stop
                    action: ec2.stop
                    when: "finding.severty.score > 50"
                    with: {instance: "{{ inputs.instance }}"}
                """
        )
        #expect(found.contains("5:5: when: finding has no field 'severty'; did you mean 'severity'?"))
        #expect(found.contains("8:12: with.instance: no input named 'instance' is declared under inputs"))
    }

    @Test func disruptiveActionWithoutAnEarlierApprovalIsRefusedWhenRequired() {
        let found = diagnostics(
            Self.header + """
                require_approval_for: destructive
                steps:
                  - id: stop
                    action: ec2.stop
                    with: {instance: "{{ finding.resources[0].id }}"}
                  - id: ok
                    approve: {approvers: ["group:leads"], timeout: 15m}
                  - id: isolate
                    action: ec2.quarantine
                    with: {instance: "{{ finding.resources[0].id }}"}
                """
        )
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("6:5: ec2.stop is disruptive") == true)
    }

    @Test func malformedDurationsAndApprovalsAreRefused() {
        let found = diagnostics(
            Self.header + """
                steps:
                  - id: gate
                    approve: {approvers: ["alice"], timeout: 30 minutes, min_approvals: 0}
                  - id: pause
                    action: wait
                    with: {duration: 5x}
                """
        )
        #expect(found.contains { $0.hasPrefix("6:26: approver 'alice' must be an IAM user or role ARN") })
        #expect(found.contains { $0.hasPrefix("6:73: approve.min_approvals must be between 1 and 100") })
        #expect(found.contains { $0.hasPrefix("6:46: approve.timeout must be a duration") })
        #expect(found.contains { $0.hasPrefix("9:12: wait parameter 'duration': expected a duration") })
    }

    @Test func aCampaignGateNeedsAWindowOfAtMostADay() throws {
        let (parsed, problems) = PlaybookParser().parse(
            Self.header + """
                steps:
                  - id: approve
                    approve: {approvers: ["group:leads"], timeout: 30m, scope: campaign, window: 15m}
                """,
            file: "test.yaml"
        )
        #expect(problems.isEmpty, "\(problems)")
        #expect(try #require(parsed).steps.first?.approval?.scope == .campaign(window: .seconds(900)))
        let (ownGate, _) = PlaybookParser().parse(
            Self.header + "steps:\n  - id: approve\n    approve: {approvers: [\"group:leads\"], timeout: 30m}\n",
            file: "test.yaml"
        )
        #expect(try #require(ownGate).steps.first?.approval?.scope == .run)

        let found = diagnostics(
            Self.header + """
                steps:
                  - id: a
                    approve: {approvers: ["group:leads"], timeout: 30m, scope: campaign}
                  - id: b
                    approve: {approvers: ["group:leads"], timeout: 30m, window: 15m}
                  - id: c
                    approve: {approvers: ["group:leads"], timeout: 30m, scope: campaign, window: 25h}
                  - id: d
                    approve: {approvers: ["group:leads"], timeout: 30m, scope: fleet}
                """
        )
        #expect(found.contains { $0.hasPrefix("6:14: approve with 'scope: campaign' needs a 'window'") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("8:65: approve.window belongs to 'scope: campaign'") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("10:82: approve.window must be more than 0s and at most 24h") })
        #expect(found.contains { $0.hasPrefix("12:64: approve.scope must be one of run, campaign, not 'fleet'") })
    }

    @Test func limitsWithoutAnyoneToApproveAnOverrunAreRefused() {
        let found = diagnostics(
            Self.header + """
                limits: {max_runs_per_hour: 5, approvers: ["bob"], timeout: soon}
                steps:
                  - id: tag
                    action: ec2.tag
                    with: {instance: "{{ finding.resources[0].id }}", tags: {case: "x"}}
                """
        )
        #expect(found.contains { $0.hasPrefix("4:43: approver 'bob' must be an IAM user or role ARN") })
        #expect(found.contains { $0.hasPrefix("4:61: limits.timeout must be a duration") })
        let unapproved = diagnostics(
            Self.header + """
                limits: {max_concurrent_runs: 2}
                steps:
                  - id: tag
                    action: ec2.tag
                    with: {instance: "{{ finding.resources[0].id }}", tags: {case: "x"}}
                """
        )
        #expect(unapproved.contains { $0.hasPrefix("4:9: limits need 'approvers'") }, "\(unapproved)")
    }

    @Test func limitsBorrowTheApproversOfThePlaybooksGates() throws {
        let (parsed, problems) = PlaybookParser().parse(
            Self.header + """
                limits: {max_runs_per_hour: 5}
                steps:
                  - id: approve
                    approve: {approvers: ["group:incident-leads"], timeout: 30m}
                  - id: tag
                    action: ec2.tag
                    with: {instance: "{{ finding.resources[0].id }}", tags: {case: "x"}}
                """,
            file: "test.yaml"
        )
        #expect(problems.isEmpty, "\(problems)")
        let playbook = try #require(parsed)
        #expect(playbook.limits.maximumRunsPerHour == 5)
        #expect(playbook.limits.approvalTimeout == .seconds(3600))
    }

    @Test func billionLaughsIsRefusedQuicklyInBoundedMemory() {
        var yaml = "a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(refs)]\n"
        }
        yaml = Self.header + yaml + "inputs: {bomb: *a9}\nsteps: []\n"
        let clock = ContinuousClock()
        var found: [String] = []
        let elapsed = clock.measure { found = diagnostics(yaml) }
        // Refused while the document is read, before anything walks it
        #expect(found.count == 1, "\(found)")
        #expect(found.contains { $0.contains("more than 20000 nodes") })
        #expect(elapsed < .seconds(10))  // a hang, not a speed target: expansion would take minutes
    }

    @Test func deeplyNestedDocumentIsRefused() {
        let nested = String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000)
        let found = diagnostics(Self.header + "inputs: {deep: \(nested)}\nsteps: []\n")
        #expect(found.contains { $0.contains("invalid YAML") || $0.contains("nests deeper") })
    }

    @Test func oversizedPlaybookIsRefused() {
        let found = diagnostics(Self.header + "description: \"" + String(repeating: "x", count: 1 << 20) + "\"\n")
        #expect(found.count == 1)
        #expect(found.first?.contains("over the limit of 1048576 bytes") == true)
    }
}
