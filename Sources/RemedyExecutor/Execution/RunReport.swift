import RemedyCore

/// Where a run stands after the executor moved it as far as it could: per step, what happened.
///
/// For a dry-run this is the plan with a verdict per step.
public struct RunReport: Sendable, Hashable {
    public var runID: String
    public var playbook: String
    public var status: RunStatus
    public var mode: ExecutionMode
    public var steps: [StepReport]
    /// The gate the run is parked at.
    public var waitingAt: String?
    /// Who may decide at `waitingAt`, how many must, until when, and what they decided so far.
    public var waitingGate: GateProgress?
    public var failureReason: String?
    /// The case the run belongs to (live runs).
    public var caseID: String?
    /// The earlier run of the case whose containment still held: this run did nothing more.
    public var alreadyContainedBy: String?
    /// In the answer to a campaign approval: the other runs waiting at the gate that the decision approved too.
    public var alsoApproved: [String] = []

    public struct StepReport: Sendable, Hashable {
        public enum Status: String, Sendable, Hashable {
            case pending
            /// Started with no known result: a probe decides on resume.
            case inDoubt = "in-doubt"
            case succeeded
            case failed
            case skipped
            case awaitingApproval = "awaiting-approval"
            case approved
            case denied
            case expired
            case undone
            case undoFailed = "undo-failed"
        }

        public var id: String
        public var status: Status
        public var outputs: [String: JSONValue]
        /// In dry-run: what the permission check said; for a skipped step, why.
        public var verdict: String?
        public var failure: String?
    }

    public func step(_ id: String) -> StepReport? { steps.first { $0.id == id } }
}

extension RunReport {
    /// Where the run stands in `state`.
    public init(_ state: RunState) {
        let definition = state.definition
        var waitingAt: String?
        let steps = state.plannedSteps.map { step -> StepReport in
            let progress = state.progress(ofStep: step.id)
            var report = StepReport(id: step.id, status: .pending, outputs: [:], verdict: nil, failure: nil)
            if let skip = progress.skipped {
                report.status = .skipped
                report.verdict = skip.verdict ?? "skipped: \(skip.reason)"
                return report
            }
            if case .approval = step.kind, let gate = state.gates[step.id] {
                if let denial = gate.denial {
                    report.status = .denied
                    report.failure = "denied by \(denial.principal)"
                } else if gate.isQuorumMet {
                    report.status = .approved
                } else if gate.isExpired {
                    report.status = .expired
                } else {
                    report.status = .awaitingApproval
                    if state.status == .parked { waitingAt = step.id }
                }
                return report
            }
            if let failure = progress.failedBeforeCall {
                report.status = .failed
                report.failure = "\(failure.code): \(failure.message)"
                report.verdict = definition.mode == .dryRun ? "would fail: \(failure.code): \(failure.message)" : nil
            } else if let result = progress.result {
                report.status = .succeeded
                report.outputs = result.outputs
                report.verdict = result.dryRunVerdict ?? (definition.mode == .dryRun ? "would succeed" : nil)
            } else if let last = progress.attempts.last {
                switch last.outcome {
                case .failed(let failure)?:
                    report.status = failure.kind == .inDoubt && last.probe == nil ? .inDoubt : .failed
                    report.failure = "\(failure.code): \(failure.message)"
                    report.verdict =
                        definition.mode == .dryRun ? "would fail: \(failure.code): \(failure.message)" : nil
                case .succeeded?:
                    break
                case nil:
                    report.status = last.probe == nil ? .inDoubt : .pending
                }
            }
            switch progress.undo {
            case .succeeded?: report.status = .undone
            case .failed(let failure)?:
                report.status = .undoFailed
                report.failure = "undo: \(failure.code): \(failure.message)"
            case .started?, nil: break
            }
            return report
        }
        self.init(
            runID: definition.runID,
            playbook: definition.playbook,
            status: state.status,
            mode: definition.mode,
            steps: steps,
            waitingAt: waitingAt,
            waitingGate: waitingAt.flatMap { state.gates[$0] },
            failureReason: state.failureReason
        )
        caseID = definition.caseID
        if case .contained(let byRun)? = state.containmentCheck { alreadyContainedBy = byRun }
    }
}
