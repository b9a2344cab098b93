import RemedyCore
import RemedyExecutor

/// The plans for a set of findings, as text for people and as JSON for tools (`docs/plan-json.md`).
struct PlanReport {
    struct Entry {
        var finding: Finding
        var outcomes: [Planner.Outcome]
    }

    var entries: [Entry]

    var hasRefusals: Bool {
        entries.contains { entry in
            entry.outcomes.contains {
                if case .refused = $0 { return true }
                return false
            }
        }
    }

    // MARK: JSON

    /// Version 1 of the plan document; fields are only ever added.
    var json: JSONValue {
        [
            "version": 1,
            "findings": .array(entries.map(\.json)),
        ]
    }

    // MARK: Text

    func text(catalog: ActionCatalog, explain: Bool) -> String {
        var lines: [String] = []
        for entry in entries {
            if !lines.isEmpty { lines.append("") }
            lines += entry.textLines(catalog: catalog, explain: explain)
        }
        return lines.joined(separator: "\n")
    }
}

extension PlanReport.Entry {
    var json: JSONValue {
        var matched: [JSONValue] = []
        var notMatched: [JSONValue] = []
        var refused: [JSONValue] = []
        for outcome in outcomes {
            switch outcome {
            case .planned(let plan): matched.append(plan.json)
            case .notMatched(let playbook, let reason):
                notMatched.append(["playbook": .string(playbook), "reason": .string(reason)])
            case .refused(let playbook, let reason):
                refused.append(["playbook": .string(playbook), "reason": .string(reason)])
            }
        }
        return [
            "finding": finding.summaryJSON,
            "matched": .array(matched),
            "notMatched": .array(notMatched),
            "refused": .array(refused),
        ]
    }

    func textLines(catalog: ActionCatalog, explain: Bool) -> [String] {
        let severity = "\(finding.severity.label.rawValue) (\(JSONValue.format(finding.severity.score)))"
        var lines = [
            "finding \(finding.id)",
            "  \(finding.source.rawValue) \(finding.controlID.map { "control \($0) " } ?? "")"
                + "\(finding.types.first ?? "") severity \(severity)",
            "  account \(finding.account) \(finding.region) (\(finding.partition.rawValue))",
        ]
        if finding.isSample {
            lines.append(
                "  SAMPLE finding (GuardDuty generated it to test a pipeline): plans and dry-runs, never acts live"
            )
        }
        for resource in finding.resources.prefix(3) {
            lines.append("  resource \(resource.type) \(resource.id)")
        }
        var unmatched: [(String, String)] = []
        for outcome in outcomes {
            switch outcome {
            case .planned(let plan):
                lines.append("")
                lines += plan.textLines(catalog: catalog)
            case .refused(let playbook, let reason):
                lines.append("")
                lines.append("playbook \(playbook): REFUSED for this finding, no step will run")
                lines.append("  \(reason)")
            case .notMatched(let playbook, let reason):
                unmatched.append((playbook, reason))
            }
        }
        let matchedCount = outcomes.count - unmatched.count
        if matchedCount == 0 {
            lines.append("")
            lines.append("no playbook matches this finding")
        }
        if explain {
            for (playbook, reason) in unmatched { lines.append("  not matched: \(playbook): \(reason)") }
        } else if !unmatched.isEmpty {
            lines.append("")
            lines.append(
                "\(unmatched.count) other playbook\(unmatched.count == 1 ? "" : "s") did not match (--explain)"
            )
        }
        return lines
    }
}

extension Finding {
    var summaryJSON: JSONValue {
        [
            "id": .string(id),
            "source": .string(source.rawValue),
            "types": .array(types.map(JSONValue.string)),
            "controlId": controlID.map(JSONValue.string) ?? .null,
            "severity": ["score": .number(severity.score), "label": .string(severity.label.rawValue)],
            "account": .string(account),
            "region": .string(region),
            "partition": .string(partition.rawValue),
            "updatedAt": .string(updatedAt),
            "updatedAtFrom": .string(updatedAtOrigin.rawValue),
            "sample": .bool(isSample),
            "resources": .array(
                resources.map { resource in
                    [
                        "type": .string(resource.type),
                        "id": .string(resource.id),
                        "arn": resource.arn.map(JSONValue.string) ?? .null,
                    ]
                }
            ),
        ]
    }
}

extension Plan {
    var json: JSONValue {
        [
            "playbook": .string(playbook),
            "file": playbookLocation.map { .string($0.file) } ?? .null,
            "targetRole": targetRole?.json ?? .null,
            "inputs": .object(inputs.mapValues(\.json)),
            "pendingChecks": .array(pendingChecks.map { .string($0.description) }),
            "steps": .array(steps.map(\.json)),
        ]
    }

    func textLines(catalog: ActionCatalog) -> [String] {
        var lines = ["playbook \(playbook)\(playbookLocation.map { " (\($0.file))" } ?? "")"]
        if let targetRole { lines.append("  role \(targetRole.text)") }
        for check in pendingChecks { lines.append("  check before acting: \(check)") }
        for (index, step) in steps.enumerated() {
            lines += step.textLines(number: index + 1, catalog: catalog)
        }
        return lines
    }
}

extension PlannedStep {
    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id),
            "gatedBy": .array(gatedBy.map(JSONValue.string)),
            "onFailure": .string(onFailure.rawValue),
        ]
        switch disposition {
        case .will: members["status"] = "will-run"
        case .decidedAtRunTime(let condition):
            members["status"] = "decided-at-run-time"
            members["condition"] = .string(condition)
        case .skipped(let reason):
            members["status"] = "skipped"
            members["reason"] = .string(reason)
        }
        switch kind {
        case .action(let name, let parameters, let isMutating, let isReversible, let permissions):
            members["type"] = "action"
            members["action"] = .string(name)
            members["parameters"] = .object(parameters.mapValues(\.json))
            members["mutating"] = .bool(isMutating)
            members["reversible"] = .bool(isReversible)
            members["permissions"] = .array(permissions.map(JSONValue.string))
        case .approval(let gate):
            members["type"] = "approval"
            members["approvers"] = .array(gate.approvers.map(JSONValue.string))
            members["minApprovals"] = .number(Double(gate.minimumApprovals))
            members["timeoutSeconds"] = .number(Double(gate.timeout.components.seconds))
            members["message"] = gate.message?.json ?? .null
            members["scope"] = gate.scope.campaignWindow == nil ? "run" : "campaign"
            members["campaignWindowSeconds"] = gate.scope.campaignWindow.map { .number($0.seconds) } ?? .null
        }
        return .object(members)
    }

    func textLines(number: Int, catalog: ActionCatalog) -> [String] {
        var header = "  \(number). \(id)"
        var details: [String] = []
        switch kind {
        case .action(let name, let parameters, _, _, _):
            var flags: [String] = []
            if let descriptor = catalog.action(named: name) {
                if descriptor.isMutating { flags.append("mutating") }
                if descriptor.isReversible { flags.append("reversible") }
                if descriptor.isDisruptive { flags.append("disruptive") }
            }
            header += "  \(name)" + (flags.isEmpty ? "" : "  [\(flags.joined(separator: ", "))]")
            for key in parameters.keys.sorted() {
                if let value = parameters[key] { details.append("       \(key) = \(value.text)") }
            }
        case .approval(let gate):
            header +=
                "  approval: \(gate.minimumApprovals) of \(gate.approvers.joined(separator: ", ")), "
                + "fails closed after \(DurationText.format(gate.timeout))"
            if let window = gate.scope.campaignWindow {
                header += ", campaign of \(DurationText.format(window))"
            }
            if let message = gate.message { details.append("       message = \(message.text)") }
        }
        if !gatedBy.isEmpty { header += "  after approval \(gatedBy.joined(separator: ", "))" }
        switch disposition {
        case .will: break
        case .decidedAtRunTime(let condition): header += "  (runs if \(condition), decided during the run)"
        case .skipped(let reason): header += "  SKIPPED: \(reason)"
        }
        if onFailure != .abort { header += "  on failure: \(onFailure.rawValue)" }
        return [header] + details
    }
}

extension PlanValue {
    var json: JSONValue {
        switch self {
        case .known(let value): ["value": value]
        case .deferred(let template, let path): ["deferred": .string(path), "template": template]
        }
    }

    var text: String {
        switch self {
        case .known(.string(let text)): text
        case .known(let value): value.jsonText()
        case .deferred(let template, let path):
            "\(template.jsonText()) (known during the run: \(path))"
        }
    }
}
