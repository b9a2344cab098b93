import Foundation
import RemedyCore
import RemedyExecutor

/// Assembles the report from the journal (runs, steps, approvals, with their virtual times), the account's call log
/// and state, and the watches.
struct ExerciseReportBuilder {
    let scenario: Scenario
    let journal: any RunJournal
    let account: SimulatedAccount
    let initial: AccountState
    let progress: Exercise.Progress
    let watches: Watches
    let end: Duration

    func build() async throws -> ExerciseReport {
        let final = await account.state
        let calls = await account.calls
        let notifications = await account.notifications
        var callsByStep: [String: [SimulatedAccount.Call]] = [:]
        for call in calls {
            guard let run = call.runID, let step = call.stepID else { continue }
            callsByStep["\(run)/\(step)", default: []].append(call)
        }
        var findings = progress.findings
        for (runID, index) in progress.runFinding.sorted(by: { $0.key < $1.key }) {
            let records = try await journal.records(ofRun: runID)
            let state = try RunState(records: records)
            findings[index].runs.append(
                run(state, records, injectedAt: findings[index].injectedAt, callsByStep: callsByStep)
            )
        }
        var results: [ExerciseReport.ExpectationResult] = []
        for (index, expectation) in scenario.expectations.enumerated() {
            let (passed, detail) = await evaluate(
                expectation.check,
                watched: watches.resources[index],
                final: final,
                findings: findings,
                notifications: notifications
            )
            results.append(
                .init(text: expectation.text, location: expectation.location, passed: passed, detail: detail)
            )
        }
        return ExerciseReport(
            scenario: scenario.name,
            description: scenario.description,
            start: scenario.start,
            end: end,
            findings: findings,
            stateChanges: Self.changes(from: initial, to: final),
            notifications: notifications,
            expectations: results,
            refusedCalls: calls.filter { $0.errorCode != nil }.count,
            totalCalls: calls.count
        )
    }

    private func offset(_ timestamp: String) -> Duration {
        guard let date = Timestamp.parse(timestamp) else { return .zero }
        return .milliseconds(Int64((date.timeIntervalSince(scenario.start) * 1000).rounded()))
    }

    private func run(
        _ state: RunState,
        _ records: [JournalRecord],
        injectedAt: Duration,
        callsByStep: [String: [SimulatedAccount.Call]]
    ) -> ExerciseReport.RunEntry {
        let report = RunReport(state)
        var started: [String: Duration] = [:]
        var ended: [String: Duration] = [:]
        var actions: [String: String] = [:]
        // Every action step's action from the run's definition, so skipped steps are named too.
        for step in state.definition.steps {
            if case .action(let name, _, _, _, _) = step.kind { actions[step.id] = name }
        }
        var approvals: [ExerciseReport.ApprovalEntry] = []
        var succeededAt: Duration?
        for record in records {
            let at = offset(record.recordedAt)
            // The state was read from these records, so each reads as its event.
            guard let event = try? RunEvent(record) else { continue }
            let step = event.step ?? ""
            switch event {
            case .stepStarted(let stepStarted):
                if started[step] == nil { started[step] = at }
                actions[step] = stepStarted.action
            case .stepSucceeded, .stepFailed, .stepSkipped:
                ended[step] = at
                if started[step] == nil { started[step] = at }
            case .approvalRequested(let requested):
                approvals.append(
                    .init(
                        gate: step,
                        requestedAt: at,
                        decidedAt: nil,
                        outcome: "waiting",
                        approvers: requested.principals
                    )
                )
                started[step] = at
            case .approvalGranted(let decided), .approvalDenied(let decided):
                guard let index = approvals.lastIndex(where: { $0.gate == step }) else { continue }
                let verdict = event.kind == .approvalGranted ? "granted" : "denied"
                approvals[index].outcome =
                    "\(verdict) by \(decided.principal)"
                    + (decided.campaignRun.map { " (campaign approval on \($0))" } ?? "")
                approvals[index].decidedAt = at
                ended[step] = at
            case .approvalExpired:
                guard let index = approvals.lastIndex(where: { $0.gate == step }) else { continue }
                approvals[index].outcome = "expired unanswered"
                approvals[index].decidedAt = at
                ended[step] = at
            case .runSucceeded:
                succeededAt = at
            default:
                break
            }
        }
        let steps = report.steps.map { step in
            ExerciseReport.StepEntry(
                id: step.id,
                action: actions[step.id],
                status: step.status.rawValue,
                startedAt: started[step.id],
                endedAt: ended[step.id],
                calls: callsByStep["\(report.runID)/\(step.id)"] ?? [],
                detail: step.failure ?? step.verdict
            )
        }
        let first = records.first.map { offset($0.recordedAt) } ?? injectedAt
        let last = records.last.map { offset($0.recordedAt) } ?? first
        return ExerciseReport.RunEntry(
            runID: report.runID,
            playbook: report.playbook,
            status: report.status.rawValue,
            startedAt: first,
            endedAt: last,
            timeToContainment: succeededAt.map { $0 - injectedAt },
            steps: steps,
            approvals: approvals,
            failure: report.failureReason
        )
    }

    // MARK: Expectations

    private func evaluate(
        _ check: Expectation.Check,
        watched: [(resource: String, watch: Int)],
        final: AccountState,
        findings: [ExerciseReport.FindingEntry],
        notifications: [SimulatedAccount.Notification]
    ) async -> (Bool, String) {
        switch check {
        case .isolated(_, let within), .keyInactive(_, let within), .noConsoleAccess(_, let within),
            .bucketNotPublic(_, let within), .snapshotPrivate(_, let within):
            guard !watched.isEmpty else { return (false, "no resource in the account matches") }
            var failures: [String] = []
            var slowest: Duration = .zero
            for (resource, watch) in watched {
                let predicate = Watches.predicates(check, initial).first { $0.0 == resource }?.1
                guard predicate?(final) == true else {
                    failures.append("\(resource): not so at the end")
                    continue
                }
                guard let firstTrue = await account.firstTrue(of: watch) else {
                    failures.append("\(resource): never observed")
                    continue
                }
                let reference = findings.first { $0.mentions.contains(resource) }?.injectedAt ?? .zero
                let taken =
                    Duration.milliseconds(Int64((firstTrue.timeIntervalSince(scenario.start) * 1000).rounded()))
                    - reference
                slowest = max(slowest, taken)
                if let within, taken > within {
                    failures.append("\(resource): took \(taken.lengthText), over \(within.lengthText)")
                }
            }
            if failures.isEmpty {
                let count = watched.count == 1 ? watched[0].resource : "all \(watched.count)"
                return (true, "\(count) in \(slowest.lengthText) at most after the finding")
            }
            let shown = failures.prefix(5).joined(separator: "; ")
            return (false, failures.count > 5 ? "\(shown); and \(failures.count - 5) more" : shown)
        case .notIsolated(let selector):
            let isolated = Watches.instances(selector, initial).filter { final.isIsolated($0) }
            return isolated.isEmpty
                ? (true, "not isolated") : (false, "isolated: \(isolated.joined(separator: ", "))")
        case .stopped(let selector):
            let running = Watches.instances(selector, initial).filter { final.instances[$0]?.state != "stopped" }
            return running.isEmpty ? (true, "stopped") : (false, "not stopped: \(running.joined(separator: ", "))")
        case .noFindingUnmatched:
            let unmatched = findings.filter { $0.runs.isEmpty }
            return unmatched.isEmpty
                ? (true, "every finding matched a playbook")
                : (
                    false,
                    "unmatched: \(unmatched.map { "\($0.id) (\($0.types.first ?? $0.rejection ?? "-"))" }.joined(separator: ", "))"
                )
        case .noStepFailed:
            let failed = findings.flatMap { finding in
                finding.runs.flatMap { run in run.steps.filter { $0.status == "failed" }.map { "\(run.runID)/\($0.id)" }
                }
            }
            return failed.isEmpty ? (true, "no step failed") : (false, "failed: \(failed.joined(separator: ", "))")
        case .runStatus(let findingID, let status):
            let runs = findings.filter { $0.id == findingID }.flatMap(\.runs)
            guard !runs.isEmpty else { return (false, "finding \(findingID) started no run") }
            let other = runs.filter { $0.status != status }
            return other.isEmpty
                ? (true, "\(runs.count) run(s) \(status)")
                : (false, other.map { "\($0.runID) (\($0.playbook)) \($0.status)" }.joined(separator: ", "))
        case .notified(let destination):
            let sent = notifications.filter { destination == nil || $0.destination == destination }
            return sent.isEmpty ? (false, "no notification sent") : (true, "\(sent.count) sent")
        }
    }

    // MARK: State diff

    static func changes(from before: AccountState, to after: AccountState) -> [ExerciseReport.StateChange] {
        // Findings arrive during the exercise: they are compared with how they were reported.
        let old = facts(before).merging(facts(after, asReported: true).filter { $0.key.contains("finding ") }) { $1 }
        let new = facts(after)
        var changes: [ExerciseReport.StateChange] = []
        for resource in Set(old.keys).union(new.keys).sorted() {
            let was = old[resource] ?? [:]
            let now = new[resource] ?? [:]
            for attribute in Set(was.keys).union(now.keys).sorted() where was[attribute] != now[attribute] {
                changes.append(
                    .init(resource: resource, attribute: attribute, before: was[attribute], after: now[attribute])
                )
            }
        }
        return changes
    }

    /// The account as resource → attribute → value, the form the diff compares.
    static func facts(_ state: AccountState, asReported: Bool = false) -> [String: [String: String]] {
        var facts: [String: [String: String]] = [:]
        for instance in state.instances.values {
            var entry = [
                "state": instance.state, "security groups": instance.securityGroupIDs.joined(separator: ","),
                "instance profile": instance.instanceProfileARN ?? "none", "IMDS tokens": instance.httpTokens,
                "termination protection": String(instance.terminationProtection),
            ]
            for (key, value) in instance.tags { entry["tag \(key)"] = value }
            facts["instance \(instance.id)"] = entry
        }
        for group in state.securityGroups.values {
            facts["security group \(group.id) (\(group.name))"] = [
                "exists": "yes", "ingress": group.ingress.map(\.summary).joined(separator: "; "),
                "egress": group.egress.map(\.summary).joined(separator: "; "),
            ]
        }
        for snapshot in state.snapshots.values {
            var entry = ["exists": "yes", "public": String(snapshot.isPublic), "volume": snapshot.volumeID]
            if let run = snapshot.tags["remedy:case"] { entry["tag remedy:case"] = run }
            facts["snapshot \(snapshot.id)"] = entry
        }
        for image in state.images.values { facts["image \(image.id)"] = ["public": String(image.isPublic)] }
        for user in state.users.values {
            var entry = [
                "console access": user.hasLoginProfile ? "yes" : "no", "MFA devices": String(user.mfaDevices.count),
            ]
            for key in user.accessKeys { entry["key \(key.id)"] = key.status }
            for (name, _) in user.inlinePolicies { entry["inline policy \(name)"] = "present" }
            facts["user \(user.name)"] = entry
        }
        for role in state.roles.values {
            var entry: [String: String] = [:]
            for (name, _) in role.inlinePolicies { entry["inline policy \(name)"] = "present" }
            facts["role \(role.name)"] = entry
        }
        for bucket in state.buckets.values {
            facts["bucket \(bucket.name)"] = [
                "public": String(bucket.isPublic), "block public access": bucket.publicAccessBlock?.summary ?? "none",
                "policy statements": String(
                    bucket.policy.flatMap { try? JSONParser().parse(Array($0.utf8)) }.map {
                        PolicyDocument.statements($0).count
                    } ?? 0
                ),
            ]
        }
        if let block = state.accountPublicAccessBlock {
            facts["account \(state.accountID)"] = ["block public access": block.summary]
        }
        for group in state.autoScalingGroups.values {
            facts["auto scaling group \(group.name)"] = [
                "instances": group.instances.keys.sorted().joined(separator: ",")
            ]
        }
        for group in state.targetGroups.values {
            facts["target group \(group.arn.split(separator: "/").dropFirst().first ?? "")"] = [
                "targets": group.targets.map(\.id).sorted().joined(separator: ",")
            ]
        }
        for trail in state.trails.values { facts["trail \(trail.name)"] = ["logging": String(trail.isLogging)] }
        for finding in state.guardDutyFindings.values {
            facts["GuardDuty finding \(finding.id)"] = ["archived": asReported ? "false" : String(finding.archived)]
        }
        for finding in state.securityHubFindings.values {
            facts["Security Hub finding \(finding.id)"] = [
                "workflow": asReported ? finding.reportedStatus : finding.workflowStatus
            ]
        }
        return facts
    }
}
