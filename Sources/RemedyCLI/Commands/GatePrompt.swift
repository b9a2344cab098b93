import ArgumentParser
import Foundation
import RemedyCore
import RemedyExecutor

/// What `remedy run` does at an approval gate on a terminal: say who must decide, then wait here, deny, or park.
///
/// The person at the terminal started the run and so cannot approve it; approvers decide with `remedy approve` (or
/// over HTTP) from their own identity, and this terminal follows the run as it moves on in whichever process that is.
struct GatePrompt {
    var engine: EngineOptions.CommandEngine
    /// Reads the responder's answer; nil at end of input.
    var readAnswer: () -> String? = { readLine() }
    var pollInterval: Duration = .seconds(1)

    /// Handles every gate the run parks at until it completes, the responder parks it, or input ends.
    func follow(_ start: RunReport) async throws -> RunReport {
        var report = start
        while report.status == .parked, let gate = report.waitingAt, let progress = report.waitingGate {
            explain(report, gate: gate, progress)
            let canDeny = progress.admits(engine.caller)
            let choices =
                canDeny ? "[w]ait here, [d]eny and stop the run, or [p]ark and exit" : "[w]ait here or [p]ark and exit"
            FileHandle.standardOutput.write(Data("\(choices)? [p] ".utf8))
            switch readAnswer()?.trimmingCharacters(in: .whitespaces).lowercased() {
            case "w", "wait":
                report = try await waitForDecision(report)
            case "d",
                "deny" where canDeny:
                report = try await engine.executor.decide(
                    runID: report.runID,
                    gate: gate,
                    principal: engine.caller,
                    decision: .deny,
                    comment: "denied by the initiator at the terminal",
                    channel: "cli (terminal)"
                )
            default:
                return report
            }
        }
        return report
    }

    private func explain(_ report: RunReport, gate: String, _ progress: GateProgress) {
        var lines = [
            "run \(report.runID) waits at approval gate '\(gate)': \(progress.minimumApprovals) approval(s) needed "
                + "before \(progress.expiresAt) (then it fails closed)"
        ]
        if let message = progress.message { lines.append("  \(message)") }
        lines.append("  approvers: \(progress.principals.joined(separator: ", "))")
        if !progress.approvals.isEmpty {
            lines.append("  approved so far by: \(progress.approvals.map(\.principal).joined(separator: ", "))")
        }
        lines.append("  an approver runs: remedy approve \(report.runID) --step \(gate)")
        lines.append("  you started this run, so you cannot approve it yourself")
        Terminal.standardOutput.write(lines.joined(separator: "\n"))
    }

    /// Follows the journal until the run leaves the gate: decided in another process, or expired here.
    private func waitForDecision(_ parked: RunReport) async throws -> RunReport {
        Terminal.standardOutput.write("waiting; Ctrl-C leaves the run parked")
        var seen = try await engine.journal.records(ofRun: parked.runID).last?.sequence ?? 0
        while true {
            try await Task.sleep(for: pollInterval)
            for record in try await engine.journal.records(ofRun: parked.runID) where record.sequence > seen {
                seen = record.sequence
                if let line = RunProgress.line(for: record) { Terminal.standardOutput.write(line) }
            }
            let report = try await engine.executor.report(runID: parked.runID)
            switch report.status {
            case .parked where report.waitingAt != parked.waitingAt:
                return report
            case .parked:
                // Expired, or decided by a process that stopped before moving the run on: this one moves it.
                guard let gate = report.waitingGate, gate.isQuorumMet || gate.hasExpired(at: Date()) else { continue }
                do {
                    return try await engine.executor.resume(runID: parked.runID)
                } catch let error as RunError where error == .runBusy {
                    continue
                }
            case .pending, .running, .undoing:
                continue
            case .succeeded, .failed, .undone, .undoFailed:
                return report
            }
        }
    }
}
