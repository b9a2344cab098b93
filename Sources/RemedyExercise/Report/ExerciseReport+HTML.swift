import Foundation
import RemedyAWS

extension ExerciseReport {
    /// The report as one self-contained HTML page, with no script and no external resource.
    ///
    /// The summary, a timeline remedy draws as SVG (findings, steps and approval waits on a virtual time axis), and
    /// the report's tables.
    public var html: String {
        var body = ""
        body += "<h1>Exercise \(escape(scenario))</h1>"
        if !description.isEmpty { body += "<p class=\"lead\">\(escape(description))</p>" }
        let verdict =
            passed
            ? "<span class=\"badge pass\">all \(expectations.count) expectations passed</span>"
            : "<span class=\"badge fail\">\(expectations.filter { !$0.passed }.count) of \(expectations.count) expectations failed</span>"
        body +=
            "<p>\(verdict) Virtual start \(escape(ISO8601DateFormatter().string(from: start))), last event at "
            + "\(end.offsetText). \(findings.count) findings, \(findings.flatMap(\.runs).count) runs, \(totalCalls) calls on "
            + "the simulated account (\(refusedCalls) refused).</p>"

        body += "<h2>Expectations</h2><ul class=\"expectations\">"
        for result in expectations {
            body +=
                "<li><span class=\"badge \(result.passed ? "pass" : "fail")\">\(result.passed ? "PASS" : "FAIL")</span> "
                + "<code>\(escape(result.text))</code> \(escape(result.detail))</li>"
        }
        body += "</ul>"

        body += "<h2>Timeline</h2>" + timelineSVG()

        body += "<h2>Findings</h2><table><tr><th>injected</th><th>finding</th><th>type</th><th>resource</th>"
        body += "<th>playbook runs</th></tr>"
        for finding in findings {
            var runs = finding.runs.map { run in
                "\(escape(run.playbook)) <span class=\"status \(run.status)\">\(escape(run.status))</span>"
                    + (run.timeToContainment.map { " contained in \($0.lengthText)" } ?? "")
            }
            runs += finding.refusals.map { "refused: \(escape($0))" }
            if let rejection = finding.rejection { runs.append("rejected: \(escape(rejection))") }
            if runs.isEmpty { runs = ["<span class=\"status failed\">no playbook matches (coverage gap)</span>"] }
            body +=
                "<tr><td>\(finding.injectedAt.offsetText)</td><td><code>\(escape(finding.id))</code></td>"
                + "<td>\(escape(finding.types.first ?? "-"))</td><td>\(escape(finding.resource))</td>"
                + "<td>\(runs.joined(separator: "<br>"))</td></tr>"
        }
        body += "</table>"

        body += "<h2>Runs</h2>"
        for run in findings.flatMap(\.runs).sorted(by: { $0.runID < $1.runID }) {
            body +=
                "<details><summary><code>\(escape(run.runID))</code> \(escape(run.playbook)) "
                + "<span class=\"status \(run.status)\">\(escape(run.status))</span>"
                + (run.failure.map { " \(escape($0))" } ?? "") + "</summary>"
            body += "<table><tr><th>at</th><th>step</th><th>action</th><th>status</th><th>calls</th></tr>"
            for step in run.steps {
                var calls = step.calls.map { call in
                    escape("\(call.service) \(call.operation) \(call.target)")
                        + (call.errorCode.map { " <span class=\"status failed\">\(escape($0))</span>" } ?? "")
                }
                if let approval = run.approvals.last(where: { $0.gate == step.id }) {
                    let waited = approval.decidedAt.map { ($0 - approval.requestedAt).lengthText } ?? "still waiting"
                    calls = ["approval \(escape(approval.outcome)) after \(waited)"]
                }
                if let detail = step.detail, step.status != "succeeded" { calls.append(escape(detail)) }
                body +=
                    "<tr><td>\(step.startedAt?.offsetText ?? "-")</td><td>\(escape(step.id))</td>"
                    + "<td>\(escape(step.action ?? "approval"))</td>"
                    + "<td><span class=\"status \(step.status)\">\(escape(step.status))</span></td>"
                    + "<td>\(calls.joined(separator: "<br>"))</td></tr>"
            }
            body += "</table></details>"
        }

        body += "<h2>Account changes</h2>"
        if stateChanges.isEmpty {
            body += "<p>none</p>"
        } else {
            body += "<table><tr><th>resource</th><th>attribute</th><th>before</th><th>after</th></tr>"
            for change in stateChanges {
                body +=
                    "<tr><td>\(escape(change.resource))</td><td>\(escape(change.attribute))</td>"
                    + "<td>\(escape(change.before ?? "(none)"))</td><td>\(escape(change.after ?? "(gone)"))</td></tr>"
            }
            body += "</table>"
        }

        body += "<h2>Coverage gaps and failed steps</h2><ul>"
        let gaps = unmatchedFindings
        let failed = failedSteps
        if gaps.isEmpty && failed.isEmpty { body += "<li>none</li>" }
        for gap in gaps {
            body +=
                "<li>no playbook for <code>\(escape(gap.id))</code> \(escape(gap.types.joined(separator: ", ")))</li>"
        }
        for (run, step) in failed {
            body += "<li>\(escape(run.runID)) step \(escape(step.id)) failed: \(escape(step.detail ?? ""))</li>"
        }
        body += "</ul>"
        if !notifications.isEmpty {
            body += "<h2>Notifications (recorded, not sent)</h2><ul>"
            for note in notifications {
                body += "<li>\(escape(note.channel)) \(escape(note.destination)): \(escape(note.message))</li>"
            }
            body += "</ul>"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>remedy exercise: \(escape(scenario))</title>
            <style>
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d232a}
            h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
            table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
            th{background:#f3f5f7}code{font:12px ui-monospace,monospace}.lead{color:#57606a}
            .badge{display:inline-block;padding:1px 7px;border-radius:9px;font-weight:600;font-size:12px;color:#fff}
            .pass{background:#1a7f37}.fail{background:#cf222e}
            .status{font-weight:600}.succeeded,.approved{color:#1a7f37}.failed,.denied,.expired{color:#cf222e}
            .skipped{color:#6e7781}.parked,.awaiting-approval{color:#9a6700}
            details{margin:.3rem 0}summary{cursor:pointer}ul.expectations{list-style:none;padding-left:0}
            svg text{font:11px system-ui,sans-serif}
            </style></head><body>
            \(body)
            </body></html>

            """
    }

    /// The timeline: one row per run, the finding's arrival, each step and each approval wait on a shared axis.
    func timelineSVG() -> String {
        let runs = findings.flatMap { finding in finding.runs.map { (finding, $0) } }
        let unmatched = findings.filter(\.runs.isEmpty)
        let rowHeight = 18.0
        let labelWidth = 370.0
        let plotWidth = 840.0
        let top = 28.0
        let rows = runs.count + unmatched.count
        let height = top + Double(max(rows, 1)) * rowHeight + 40
        let span = max(end.seconds, 1)
        func x(_ offset: Duration) -> Double { labelWidth + plotWidth * min(offset.seconds / span, 1) }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"exercise timeline\" width=\"\(Int(labelWidth + plotWidth + 20))\" "
            + "height=\"\(Int(height))\" viewBox=\"0 0 \(Int(labelWidth + plotWidth + 20)) \(Int(height))\">"
        svg +=
            "<defs><pattern id=\"wait\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        svg +=
            "<rect width=\"6\" height=\"6\" fill=\"#fff8c5\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d4a72c\" stroke-width=\"3\"/></pattern></defs>"
        // Axis with ticks at a round interval.
        let intervals: [Double] = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400]
        let interval = intervals.first { span / $0 <= 10 } ?? 86400
        var tick = 0.0
        let axisY = height - 26
        svg +=
            "<line x1=\"\(labelWidth)\" y1=\"\(axisY)\" x2=\"\(labelWidth + plotWidth)\" y2=\"\(axisY)\" stroke=\"#57606a\"/>"
        while tick <= span + 0.001 {
            let position = labelWidth + plotWidth * tick / span
            svg +=
                "<line x1=\"\(position)\" y1=\"\(top - 6)\" x2=\"\(position)\" y2=\"\(axisY + 4)\" stroke=\"#d0d7de\"/>"
            svg +=
                "<text x=\"\(position)\" y=\"\(axisY + 16)\" text-anchor=\"middle\" fill=\"#57606a\">"
                + "\(Duration.milliseconds(Int64(tick * 1000)).offsetText)</text>"
            tick += interval
        }
        svg +=
            "<text x=\"4\" y=\"14\" fill=\"#57606a\">virtual time →   ◆ finding   ▮ step (green ok, red failed, grey skipped)   ▨ approval wait   ✓ contained</text>"
        var row = 0
        for (finding, run) in runs {
            let y = top + Double(row) * rowHeight
            let resource = finding.resource.split(separator: " ").last.map(String.init) ?? finding.resource
            let label = "\(run.runID.replacingOccurrences(of: "run-exercise-", with: "#")) \(run.playbook) \(resource)"
            svg +=
                "<text x=\"4\" y=\"\(y + 12)\"><title>\(escape("\(finding.id): \(label)"))</title>"
                + "\(escape(String(label.prefix(58))))</text>"
            svg +=
                "<line x1=\"\(labelWidth)\" y1=\"\(y + 9)\" x2=\"\(labelWidth + plotWidth)\" y2=\"\(y + 9)\" stroke=\"#eaeef2\"/>"
            let arrival = x(finding.injectedAt)
            svg +=
                "<path d=\"M\(arrival) \(y + 3) l6 6 l-6 6 l-6 -6 z\" fill=\"#0969da\" opacity=\"0.8\">"
                + "<title>\(escape("\(finding.id) at \(finding.injectedAt.offsetText)"))</title></path>"
            for approval in run.approvals {
                let from = x(approval.requestedAt)
                let to = x(approval.decidedAt ?? end)
                let color =
                    approval.outcome.hasPrefix("granted")
                    ? "#d4a72c" : (approval.outcome == "waiting" ? "#9a6700" : "#cf222e")
                svg +=
                    "<rect x=\"\(from)\" y=\"\(y + 3)\" width=\"\(max(to - from, 2))\" height=\"12\" fill=\"url(#wait)\" stroke=\"\(color)\">"
                    + "<title>\(escape("\(approval.gate): \(approval.outcome) (\(approval.requestedAt.offsetText) to \((approval.decidedAt ?? end).offsetText))"))</title></rect>"
            }
            // Steps in virtual time often take no time at all: each is drawn at least 4 px wide, side by side when
            // they share an instant, so every step stays visible.
            var lastRight = -Double.infinity
            for step in run.steps where step.action != nil {
                guard let started = step.startedAt else { continue }
                let from = max(x(started), lastRight + 1)
                let width = max(x(step.endedAt ?? started) - x(started), 4)
                lastRight = from + width
                let color = step.status == "succeeded" ? "#1a7f37" : (step.status == "failed" ? "#cf222e" : "#8c959f")
                svg +=
                    "<rect x=\"\(from)\" y=\"\(y + 4)\" width=\"\(width)\" height=\"10\" fill=\"\(color)\">"
                    + "<title>\(escape("\(step.id) (\(step.action ?? "")) \(step.status) at \(started.offsetText)"))</title></rect>"
            }
            let mark: (text: String, color: String)? =
                run.timeToContainment.map { ("✓ \($0.lengthText)", "#1a7f37") }
                ?? (run.status == "failed" ? ("✗ failed", "#cf222e") : nil)
            if let mark {
                let position = max(lastRight, x(run.endedAt))
                let nearEnd = position > labelWidth + plotWidth - 70
                svg +=
                    "<text x=\"\(nearEnd ? position - 4 : position + 5)\" y=\"\(y + 13)\" fill=\"\(mark.color)\" "
                    + "text-anchor=\"\(nearEnd ? "end" : "start")\" font-weight=\"600\">\(mark.text)</text>"
            }
            row += 1
        }
        for finding in unmatched {
            let y = top + Double(row) * rowHeight
            svg +=
                "<text x=\"4\" y=\"\(y + 12)\" fill=\"#cf222e\">\(escape(String("no playbook: \(finding.types.first ?? finding.id)".prefix(58))))</text>"
            let arrival = x(finding.injectedAt)
            svg +=
                "<path d=\"M\(arrival) \(y + 3) l6 6 l-6 6 l-6 -6 z\" fill=\"#cf222e\"><title>\(escape(finding.id))</title></path>"
            row += 1
        }
        return svg + "</svg>"
    }

    private func escape(_ text: String) -> String { XMLText.escape(text) }
}
