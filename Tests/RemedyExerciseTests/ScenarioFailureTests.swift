import Foundation
import RemedyCore
import RemedyExercise
import RemedyTestSupport
import Testing

/// Scenarios that do not go as planned, and scenarios that cannot be read.
@Suite struct ScenarioFailureTests {
    @Test func aPermissionTheResponderRoleLacksFailsTheStepAndTheExpectationsThatNeedIt() async throws {
        var scenario = try Scenarios.load("public-bucket")
        scenario.account.roles["RemedyResponder"]?.missingPermissions = ["s3:PutBucketPublicAccessBlock"]
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play(scenario, in: directory)
            #expect(!played.report.passed)
            let failed = played.report.expectations.filter { !$0.passed }.map(\.text)
            #expect(failed == ["bucket acme-web-assets-prod not public within 5m", "no step failed"])
            // Refused the way S3 refuses, and nothing after the failed step ran (on_failure: abort).
            let refusal = try #require(played.calls.first { $0.errorCode == "AccessDenied" })
            #expect(refusal.operation == "PutPublicAccessBlock")
            #expect(refusal.errorMessage?.contains("assumed-role/RemedyResponder/") == true)
            #expect(played.account.buckets["acme-web-assets-prod"]?.isPublic == true)
            let run = try #require(played.report.findings.first?.runs.first)
            #expect(run.status == "failed")
            // The bucket's tags were read first (the finding carried none): not exempt
            #expect(run.steps.map(\.status).prefix(2) == ["succeeded", "failed"])
            #expect(played.report.failedSteps.map(\.step.id) == ["block"])
        }
    }

    @Test func anExpectationTooTightForTheApprovalDelayFailsAndSaysByHowMuch() async throws {
        var scenario = try Scenarios.load("leaked-access-key")
        scenario.expectations[1] = try #require(
            try Scenarios.parse(
                Self.minimal(expect: "user ci-deployer has no console access within 5m")
            ).get().expectations.first
        )
        try await withTemporaryDirectory { directory in
            let played = try await Scenarios.play(scenario, in: directory)
            let result = played.report.expectations[1]
            #expect(!result.passed)
            #expect(result.detail == "ci-deployer: took 10m00s, over 5m00s")
        }
    }

    @Test func theCommandExitsNonZeroAndNamesTheFailedExpectation() async throws {
        try await withTemporaryDirectory { directory in
            let scenario = try Repository.read("Fixtures/scenarios/public-bucket.yaml")
                .replacingOccurrences(
                    of: "    - name: RemedyResponder\n",
                    with: "    - name: RemedyResponder\n      missing_permissions: [s3:PutBucketPublicAccessBlock]\n"
                )
                .replacingOccurrences(
                    of: "playbooks: ../../Playbooks",
                    with: "playbooks: \(Repository.path("Playbooks"))"
                )
                .replacingOccurrences(of: "file: ../findings/", with: "file: \(Repository.path("Fixtures/findings"))/")
            let path = try directory.write("tight.yaml", scenario)
            let result = try RemedyBinary.run(["exercise", path, "--journal", directory.file("j.sqlite")])
            #expect(result.status == 1)
            #expect(
                result.standardOutput.contains(
                    "FAIL  bucket acme-web-assets-prod not public within 5m: acme-web-assets-prod: not so at the end"
                )
            )
            #expect(result.standardOutput.contains("PASS  no finding unmatched"))
            #expect(result.standardOutput.contains("Result: 2 of 3 expectation(s) FAILED."))
        }
    }

    @Test(arguments: [
        ("kind: Scenario\nname: x\n", "test.yaml:1:1: error: scenario needs 'apiVersion'"),
        (minimal(expect: "instance i-0123456789abcdef0 isolated within soon"), "is not a duration"),
        (minimal(expect: "the bucket is fine"), "test.yaml:14:5: error: cannot read expectation 'the bucket is fine'"),
        // The one YAML reader's rules, as for playbooks: a suggestion for a typo, a key given twice refused
        (
            minimal(extra: "  regoin: us-east-1\n"),
            "test.yaml:13:3: error: unknown key 'regoin' in account; did you mean 'region'?"
        ),
        (minimal(extra: "  region: us-west-2\n"), "test.yaml:12:3: error: duplicate key 'region' in this mapping"),
        (
            minimal(
                extra:
                    "  instances: [{id: i-0123456789abcdef0, vpc: vpc-0123456789abcdef0, subnet: subnet-01234567, security_groups: []}]\n"
            ),
            "test.yaml:13:46: error: instance i-0123456789abcdef0: no VPC 'vpc-0123456789abcdef0' in account.vpcs"
        ),
        (
            minimal(
                extra:
                    "  instances: [{id: i-xyz, vpc: vpc-0123456789abcdef0, subnet: subnet-01234567, security_groups: []}]\n"
            ),
            "test.yaml:13:20: error: instance id:"
        ),
        ("apiVersion: remedy/v1\nkind: Scenario\nname: [unclosed\n", "test.yaml:4:1: error: invalid YAML"),
    ])
    func badScenariosAreRefusedWithPositions(text: String, message: String) throws {
        guard case .failure(let error) = Scenarios.parse(text) else {
            Issue.record("accepted:\n\(text)")
            return
        }
        let descriptions = error.diagnostics.map(\.description)
        #expect(descriptions.contains { $0.contains(message) }, "\(descriptions)")
    }

    @Test func validateChecksScenariosWithPositions() async throws {
        let shipped = try RemedyBinary.run(["validate", "Fixtures/scenarios"])
        #expect(shipped.status == 0, "\(shipped.standardOutput)\(shipped.standardError)")
        #expect(shipped.standardOutput.contains("7 scenarios checked, 0 errors"))
        try await withTemporaryDirectory { directory in
            let path = try directory.write("bad.yaml", Self.minimal(expect: "no step failled"))
            let result = try RemedyBinary.run(["validate", path])
            #expect(result.status == 1)
            #expect(result.standardOutput.contains("\(path):14:5: error: cannot read expectation 'no step failled'"))
        }
    }

    /// A valid scenario with one finding, `extra` added to the account (line 13) and one expectation (line 14, or 15 with `extra`).
    static func minimal(extra: String = "", expect: String = "no step failed") -> String {
        """
        apiVersion: remedy/v1
        kind: Scenario
        name: minimal
        findings:
          - at: 0s
            inline:
              Findings: []
        approvers:
          - {principal: arn:aws:iam::111122223333:user/alice, groups: [leads], decides: approve after 1m}
        account:
          id: "111122223333"
        \(extra.isEmpty ? "  region: us-east-1\n" : "  region: us-east-1\n" + extra)expect:
          - \(expect)

        """
    }
}
