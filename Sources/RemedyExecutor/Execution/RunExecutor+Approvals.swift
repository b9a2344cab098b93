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
    /// With `continuing` false the decision is only journaled (a denial or an expiry still ends the run): the
    /// server answers the approver at once and lets a worker drive the run on.
    ///
    /// Refused, denying by default: an expired gate (the run then fails closed), a gate already decided, the run's
    /// initiator approving, a principal not among the approvers, and a second decision by the same approver (every
    /// session of one role is one approver unless the directory's identities trust its session names).
    /// A denial stops the run.
    public func decide(
        runID: String,
        gate: String,
        principal: String,
        decision: ApprovalVerdict,
        comment: String? = nil,
        channel: String,
        continuing: Bool = true
    ) async throws -> RunReport {
        let at = now()
        // The full session ARN is kept for the record; `approver` is who it counts as.
        let decisionFields: [String: JSONValue] = [
            "gate": .string(gate), "principal": .string(principal),
            "approver": .string(approvers.identities.identity(of: principal)),
            "decision": .string(decision.rawValue),
            "comment": comment.map(JSONValue.string) ?? .null, "channel": .string(channel),
            "at": .string(Timestamp.format(at)),
        ]
        // A decision alone makes no call, so it does not wait for a place among the runs executing at once: an
        // approver is answered at once however busy the workers are.
        let (refusal, report) = try await withRunReturning(runID, takesRunSlot: continuing) {
            (machine: inout RunStateMachine) -> RunError? in
            if let refusal = try await reasonToRefuse(
                decision,
                by: principal,
                on: gate,
                at: at,
                makingCalls: continuing,
                machine: &machine
            ) {
                // Who tried to decide what, and why it was refused, is part of the audit.
                var payload = decisionFields
                payload["reason"] = .string(refusal.message)
                try hold(.approvalRefused, .object(payload), in: &machine)
                return refusal
            }
            try hold(
                decision == .approve ? .approvalGranted : .approvalDenied,
                .object(decisionFields.filter { $0.key != "decision" }),
                in: &machine
            )
            if continuing || decision == .deny {
                try await advance(&machine, makingCalls: continuing)
            }
            return nil
        }
        if let refusal { throw refusal }
        return report
    }

    /// Why `principal` may not take `decision` on `gate` now, or nil when they may.
    private func reasonToRefuse(
        _ decision: ApprovalVerdict,
        by principal: String,
        on gate: String,
        at: Date,
        makingCalls: Bool,
        machine: inout RunStateMachine
    ) async throws -> RunError? {
        let state = machine.state
        guard let progress = state.gates[gate] else { return RunError.unknownGate(gate, runID: state.definition.runID) }
        if progress.isExpired { return RunError.gateExpired(gate, expiresAt: progress.expiresAt) }
        guard state.status.isActive, progress.denial == nil, !progress.isQuorumMet else {
            return RunError.gateClosed(gate, runID: state.definition.runID)
        }
        if progress.hasExpired(at: at) {
            // The expiry is a fact whoever notices it: journal it and fail the run before refusing.
            try await advance(&machine, makingCalls: makingCalls)
            return RunError.gateExpired(gate, expiresAt: progress.expiresAt)
        }
        // One person is one approver whatever their session is named (see ApproverIdentities).
        let identities = approvers.identities
        let approver = identities.identity(of: principal)
        if decision == .approve, approver == identities.identity(of: state.definition.initiator) {
            return RunError.initiatorCannotApprove(principal, as: approver, gate: gate)
        }
        guard progress.admits(principal) else {
            return RunError.notAnApprover(principal, gate: gate)
        }
        guard !progress.decisions.contains(where: { $0.approver == approver }) else {
            return RunError.alreadyDecided(principal, as: approver, gate: gate)
        }
        return nil
    }
}
