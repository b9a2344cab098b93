import RemedyCore

/// A run's journal records as a responder follows them on a terminal: one line per fact, as it happens.
enum RunProgress {
    /// The line for `record`, or nil for records that say nothing new to a reader.
    static func line(for record: JournalRecord) -> String? {
        let time = record.recordedAt.dropFirst(11).prefix(8)
        guard let event = try? RunEvent(record) else {
            return "  \(time)  \(record.kind)  (not readable by this version of remedy)"
        }
        if case .runCreated(let run) = event {
            return "run \(run.runID)  playbook \(run.playbook)  \(run.mode.rawValue)  finding \(run.findingID)"
        }
        return text(for: event).map { "  \(time)  \($0)" }
    }

    private static func text(for event: RunEvent) -> String? {
        let step = event.step ?? ""
        return switch event {
        case .stepStarted(let started):
            "\(step)  started  \(started.action)" + (started.attempt > 1 ? "  (attempt \(started.attempt))" : "")
        case .stepSucceeded(let succeeded):
            "\(step)  succeeded" + outputs(succeeded.result) + requestIDs(succeeded.result)
        case .stepFailed(let failed):
            "\(step)  failed  \(failed.failure.code): \(failed.failure.message)"
        case .stepSkipped(let skipped):
            "\(step)  skipped  \(skipped.verdict ?? skipped.reason)"
        case .stepProbed(let probed):
            "\(step)  probed after a crash: \(probed.outcome.isDone ? "already done" : "not done")"
        case .approvalRequested(let requested):
            "\(step)  waiting for \(requested.minimumApprovals) approval(s) until \(requested.expiresAt)"
        case .approvalGranted(let decided), .approvalDenied(let decided):
            "\(step)  \(event.kind == .approvalGranted ? "approved" : "denied") by \(decided.principal)"
                + (decided.campaignRun.map { " (campaign approval on \($0))" } ?? "")
                + (decided.comment.map { ": \($0)" } ?? "")
        case .approvalRefused(let refused):
            "\(step)  refused a decision by \(refused.decision.principal)"
        case .approvalExpired:
            "\(step)  expired: the gate failed closed"
        case .runSucceeded: "run succeeded"
        case .runFailed(let failed): "run failed: \(failed.reason ?? "")"
        case .runRetried(let retried): "\(step)  retried by \(retried.requestedBy ?? "?")"
        case .runContainmentChecked(let check):
            switch check.outcome {
            case .contained:
                "case \(check.caseID ?? "?"): run \(check.joinedRun)'s containment still holds; nothing more to do"
            case .notContained(let reason): "case \(check.caseID ?? "?"): \(reason); acting"
            }
        case .undoStarted, .undoSucceeded, .undoFailed:
            "\(step.isEmpty ? "run" : step)  \(event.kind.rawValue)"
        case .runLimitsChecked(let check):
            check.over.map { "over the playbook's limits: \($0); waiting for approval" }
        case .runCreated, .runParked, .runResumed, .stepPriorStateCaptured: nil
        }
    }

    private static func outputs(_ result: ActionResult) -> String {
        result.outputs.isEmpty ? "" : "  \(JSONValue.object(result.outputs).jsonText())"
    }

    private static func requestIDs(_ result: ActionResult) -> String {
        result.requestIDs.isEmpty ? "" : "  [request \(result.requestIDs.joined(separator: ", "))]"
    }
}
