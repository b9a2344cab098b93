import Foundation
import RemedyCore

extension ExerciseReport {
    /// The report for a terminal or a Markdown file.
    ///
    /// Markdown uses headings and tables; text is the same content laid out for a terminal.
    public func text(markdown: Bool = false) -> String {
        var lines: [String] = []
        func heading(_ text: String, level: Int = 2) {
            if markdown {
                if !lines.isEmpty { lines.append("") }
                lines.append(String(repeating: "#", count: level) + " " + text)
                lines.append("")
            } else {
                if !lines.isEmpty { lines.append("") }
                lines.append(level == 1 ? text.uppercased() : text)
            }
        }
        let bullet = markdown ? "- " : "  "
        let subBullet = markdown ? "  - " : "      "
        let code = { (text: String) in markdown ? "`\(text)`" : text }

        heading("Exercise \(scenario)", level: 1)
        if !description.isEmpty { lines.append(description) }
        let timeFormatter = ISO8601DateFormatter()
        lines.append(
            "\(markdown ? "" : "")Virtual start \(timeFormatter.string(from: start)); last event at \(end.offsetText); "
                + "\(findings.count) finding(s), \(findings.flatMap(\.runs).count) run(s), \(totalCalls) call(s) on the "
                + "simulated account (\(refusedCalls) refused)."
        )
        lines.append(
            passed
                ? "Result: every expectation passed (\(expectations.count))."
                : "Result: \(expectations.filter { !$0.passed }.count) of \(expectations.count) expectation(s) FAILED."
        )

        heading("Expectations")
        for result in expectations {
            let mark = result.passed ? "PASS" : "FAIL"
            lines.append("\(bullet)\(markdown ? "**\(mark)**" : mark)  \(result.text): \(result.detail)")
        }

        heading("Findings")
        for finding in findings {
            let types = finding.types.first ?? "-"
            lines.append(
                "\(bullet)\(finding.injectedAt.offsetText)  \(code(finding.id))  \(types)  \(finding.resource)  "
                    + "(\(finding.origin))"
            )
            if let rejection = finding.rejection { lines.append("\(subBullet)rejected: \(rejection)") }
            for refusal in finding.refusals { lines.append("\(subBullet)refused by playbook \(refusal)") }
            if finding.runs.isEmpty, finding.rejection == nil, finding.refusals.isEmpty {
                lines.append("\(subBullet)NO PLAYBOOK MATCHES: a coverage gap")
            }
            for run in finding.runs {
                let contained = run.timeToContainment.map { "contained in \($0.lengthText)" } ?? "not contained"
                lines.append(
                    "\(subBullet)playbook \(run.playbook): run \(run.runID) \(run.status), \(contained)"
                        + (run.failure.map { " (\($0))" } ?? "")
                )
            }
        }

        heading("Runs")
        for run in findings.flatMap(\.runs).sorted(by: { $0.runID < $1.runID }) {
            if markdown {
                lines.append("### \(run.runID): \(run.playbook), \(run.status)")
                lines.append("")
                lines.append("| at | step | action | status | calls on the simulated account |")
                lines.append("| --- | --- | --- | --- | --- |")
            } else {
                lines.append("  \(run.runID)  \(run.playbook)  \(run.status)")
            }
            for step in run.steps {
                let at = step.startedAt?.offsetText ?? "-"
                var calls = step.calls.map { call in
                    "\(call.service) \(call.operation)\(call.target.isEmpty ? "" : " \(call.target)")"
                        + (call.errorCode.map { " → \($0)" } ?? "")
                }
                if let approval = run.approvals.last(where: { $0.gate == step.id }) {
                    let waited = approval.decidedAt.map { ($0 - approval.requestedAt).lengthText } ?? "still waiting"
                    calls = ["approval \(approval.outcome) after \(waited)"]
                }
                if let detail = step.detail, step.status != "succeeded" { calls.append(detail) }
                if markdown {
                    let cell = calls.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: "<br>")
                    lines.append("| \(at) | \(step.id) | \(step.action ?? "approval") | \(step.status) | \(cell) |")
                } else {
                    lines.append("    \(at)  \(step.id)  \(step.action ?? "approval")  \(step.status)")
                    for call in calls { lines.append("        \(call)") }
                }
            }
            if markdown { lines.append("") }
        }

        heading("Account changes")
        if stateChanges.isEmpty { lines.append("\(bullet)none") }
        if markdown && !stateChanges.isEmpty {
            lines.append("| resource | attribute | before | after |")
            lines.append("| --- | --- | --- | --- |")
        }
        for change in stateChanges {
            let before = change.before ?? "(none)"
            let after = change.after ?? "(gone)"
            if markdown {
                lines.append("| \(change.resource) | \(change.attribute) | \(before) | \(after) |")
            } else {
                lines.append("  \(change.resource)  \(change.attribute): \(before) → \(after)")
            }
        }

        let gaps = unmatchedFindings
        heading("Coverage gaps")
        if gaps.isEmpty { lines.append("\(bullet)none: every finding matched a playbook") }
        for gap in gaps {
            lines.append("\(bullet)\(code(gap.id)) \(gap.types.joined(separator: ", ")) \(gap.resource)")
        }

        heading("Failed steps")
        let failed = failedSteps
        if failed.isEmpty { lines.append("\(bullet)none") }
        for (run, step) in failed {
            lines.append("\(bullet)\(run.runID) \(step.id) (\(step.action ?? "-")): \(step.detail ?? "")")
        }

        if !notifications.isEmpty {
            heading("Notifications (recorded, not sent)")
            for note in notifications {
                lines.append("\(bullet)\(note.channel) \(note.destination): \(note.message)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report as JSON, for tools.
    public var json: JSONValue {
        func offset(_ duration: Duration?) -> JSONValue { duration.map { .number($0.seconds) } ?? .null }
        return [
            "scenario": .string(scenario),
            "start": .string(ISO8601DateFormatter().string(from: start)),
            "endSeconds": offset(end),
            "passed": .bool(passed),
            "calls": .number(Double(totalCalls)),
            "refusedCalls": .number(Double(refusedCalls)),
            "expectations": .array(
                expectations.map {
                    [
                        "text": .string($0.text), "passed": .bool($0.passed), "detail": .string($0.detail),
                        "location": .string($0.location.description),
                    ]
                }
            ),
            "findings": .array(
                findings.map { finding in
                    [
                        "id": .string(finding.id), "types": .array(finding.types.map(JSONValue.string)),
                        "source": .string(finding.source), "resource": .string(finding.resource),
                        "injectedAtSeconds": offset(finding.injectedAt), "origin": .string(finding.origin),
                        "matched": .bool(!finding.runs.isEmpty),
                        "refusals": .array(finding.refusals.map(JSONValue.string)),
                        "rejection": finding.rejection.map(JSONValue.string) ?? .null,
                        "runs": .array(
                            finding.runs.map { run in
                                [
                                    "runId": .string(run.runID), "playbook": .string(run.playbook),
                                    "status": .string(run.status), "startedAtSeconds": offset(run.startedAt),
                                    "endedAtSeconds": offset(run.endedAt),
                                    "timeToContainmentSeconds": offset(run.timeToContainment),
                                    "failure": run.failure.map(JSONValue.string) ?? .null,
                                    "approvals": .array(
                                        run.approvals.map {
                                            [
                                                "gate": .string($0.gate), "requestedAtSeconds": offset($0.requestedAt),
                                                "decidedAtSeconds": offset($0.decidedAt),
                                                "outcome": .string($0.outcome),
                                            ]
                                        }
                                    ),
                                    "steps": .array(
                                        run.steps.map { step in
                                            [
                                                "id": .string(step.id),
                                                "action": step.action.map(JSONValue.string) ?? .null,
                                                "status": .string(step.status),
                                                "startedAtSeconds": offset(step.startedAt),
                                                "endedAtSeconds": offset(step.endedAt),
                                                "detail": step.detail.map(JSONValue.string) ?? .null,
                                                "calls": .array(
                                                    step.calls.map { call in
                                                        [
                                                            "service": .string(call.service),
                                                            "operation": .string(call.operation),
                                                            "target": .string(call.target),
                                                            "atSeconds": .number(call.at.timeIntervalSince(start)),
                                                            "error": call.errorCode.map(JSONValue.string) ?? .null,
                                                        ]
                                                    }
                                                ),
                                            ]
                                        }
                                    ),
                                ]
                            }
                        ),
                    ]
                }
            ),
            "stateChanges": .array(
                stateChanges.map {
                    [
                        "resource": .string($0.resource), "attribute": .string($0.attribute),
                        "before": $0.before.map(JSONValue.string) ?? .null,
                        "after": $0.after.map(JSONValue.string) ?? .null,
                    ]
                }
            ),
            "notifications": .array(
                notifications.map {
                    [
                        "atSeconds": .number($0.at.timeIntervalSince(start)), "channel": .string($0.channel),
                        "destination": .string($0.destination), "message": .string($0.message),
                    ]
                }
            ),
        ]
    }
}
