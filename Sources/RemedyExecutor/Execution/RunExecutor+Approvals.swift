import Foundation
import RemedyCore

/// An approver's answer.
public enum ApprovalVerdict: String, Sendable, Hashable, CaseIterable {
    case approve
    case deny
}

extension RunExecutor {
    /// Records `principal`'s decision on `gate` and, once the quorum is met, continues the run in this process.
    ///
    /// Refused, denying by default: an expired gate (the run then fails closed), a gate already decided, the run's
    /// initiator approving, a principal not among the approvers, and a second decision by the same principal.
    /// A denial stops the run.
    public func decide(
        runID: String,
        gate: String,
        principal: String,
        decision: ApprovalVerdict,
        comment: String? = nil,
        channel: String
    ) async throws -> RunReport {
        let at = now()
        let (refusal, report) = try await withRunReturning(runID) { (machine: inout RunStateMachine) -> RunError? in
            let state = machine.state
            guard let progress = state.gates[gate] else { throw RunError.unknownGate(gate, runID: runID) }
            if progress.isExpired {
                throw RunError.gateExpired(gate, expiresAt: progress.expiresAt)
            }
            guard state.status.isActive, progress.denial == nil, !progress.isQuorumMet else {
                throw RunError.gateClosed(gate, runID: runID)
            }
            if RunStateMachine.hasExpired(progress, now: at) {
                // The expiry is a fact whoever notices it: journal it, fail the run, then refuse.
                try await advance(&machine)
                return RunError.gateExpired(gate, expiresAt: progress.expiresAt)
            }
            let decider = Principal(principal)
            if decision == .approve, decider.isSame(as: state.definition.initiator) {
                throw RunError.initiatorCannotApprove(principal, gate: gate)
            }
            guard progress.principals.contains(where: decider.isCovered(by:)) else {
                throw RunError.notAnApprover(principal, gate: gate)
            }
            guard !progress.decisions.contains(where: { $0.principal == principal }) else {
                throw RunError.alreadyDecided(principal, gate: gate)
            }
            try await append(
                decision == .approve ? .approvalGranted : .approvalDenied,
                [
                    "gate": .string(gate), "principal": .string(principal),
                    "comment": comment.map(JSONValue.string) ?? .null, "channel": .string(channel),
                    "at": .string(Timestamp.format(at)),
                ],
                to: &machine
            )
            try await advance(&machine)
            return nil
        }
        if let refusal { throw refusal }
        return report
    }
}
