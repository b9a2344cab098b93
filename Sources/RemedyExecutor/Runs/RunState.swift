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
        guard let first = records.first, first.kind == RunEventKind.runCreated.rawValue else {
            throw .unreadableJournal("the run's first record is not run.created")
        }
        definition = try RunDefinition(record: first)
        createdSequence = first.sequence
        for record in records.dropFirst() { try apply(record) }
    }

    /// Folds one more record into the state.
    public mutating func apply(_ record: JournalRecord) throws(RunError) {
        guard let kind = RunEventKind(rawValue: record.kind) else {
            throw .unreadableJournal("record \(record.sequence) has unknown kind '\(record.kind)'")
        }
        let payload = PayloadReader(record.payload, what: "\(record.kind) record \(record.sequence)")
        let stepID = payload.optionalString("step")
        guard
            let next = status.after(
                kind,
                runLevel: stepID == nil,
                undoRequested: payload.value("undo").boolValue ?? false
            )
        else {
            throw .unreadableJournal("record \(record.sequence) (\(record.kind)) cannot follow a \(status) run")
        }
        status = next
        switch kind {
        case .runCreated, .runParked, .runResumed, .runSucceeded, .approvalRefused:
            break
        case .runLimitsChecked:
            limitsCheck = payload.optionalString("over").map { .over(reason: $0) } ?? .within
        case .runContainmentChecked:
            containmentCheck =
                payload.value("contained").boolValue == true
                ? .contained(byRun: try payload.string("run"))
                : .notContained(reason: payload.optionalString("reason") ?? "")
        case .runFailed:
            failureReason = payload.optionalString("reason")
            failedStep = payload.optionalString("step")
        case .runRetried:
            let id = try payload.string("step")
            failureReason = nil
            failedStep = nil
            steps[id, default: StepProgress()].retry()
        case .stepStarted:
            let id = try payload.string("step")
            steps[id, default: StepProgress()].attempts.append(
                StepProgress.Attempt(
                    number: try payload.integer("attempt"),
                    parameters: payload.value("parameters").objectValue ?? [:],
                    startedAt: record.recordedAt
                )
            )
        case .stepSucceeded:
            let id = try payload.string("step")
            try updateLastAttempt(of: id, record: record) { $0.outcome = .succeeded(StepProgress.Result(payload)) }
            completionOrder.append(id)
        case .stepFailed:
            let id = try payload.string("step")
            let failure = try StepProgress.Failure(payload)
            if payload.value("attempt").isNull {
                steps[id, default: StepProgress()].failedBeforeCall = failure
            } else {
                try updateLastAttempt(of: id, record: record) { $0.outcome = .failed(failure) }
            }
        case .stepSkipped:
            steps[try payload.string("step"), default: StepProgress()].skipped = StepProgress.Skip(
                reason: try payload.string("reason"),
                verdict: payload.optionalString("verdict")
            )
        case .stepPriorStateCaptured:
            let id = try payload.string("step")
            guard steps[id]?.attempts.isEmpty == false else {
                throw .unreadableJournal("record \(record.sequence) captures state for step '\(id)' that never started")
            }
            // The first capture is the state before the step's work; a retry may see its own partial work.
            if steps[id]?.capturedPriorState == nil { steps[id]?.capturedPriorState = payload.value("priorState") }
        case .stepProbed:
            let id = try payload.string("step")
            let probe: StepProgress.Probe
            switch try payload.string("result") {
            case "done": probe = .done(StepProgress.Result(payload))
            case "notDone": probe = .notDone
            default: probe = .failed(try StepProgress.Failure(payload))
            }
            try updateLastAttempt(of: id, record: record) { $0.probe = probe }
            if case .done = probe { completionOrder.append(id) }
        case .approvalRequested:
            let id = try payload.string("gate")
            gates[id] = GateProgress(
                principals: try payload.array("principals").compactMap(\.stringValue),
                minimumApprovals: try payload.integer("minApprovals"),
                requestedAt: payload.optionalString("requestedAt") ?? record.recordedAt,
                expiresAt: try payload.string("expiresAt"),
                message: payload.optionalString("message"),
                campaignWindow: payload.value("campaignWindowSeconds").isNull
                    ? nil : try payload.duration("campaignWindowSeconds")
            )
        case .approvalGranted, .approvalDenied:
            let id = try payload.string("gate")
            guard gates[id] != nil else {
                throw .unreadableJournal("record \(record.sequence) decides gate '\(id)' that was never requested")
            }
            let principal = try payload.string("principal")
            let decision = ApprovalDecision(
                principal: principal,
                // Decisions journaled before `approver` existed count by the default rule: a role's sessions are one.
                approver: payload.optionalString("approver") ?? ApproverIdentities().identity(of: principal),
                isApproval: kind == .approvalGranted,
                comment: payload.optionalString("comment"),
                channel: payload.optionalString("channel") ?? "unknown",
                decidedAt: try payload.string("at"),
                campaignRun: payload.optionalString("campaignRun")
            )
            gates[id]?.decisions.append(decision)
        case .approvalExpired:
            gates[try payload.string("gate"), default: GateProgress()].isExpired = true
        case .undoStarted:
            if let stepID {
                steps[stepID, default: StepProgress()].undo = .started
            } else {
                undoStarted = true
                // A new undo tries again the steps an earlier one could not reverse.
                for (id, progress) in steps {
                    if case .failed? = progress.undo { steps[id]?.undo = nil }
                }
            }
        case .undoSucceeded:
            if let stepID { steps[stepID, default: StepProgress()].undo = .succeeded }
        case .undoFailed:
            if let stepID { steps[stepID, default: StepProgress()].undo = .failed(try StepProgress.Failure(payload)) }
        }
    }

    private mutating func updateLastAttempt(
        of stepID: String,
        record: JournalRecord,
        _ update: (inout StepProgress.Attempt) -> Void
    ) throws(RunError) {
        guard var progress = steps[stepID], var attempt = progress.attempts.last else {
            throw .unreadableJournal("record \(record.sequence) settles step '\(stepID)' that never started")
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
        case succeeded(Result)
        case failed(Failure)
    }

    public enum Probe: Sendable, Hashable {
        case done(Result)
        case notDone
        /// The probe itself failed: whether the step happened is still unknown.
        case failed(Failure)
    }

    public struct Result: Sendable, Hashable {
        public var outputs: [String: JSONValue]
        public var priorState: JSONValue
        public var requestIDs: [String]
        public var verdict: String?

        init(_ payload: PayloadReader) {
            outputs = payload.value("outputs").objectValue ?? [:]
            priorState = payload.value("priorState")
            requestIDs = (payload.value("requestIds").arrayValue ?? []).compactMap(\.stringValue)
            verdict = payload.optionalString("dryRunVerdict")
        }
    }

    public struct Failure: Sendable, Hashable {
        public var kind: ActionFailure.Kind
        public var code: String
        public var message: String

        init(kind: ActionFailure.Kind, code: String, message: String) {
            self.kind = kind
            self.code = code
            self.message = message
        }

        init(_ payload: PayloadReader) throws(RunError) {
            kind = ActionFailure.Kind(rawValue: payload.optionalString("kind") ?? "") ?? .permanent
            code = try payload.string("code")
            message = payload.optionalString("message") ?? ""
        }
    }

    public struct Skip: Sendable, Hashable {
        public var reason: String
        public var verdict: String?
    }

    public enum Undo: Sendable, Hashable {
        case started
        case succeeded
        case failed(Failure)
    }

    public var attempts: [Attempt] = []
    public var skipped: Skip?
    /// The step failed before any call: a parameter failed validation or its condition could not be evaluated.
    public var failedBeforeCall: Failure?
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
    public var result: Result? {
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
