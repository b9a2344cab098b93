import RemedyCore

/// A run's journal records as a responder follows them on a terminal: one line per fact, as it happens.
enum RunProgress {
    /// The line for `record`, or nil for records that say nothing new to a reader.
    static func line(for record: JournalRecord) -> String? {
        let payload = record.payload
        if record.kind == RunEventKind.runCreated.rawValue {
            return "run \(record.runID ?? "?")  playbook \(payload["playbook"]?.stringValue ?? "?")  "
                + "\(payload["mode"]?.stringValue ?? "?")  finding \(payload["findingId"]?.stringValue ?? "?")"
        }
        let step = payload["step"]?.stringValue ?? payload["gate"]?.stringValue ?? ""
        let time = record.recordedAt.dropFirst(11).prefix(8)
        let text: String? =
            switch RunEventKind(rawValue: record.kind) {
            case .stepStarted?:
                "\(step)  started  \(payload["action"]?.stringValue ?? "")"
                    + (attempt(payload).map { "  (attempt \($0))" } ?? "")
            case .stepSucceeded?:
                "\(step)  succeeded" + outputs(payload) + requestIDs(payload)
            case .stepFailed?:
                "\(step)  failed  \(payload["code"]?.stringValue ?? ""): \(payload["message"]?.stringValue ?? "")"
            case .stepSkipped?:
                "\(step)  skipped  \(payload["verdict"]?.stringValue ?? payload["reason"]?.stringValue ?? "")"
            case .stepProbed?:
                "\(step)  probed after a crash: \(payload["result"]?.stringValue == "done" ? "already done" : "not done")"
            case .approvalRequested?:
                "\(step)  waiting for \(payload["minApprovals"]?.doubleValue.map { Int($0) } ?? 1) approval(s) "
                    + "until \(payload["expiresAt"]?.stringValue ?? "?")"
            case .approvalGranted?, .approvalDenied?:
                "\(step)  \(record.kind == RunEventKind.approvalGranted.rawValue ? "approved" : "denied") by "
                    + "\(payload["principal"]?.stringValue ?? "?")"
                    + (payload["campaignRun"]?.stringValue.map { " (campaign approval on \($0))" } ?? "")
                    + (payload["comment"]?.stringValue.map { ": \($0)" } ?? "")
            case .approvalRefused?:
                "\(step)  refused a decision by \(payload["principal"]?.stringValue ?? "?")"
            case .approvalExpired?:
                "\(step)  expired: the gate failed closed"
            case .runSucceeded?: "run succeeded"
            case .runFailed?: "run failed: \(payload["reason"]?.stringValue ?? "")"
            case .runRetried?: "\(step)  retried by \(payload["requestedBy"]?.stringValue ?? "?")"
            case .runContainmentChecked?:
                payload["contained"]?.boolValue == true
                    ? "case \(payload["case"]?.stringValue ?? "?"): run \(payload["run"]?.stringValue ?? "?")'s "
                        + "containment still holds; nothing more to do"
                    : "case \(payload["case"]?.stringValue ?? "?"): \(payload["reason"]?.stringValue ?? ""); acting"
            case .undoStarted?, .undoSucceeded?, .undoFailed?:
                "\(step.isEmpty ? "run" : step)  \(record.kind)"
            case .runLimitsChecked?:
                payload["over"]?.stringValue.map { "over the playbook's limits: \($0); waiting for approval" }
            case .runCreated?, .runParked?, .runResumed?, .stepPriorStateCaptured?, nil: nil
            }
        return text.map { "  \(time)  \($0)" }
    }

    private static func attempt(_ payload: JSONValue) -> Int? {
        guard let attempt = payload["attempt"]?.doubleValue, attempt > 1 else { return nil }
        return Int(attempt)
    }

    private static func outputs(_ payload: JSONValue) -> String {
        guard let outputs = payload["outputs"], outputs != [:] else { return "" }
        return "  \(outputs.jsonText())"
    }

    private static func requestIDs(_ payload: JSONValue) -> String {
        let ids = payload["requestIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return ids.isEmpty ? "" : "  [request \(ids.joined(separator: ", "))]"
    }
}
