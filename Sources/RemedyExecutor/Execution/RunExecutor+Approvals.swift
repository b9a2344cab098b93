import Foundation
import RemedyCore

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
    ///
    /// An approval at a campaign gate (`ApprovalScope.campaign`) also approves the playbook's other runs waiting at
    /// the gate that asked within the window before it, each by its own rules; the report names them
    /// (`alsoApproved`), and with `continuing` they are driven on here too.
    public func decide(
        runID: String,
        gate: String,
        principal: String,
        decision: ApprovalVerdict,
        comment: String? = nil,
        channel: String,
        continuing: Bool = true
    ) async throws -> RunReport {
        let at = time.now
        // The full session ARN is kept for the record; `approver` is who it counts as. A grant or a denial says which
        // in the record's kind.
        let decided = RunEvent.ApprovalDecided(
            gate: gate,
            principal: principal,
            approver: approvers.identities.identity(of: principal),
            comment: comment,
            channel: channel,
            at: Timestamp.format(at)
        )
        // A decision alone makes no call, so it does not wait for a place among the runs executing at once: an
        // approver is answered at once however busy the workers are.
        let (taken, report) = try await withRunReturning(runID, takesRunSlot: continuing) {
            (machine: inout RunStateMachine) -> TakenDecision in
            if let refusal = try await reasonToRefuse(
                decision,
                by: principal,
                on: gate,
                at: at,
                makingCalls: continuing,
                machine: &machine
            ) {
                // Who tried to decide what, and why it was refused, is part of the audit.
                try hold(
                    .approvalRefused(.init(decision: decided, verdict: decision, reason: refusal.message)),
                    in: &machine
                )
                return TakenDecision(refusal: refusal)
            }
            var campaign: Campaign?
            var journaled = decided
            if decision == .approve, let window = machine.state.gates[gate]?.campaignWindow {
                campaign = Campaign(playbook: machine.state.definition.playbook, window: window)
                // What `RunJournal.campaignApprovals` finds: a decision made here, which runs reaching the gate take.
                journaled.campaignPlaybook = machine.state.definition.playbook
            }
            try hold(decision == .approve ? .approvalGranted(journaled) : .approvalDenied(journaled), in: &machine)
            if continuing || decision == .deny {
                try await advance(&machine, makingCalls: continuing)
            }
            return TakenDecision(campaign: campaign)
        }
        if let refusal = taken.refusal { throw refusal }
        guard let campaign = taken.campaign else { return report }
        var answer = report
        answer.alsoApproved = try await approveWaitingRuns(
            of: campaign,
            at: gate,
            by: decided,
            madeOn: runID,
            at: at,
            continuing: continuing
        )
        return answer
    }

    /// The playbook a campaign decision was made for, and how far back it reaches.
    private struct Campaign: Sendable {
        var playbook: String
        var window: Duration
    }

    /// What became of a decision under its run's lease.
    private struct TakenDecision: Sendable {
        var refusal: RunError?
        var campaign: Campaign?
    }

    /// Gives a campaign approval made on `origin` to every other live run of the playbook parked at `gate` that
    /// asked for approval at most the campaign's window before `decidedAt`; returns the runs it approved.
    ///
    /// Each run is decided under its own lease and by its own rules: its initiator's approval is refused (and
    /// journaled), a run the approver already decided is left alone. A run this process cannot take now (another
    /// process drives it) keeps waiting for its own decision.
    private func approveWaitingRuns(
        of campaign: Campaign,
        at gate: String,
        by decision: RunEvent.ApprovalDecided,
        madeOn origin: String,
        at decidedAt: Date,
        continuing: Bool
    ) async throws -> [String] {
        let earliest = decidedAt.addingTimeInterval(-campaign.window.seconds)
        var waiting: [(runID: String, resource: String)] = []
        try await journal.forEachUnfinishedRun { run in
            guard run.runID != origin, Self.mayWaitForApproval(run.latestKind) else { return }
            // A run whose records do not read is not one this decision can be shown to cover.
            guard let state = try? RunState(records: try await journal.records(ofRun: run.runID)),
                Self.awaitsCampaign(state, campaign, at: gate, askedSince: earliest)
            else { return }
            waiting.append((run.runID, state.definition.resource))
        }
        return try await withThrowingTaskGroup(of: String?.self) { group in
            for run in waiting {
                group.addTask {
                    do {
                        let (approved, _) = try await withRunReturning(
                            run.runID,
                            resource: run.resource,
                            takesRunSlot: continuing
                        ) { (machine: inout RunStateMachine) -> Bool in
                            // Read again under the lease: the run may have moved on since.
                            guard Self.awaitsCampaign(machine.state, campaign, at: gate, askedSince: earliest),
                                try take(decision, madeOn: origin, at: gate, in: &machine)
                            else { return false }
                            if continuing { try await advance(&machine) }
                            return true
                        }
                        return approved ? run.runID : nil
                    } catch {
                        // Busy elsewhere, or its records could not be written: the run keeps waiting for its own
                        // decision, and the answer names only the runs approved.
                        return nil
                    }
                }
            }
            var approved: [String] = []
            for try await runID in group { if let runID { approved.append(runID) } }
            return approved.sorted()
        }
    }

    /// Whether a run whose latest record is of `kind` may be parked at a gate: a cheap filter before reading it.
    private static func mayWaitForApproval(_ kind: String) -> Bool {
        switch RunEventKind(rawValue: kind) {
        case .runParked, .approvalGranted, .approvalRefused: true
        default: false
        }
    }

    /// Whether `state` is a live run of the campaign's playbook parked at the campaign gate `gate`, which it asked
    /// for at or after `askedSince`, still open.
    private static func awaitsCampaign(
        _ state: RunState,
        _ campaign: Campaign,
        at gate: String,
        askedSince: Date
    ) -> Bool {
        guard state.definition.playbook == campaign.playbook, state.definition.mode == .live,
            state.status == .parked, let progress = state.gates[gate], progress.campaignWindow != nil,
            !progress.isExpired, progress.denial == nil, !progress.isQuorumMet,
            let requestedAt = Timestamp.parse(progress.requestedAt)
        else { return false }
        return requestedAt >= askedSince
    }

    /// Journals on this run the campaign approval `decision` (as journaled on `origin`), unless the run's own rules
    /// refuse it; returns whether it was granted.
    ///
    /// A refusal by the initiator rule or the approver list is journaled; an approver who already decided here is
    /// not asked twice, and nothing is written.
    func take(
        _ decision: RunEvent.ApprovalDecided,
        madeOn origin: String,
        at gate: String,
        in machine: inout RunStateMachine
    ) throws -> Bool {
        guard let progress = machine.state.gates[gate] else { return false }
        var taken = decision
        taken.campaignPlaybook = nil
        taken.campaignRun = origin
        if let refusal = ruleRefusing(
            .approve,
            by: decision.principal,
            on: gate,
            progress,
            of: machine.state.definition
        ) {
            if refusal == .alreadyDecided { return false }
            try hold(.approvalRefused(.init(decision: taken, verdict: .approve, reason: refusal.message)), in: &machine)
            return false
        }
        try hold(.approvalGranted(taken), in: &machine)
        return true
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
        return ruleRefusing(decision, by: principal, on: gate, progress, of: state.definition)
    }

    /// The run's own rules for who decides at an open gate.
    ///
    /// The initiator never approves, only the gate's approvers decide, and each approver once. One person is one
    /// approver whatever their session is named (see `ApproverIdentities`).
    private func ruleRefusing(
        _ decision: ApprovalVerdict,
        by principal: String,
        on gate: String,
        _ progress: GateProgress,
        of definition: RunDefinition
    ) -> RunError? {
        let identities = approvers.identities
        let approver = identities.identity(of: principal)
        if decision == .approve, approver == identities.identity(of: definition.initiator) {
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
