import Foundation
import RemedyCore

/// What an exercise showed: per finding the playbooks and runs, each step with its calls on the simulated account,
/// approvals and waits, time to containment, the account's changes, coverage gaps, failed steps and expectations.
///
/// Every time is virtual: `at` values are offsets from the exercise's start.
public struct ExerciseReport: Sendable {
    public var scenario: String
    public var description: String
    public var start: Date
    /// When the last event was handled.
    public var end: Duration
    public var findings: [FindingEntry]
    public var stateChanges: [StateChange]
    public var notifications: [SimulatedAccount.Notification]
    public var expectations: [ExpectationResult]
    /// Calls the account refused, over all runs.
    public var refusedCalls: Int
    public var totalCalls: Int

    public var passed: Bool { expectations.allSatisfy(\.passed) }
    public var failedSteps: [(run: RunEntry, step: StepEntry)] {
        findings.flatMap { finding in
            finding.runs.flatMap { run in run.steps.filter { $0.status == "failed" }.map { (run, $0) } }
        }
    }
    public var unmatchedFindings: [FindingEntry] { findings.filter { $0.runs.isEmpty && $0.refusals.isEmpty } }

    public struct FindingEntry: Sendable {
        /// The normalised finding's id, or the origin when it could not be read.
        public var id: String
        public var types: [String]
        public var source: String
        public var resource: String
        /// The identifiers the finding names (resource ids and ARNs, user names), for "within" expectations.
        public var mentions: [String]
        public var injectedAt: Duration
        public var origin: String
        public var runs: [RunEntry]
        /// Playbooks that matched but refused the finding's values.
        public var refusals: [String]
        /// Why the finding could not be read at all.
        public var rejection: String?
    }

    public struct RunEntry: Sendable {
        public var runID: String
        public var playbook: String
        public var status: String
        public var startedAt: Duration
        public var endedAt: Duration
        /// From the finding's injection to the run's success; nil when it did not succeed.
        public var timeToContainment: Duration?
        public var steps: [StepEntry]
        public var approvals: [ApprovalEntry]
        public var failure: String?
    }

    public struct StepEntry: Sendable {
        public var id: String
        public var action: String?
        /// `succeeded`, `failed`, `skipped`, `pending`, `approval`.
        public var status: String
        public var startedAt: Duration?
        public var endedAt: Duration?
        public var calls: [SimulatedAccount.Call]
        public var detail: String?
    }

    public struct ApprovalEntry: Sendable {
        public var gate: String
        public var requestedAt: Duration
        public var decidedAt: Duration?
        /// `granted by alice`, `denied by bob`, `expired`, `waiting`.
        public var outcome: String
        public var approvers: [String]
    }

    /// One difference between the account at the start and at the end.
    public struct StateChange: Sendable, Hashable {
        public var resource: String
        public var attribute: String
        public var before: String?
        public var after: String?
    }

    public struct ExpectationResult: Sendable {
        public var text: String
        public var location: SourceLocation
        public var passed: Bool
        public var detail: String
    }
}

extension Duration {
    /// `+1h02m03s`, `+45s`, `+0s`: an offset in the exercise.
    var offsetText: String {
        let total = Int(seconds.rounded(.down))
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        let fraction = seconds - Double(total)
        var text = "+"
        if hours > 0 { text += "\(hours)h" }
        if hours > 0 || minutes > 0 { text += hours > 0 ? String(format: "%02dm", minutes) : "\(minutes)m" }
        text += (hours > 0 || minutes > 0) ? String(format: "%02ds", secs) : "\(secs)s"
        if total < 60, fraction >= 0.001 { text = "+" + String(format: "%.1fs", seconds) }
        return text
    }

    /// `1h02m`, `5m00s`, `12.5s`: a length of time.
    var lengthText: String { String(offsetText.dropFirst()) }
}
