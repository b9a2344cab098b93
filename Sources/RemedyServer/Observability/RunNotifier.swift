import Logging
import RemedyActions
import RemedyCore
import RemedyExecutor
import ServiceLifecycle

/// Tells people in Slack when a run waits at a gate and when it ends.
///
/// The executor's observer hands records over without waiting; posting happens here, off the run's path, so a
/// slow or failing Slack never holds up remediation. A failed post is logged with the run id, not retried.
struct RunNotifier: Service {
    enum Notice: Sendable {
        case gate(runID: String)
        case outcome(runID: String)
    }

    let notices: AsyncStream<Notice>
    let journal: any RunJournal
    let slack: SlackWebhooks
    let gateChannel: String?
    let outcomeChannel: String?
    let publicURL: String?
    let logger: Logger

    func run() async throws {
        // Notices still queued at shutdown are dropped: they describe runs the journal keeps anyway.
        for await notice in notices.cancelOnGracefulShutdown() {
            let (runID, channel) =
                switch notice {
                case .gate(let runID): (runID, gateChannel)
                case .outcome(let runID): (runID, outcomeChannel)
                }
            guard let channel else { continue }
            var logger = logger
            logger[metadataKey: "run.id"] = .string(runID)
            do {
                let state = try RunState(records: try await journal.records(ofRun: runID))
                let text =
                    if case .gate = notice { gateText(state) } else { outcomeText(state) }
                try await slack.post(text: text, to: channel)
            } catch {
                logger.warning(
                    "notification not sent",
                    metadata: ["slack.channel": .string(channel), "error.message": "\(error)"]
                )
            }
        }
    }

    func gateText(_ state: RunState) -> String {
        let definition = state.definition
        let report = RunReport(state)
        var lines = [
            "remedy: run \(definition.runID) (playbook \(definition.playbook)) waits for approval"
                + (report.waitingAt.map { " at gate \($0)" } ?? ""),
            "finding \(definition.findingID) on \(definition.resource), account \(definition.account) "
                + definition.region,
        ]
        if let gate = report.waitingGate {
            if let message = gate.message { lines.append(message) }
            lines.append(
                "approvers: \(gate.principals.joined(separator: ", ")); \(gate.minimumApprovals) needed; "
                    + "expires \(gate.expiresAt) (the run then fails closed)"
            )
        }
        if let publicURL {
            lines.append("decide: POST \(publicURL)/v1/runs/\(definition.runID)/approvals with your approver token")
            lines.append("details: \(publicURL)/v1/runs/\(definition.runID)")
        }
        lines.append("or: remedy approve \(definition.runID)" + (report.waitingAt.map { " --step \($0)" } ?? ""))
        return lines.joined(separator: "\n")
    }

    func outcomeText(_ state: RunState) -> String {
        let definition = state.definition
        var text = "remedy: run \(definition.runID) (playbook \(definition.playbook)) \(state.status.rawValue)"
        text += " for finding \(definition.findingID) on \(definition.resource)"
        if let reason = state.failureReason { text += ": \(reason)" }
        if let publicURL { text += "\n\(publicURL)/v1/runs/\(definition.runID)" }
        return text
    }
}
