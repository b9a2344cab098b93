// Over 400 lines: one fold, each record kind's effect on a run and the progress types it builds.
import Foundation
import RemedyCore

/// A run as its journal records tell it: its definition, then what happened to each step and gate.
///
/// Built by folding records in order, from `run.created` on; no I/O.
public struct RunState: Sendable, Hashable {
    public private(set) var definition: RunDefinition
    public private(set) var status: RunStatus = .pending
    public private(set) var steps: [String: StepProgress] = [:]
    public private(set) var gates: [String: GateProgress] = [:]
    /// Step ids in the order they completed (succeeded, or probed as done): undo walks it backwards.
    public private(set) var completionOrder: [String] = []
    /// Whether a run-level `undo.started` was journaled.
    public private(set) var undoStarted = false
    /// Why the run failed, from `run.failed`.
    public private(set) var failureReason: String?
    /// The step the run failed at, from `run.failed` (nil for a run-level failure).
    public private(set) var failedStep: String?
    /// The sequence of `run.created`: the playbook's usage is counted from the runs before it.
    public private(set) var createdSequence: Int64 = 0
    /// From `run.limits_checked`: nil before the check, `.within`, or why the run is over a cap.
    public private(set) var limitsCheck: LimitsCheck?
    /// From `run.containment_checked`: nil before the check (or for a run that joined no case).
    public private(set) var containmentCheck: ContainmentCheck?

    /// Whether a case's earlier containment still held when a run joined the case.
    public enum ContainmentCheck: Sendable, Hashable {
        /// It holds: the run does nothing more (`already contained by run X`).
        case contained(byRun: String)
        /// It does not, or cannot be told: the run goes through its steps.
        case notContained(reason: String)
    }

    /// The outcome of checking a run against its playbook's limits.
    public enum LimitsCheck: Sendable, Hashable {
        case within
        case over(reason: String)
    }

    /// The steps the run goes through: the plan's, behind the limits gate when the run started over a cap.
    public var plannedSteps: [PlannedStep] {
        guard case .over(let reason)? = limitsCheck, let limits = definition.limits else { return definition.steps }
        let gate = PlannedStep(
            id: RunLimits.gateID,
            kind: .approval(
                PlannedGate(
                    approvers: limits.approvers,
                    timeout: limits.timeout,
                    message: .known(.string("over the playbook's limits: \(reason)"))
                )
            ),
            disposition: .will,
            gatedBy: [],
            onFailure: .abort
        )
        return [gate] + definition.steps
    }

    public init(records: [JournalRecord]) throws(RunError) {
        guard let first = records.first, case .runCreated(let definition) = try Self.event(first) else {
            throw .unreadableJournal("the run's first record is not run.created")
        }
        self.definition = definition
        createdSequence = first.sequence
        for record in records.dropFirst() { try apply(record) }
    }

    private static func event(_ record: JournalRecord) throws(RunError) -> RunEvent {
        do throws(UnreadableEvent) {
            return try RunEvent(record)
        } catch {
            throw .unreadableJournal(error.description)
        }
    }

    /// Folds one more record into the state.
    public mutating func apply(_ record: JournalRecord) throws(RunError) {
        let event = try Self.event(record)
        do throws(UnreadableEvent) {
            try apply(event, recordedAt: record.recordedAt)
        } catch {
            throw .unreadableJournal("record \(record.sequence) (\(record.kind)): \(error)")
        }
    }

    /// Folds one more event into the state, journaled at `recordedAt` (empty for an event not yet journaled); what
    /// the run cannot hold at this point is refused.
    mutating func apply(_ event: RunEvent, recordedAt: String) throws(UnreadableEvent) {
        let kind = event.kind
        let undoStep: String? =
            switch event {
            case .undoStarted(let undo), .undoSucceeded(let undo), .undoFailed(let undo): undo.step
            default: nil
            }
        let undoRequested = if case .runFailed(let failed) = event { failed.thenUndo } else { false }
        guard let next = status.after(kind, runLevel: undoStep == nil, undoRequested: undoRequested) else {
            throw UnreadableEvent("it cannot follow a \(status) run")
        }
        status = next
        switch event {
        case .runCreated, .runParked, .runResumed, .runSucceeded, .approvalRefused:
            break
        case .runLimitsChecked(let check):
            limitsCheck = check.over.map { .over(reason: $0) } ?? .within
        case .runContainmentChecked(let check):
            containmentCheck =
                switch check.outcome {
                case .contained: .contained(byRun: check.joinedRun)
                case .notContained(let reason): .notContained(reason: reason)
                }
        case .runFailed(let failed):
            failureReason = failed.reason
            failedStep = failed.step
        case .runRetried(let retried):
            failureReason = nil
            failedStep = nil
            steps[retried.step, default: StepProgress()].retry()
        case .stepStarted(let started):
            steps[started.step, default: StepProgress()].attempts.append(
                StepProgress.Attempt(number: started.attempt, parameters: started.parameters, startedAt: recordedAt)
            )
        case .stepSucceeded(let succeeded):
            try updateLastAttempt(of: succeeded.step) { $0.outcome = .succeeded(succeeded.result) }
            completionOrder.append(succeeded.step)
        case .stepFailed(let failed):
            if failed.attempt == nil {
                steps[failed.step, default: StepProgress()].failedBeforeCall = failed.failure
            } else {
                try updateLastAttempt(of: failed.step) { $0.outcome = .failed(failed.failure) }
            }
        case .stepSkipped(let skipped):
            steps[skipped.step, default: StepProgress()].skipped = StepProgress.Skip(
                reason: skipped.reason,
                verdict: skipped.verdict
            )
        case .stepPriorStateCaptured(let captured):
            guard steps[captured.step]?.attempts.isEmpty == false else {
                throw UnreadableEvent("it captures state for step '\(captured.step)' that never started")
            }
            // The first capture is the state before the step's work; a retry may see its own partial work.
            if steps[captured.step]?.capturedPriorState == nil {
                steps[captured.step]?.capturedPriorState = captured.priorState
            }
        case .stepProbed(let probed):
            try updateLastAttempt(of: probed.step) { $0.probe = probed.outcome }
            if case .done = probed.outcome { completionOrder.append(probed.step) }
        case .approvalRequested(let requested):
            gates[requested.gate] = GateProgress(
                principals: requested.principals,
                minimumApprovals: requested.minimumApprovals,
                requestedAt: requested.requestedAt ?? recordedAt,
                expiresAt: requested.expiresAt,
                message: requested.message,
                campaignWindow: requested.campaignWindow
            )
        case .approvalGranted(let decided), .approvalDenied(let decided):
            guard gates[decided.gate] != nil else {
                throw UnreadableEvent("it decides gate '\(decided.gate)' that was never requested")
            }
            gates[decided.gate]?.decisions.append(
                ApprovalDecision(decided, isApproval: kind == .approvalGranted)
            )
        case .approvalExpired(let expired):
            gates[expired.gate, default: GateProgress()].isExpired = true
        case .undoStarted:
            if let undoStep {
                steps[undoStep, default: StepProgress()].undo = .started
            } else {
                undoStarted = true
                // A new undo tries again the steps an earlier one could not reverse.
                for (id, progress) in steps {
                    if case .failed? = progress.undo { steps[id]?.undo = nil }
                }
            }
        case .undoSucceeded:
            if let undoStep { steps[undoStep, default: StepProgress()].undo = .succeeded }
        case .undoFailed(let undo):
            guard let undoStep else { break }
            guard let failure = undo.failure else {
                throw UnreadableEvent("its undo of step '\(undoStep)' failed without a failure")
            }
            steps[undoStep, default: StepProgress()].undo = .failed(failure)
        }
    }

    private mutating func updateLastAttempt(
        of stepID: String,
        _ update: (inout StepProgress.Attempt) -> Void
    ) throws(UnreadableEvent) {
        guard var progress = steps[stepID], var attempt = progress.attempts.last else {
            throw UnreadableEvent("it settles step '\(stepID)' that never started")
        }
        update(&attempt)
        progress.attempts[progress.attempts.count - 1] = attempt
        steps[stepID] = progress
    }

    public func progress(ofStep id: String) -> StepProgress { steps[id] ?? StepProgress() }
}

/// What the journal says about one step: its attempts, and a skip, pre-call failure or undo.
public struct StepProgress: Sendable, Hashable {
    public struct Attempt: Sendable, Hashable {
        public var number: Int
        /// The parameters `step.started` recorded: a probe and an undo use exactly these.
        public var parameters: [String: JSONValue]
        /// When `step.started` was journaled, just before the call.
        public var startedAt: String = ""
        /// Nil while the call's result is unknown.
        public var outcome: Outcome?
        public var probe: Probe?
    }

    public enum Outcome: Sendable, Hashable {
        case succeeded(ActionResult)
        case failed(ActionFailure)
    }

    public typealias Probe = RunEvent.StepProbed.Outcome

    public struct Skip: Sendable, Hashable {
        public var reason: String
        public var verdict: String?
    }

    public enum Undo: Sendable, Hashable {
        case started
        case succeeded
        case failed(ActionFailure)
    }

    public var attempts: [Attempt] = []
    public var skipped: Skip?
    /// The step failed before any call: a parameter failed validation or its condition could not be evaluated.
    public var failedBeforeCall: ActionFailure?
    public var undo: Undo?
    /// The prior state the step's action journaled before its first mutating call (the first, if attempts did).
    public var capturedPriorState: JSONValue?
    /// How many attempts were made before the step was last retried (`run.retried`): they no longer count.
    public var attemptsBeforeRetry = 0

    /// Whether the latest attempt was made before a responder retried the step: its failure no longer ends the run.
    var isRetriedSinceLastAttempt: Bool { attemptsBeforeRetry > 0 && attempts.count == attemptsBeforeRetry }

    /// A responder retried the step: its spent attempts are forgiven, and a call left in doubt by a failed probe is
    /// probed again (never simply repeated).
    mutating func retry() {
        attemptsBeforeRetry = attempts.count
        if case .failed? = attempts.last?.probe { attempts[attempts.count - 1].probe = nil }
    }

    /// Whether the step has an outcome: a result, a skip, or a failure before any call.
    var isSettled: Bool { result != nil || skipped != nil || failedBeforeCall != nil }

    /// The result of the attempt that succeeded (or that a probe found done).
    public var result: ActionResult? {
        for attempt in attempts.reversed() {
            if case .succeeded(let result)? = attempt.outcome { return result }
            if case .done(let result)? = attempt.probe { return result }
        }
        return nil
    }

    /// The parameters of the attempt that succeeded.
    var succeededParameters: [String: JSONValue] {
        attempts.last { attempt in
            if case .succeeded? = attempt.outcome { return true }
            if case .done? = attempt.probe { return true }
            return false
        }?.parameters ?? [:]
    }

    /// Attempts that count against the retry policy: failures, except in-doubt ones no probe has settled yet and
    /// calls a crash interrupted before they had a result (a probe found them not done: they never happened).
    var attemptsSpent: Int {
        attempts.dropFirst(attemptsBeforeRetry).filter { attempt in
            guard case .failed(let failure)? = attempt.outcome else { return false }
            return failure.kind != .inDoubt || attempt.probe == .notDone
        }.count
    }
}

/// What the journal says about one approval gate.
public struct GateProgress: Sendable, Hashable {
    /// The approvers' principal ARNs, resolved from the playbook's references when approval was requested.
    public var principals: [String] = []
    public var minimumApprovals: Int = 1
    public var requestedAt: String = ""
    public var expiresAt: String = ""
    public var message: String?
    /// For a campaign gate, how far one decision reaches (`ApprovalScope.campaign`); nil for a gate of its own.
    public var campaignWindow: Duration?
    public var decisions: [ApprovalDecision] = []
    public var isExpired = false

    public var approvals: [ApprovalDecision] { decisions.filter(\.isApproval) }
    public var denial: ApprovalDecision? { decisions.first { !$0.isApproval } }
    /// Distinct approvers, not distinct sessions, count towards the quorum.
    public var isQuorumMet: Bool { Set(approvals.map(\.approver)).count >= minimumApprovals }

    /// Whether the gate's time is up at `now`; a timestamp that does not parse counts as expired (fails closed).
    public func hasExpired(at now: Date) -> Bool {
        guard let expiresAt = Timestamp.parse(expiresAt) else { return true }
        return now >= expiresAt
    }

    /// Whether `principal` is one of the gate's approvers (an assumed-role session counts as its role).
    public func admits(_ principal: String) -> Bool {
        principals.contains(where: Principal(principal).isCovered(by:))
    }
}

/// One approver's answer to a gate.
public struct ApprovalDecision: Sendable, Hashable {
    /// Who decided, as the caller's identity named them (a role session's full ARN).
    public var principal: String
    /// Who that counts as (`ApproverIdentities`): what the quorum and the one-decision rule compare.
    public var approver: String
    public var isApproval: Bool
    public var comment: String?
    /// Where the decision came from: `cli`, `http`, `slack`.
    public var channel: String
    public var decidedAt: String
    /// The run a campaign decision was made on, when this run took it from there; nil for a decision made here.
    public var campaignRun: String?

    init(_ decided: RunEvent.ApprovalDecided, isApproval: Bool) {
        principal = decided.principal
        // Decisions journaled before `approver` existed count by the default rule: a role's sessions are one.
        approver = decided.approver ?? ApproverIdentities().identity(of: decided.principal)
        self.isApproval = isApproval
        comment = decided.comment
        channel = decided.channel ?? "unknown"
        decidedAt = decided.at
        campaignRun = decided.campaignRun
    }
}

extension RunState {
    /// The step `remedy resume --retry-failed` would go on from, or why the run cannot be retried.
    ///
    /// Only a failed call is retried: a step that failed before any call would fail the same way, a denied or
    /// expired approval is final, and a run-level failure (an unresolved target role) has no step to go back to.
    public func stepToRetry() throws(RunError) -> String {
        let runID = definition.runID
        guard status == .failed else {
            throw .notRetryable(runID, "it is \(status.rawValue), not failed")
        }
        guard let stepID = failedStep, let step = plannedSteps.first(where: { $0.id == stepID }) else {
            throw .notRetryable(runID, "it failed before reaching a step (\(failureReason ?? "no reason recorded"))")
        }
        guard case .action = step.kind else {
            throw .notRetryable(runID, "it failed at approval gate '\(stepID)', whose outcome is final")
        }
        let progress = progress(ofStep: stepID)
        if let failure = progress.failedBeforeCall {
            throw .notRetryable(
                runID,
                "step '\(stepID)' failed before any call (\(failure.code): \(failure.message)) and would fail again"
            )
        }
        guard !progress.attempts.isEmpty else {
            throw .notRetryable(runID, "step '\(stepID)' made no call")
        }
        return stepID
    }
}
