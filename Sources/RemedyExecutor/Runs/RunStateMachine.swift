// Over 400 lines: one state machine, the run's decision function and the helpers only it calls.
import Foundation
import RemedyCore

/// Decides a run's next move from its journal alone: a plain value with no I/O and no clock of its own.
///
/// ```swift
/// var machine = try RunStateMachine(records: records, catalog: catalog)
/// switch machine.next(now: now) { case .run(let step): ... }
/// ```
public struct RunStateMachine: Sendable {
    public private(set) var state: RunState
    let catalog: ActionCatalog
    /// Records already folded into `state` but not yet on disk: the executor writes them in the same transaction as
    /// the run's next record, or as it gives the run's lease up (see `RunExecutor.hold`).
    var unwritten: [JournalEntry] = []
    /// How many of the run's journaled records are folded in, up to which sequence.
    ///
    /// With `RunJournal.records(ofRun:after:)` it tells whether the journal has anything the state lacks.
    public private(set) var journaled: (records: Int, through: Int64)

    public init(records: [JournalRecord], catalog: ActionCatalog) throws(RunError) {
        state = try RunState(records: records)
        self.catalog = catalog
        journaled = (records.count, records.last?.sequence ?? 0)
    }

    /// Folds in a record as the journal stored it (or a result held back, with sequence 0, see `unwritten`).
    public mutating func apply(_ record: JournalRecord) throws(RunError) {
        try state.apply(record)
        if record.sequence > 0 { noteJournaled(record) }
    }

    /// Folds in an event not yet journaled (a result held back, see `unwritten`).
    mutating func apply(_ event: RunEvent, recordedAt: String) throws(RunError) {
        do throws(UnreadableEvent) {
            try state.apply(event, recordedAt: recordedAt)
        } catch {
            throw .unreadableJournal("\(event.kind.rawValue) of run \(state.definition.runID): \(error)")
        }
    }

    /// A record already folded in (a held result) is now on disk.
    mutating func noteJournaled(_ record: JournalRecord) {
        journaled = (journaled.records + 1, max(journaled.through, record.sequence))
    }

    /// Brings the state up to date with what the journal has beyond it; false when the journal holds records the
    /// state cannot be brought level with (written before `journaled.through` by someone else): read the run again.
    mutating func catchUp(with since: RunRecordsSince) throws(RunError) -> Bool {
        guard unwritten.isEmpty, since.total == journaled.records + since.records.count else { return false }
        for record in since.records { try apply(record) }
        return true
    }

    /// What the executor does next.
    public enum Decision: Sendable, Hashable {
        /// Journal `step.started`, then call the action; `backoff` is the wait before a retry.
        case run(StepCall, backoff: Duration)
        /// Ask the action whether a call with no known result already happened.
        case probe(StepCall)
        case skip(step: String, reason: String, verdict: String?)
        /// The step fails without any call (a parameter failed validation, the condition could not be read).
        case failBeforeCall(step: String, code: String, message: String)
        /// Count the playbook's earlier runs against its limits and journal the outcome.
        case checkLimits
        /// Probe the containment steps of the case's earlier run (`joinedRun`) and journal whether they still hold.
        case checkContainment(joinedRun: String)
        case requestApproval(ApprovalRequest)
        case park(gate: String)
        /// Nothing to do until a decision arrives or the gate expires at `until`.
        case wait(gate: String, until: String)
        case expireApproval(gate: String)
        case resume(gate: String)
        case succeed(failedSteps: [String])
        case fail(reason: String, step: String?, code: String?, thenUndo: Bool)
        case startUndo(reason: String)
        /// Reverse one completed step from its prior state.
        case undo(StepCall, priorState: JSONValue)
        case finishUndo(failedSteps: [String])
        /// The run is complete.
        case none
    }

    /// A call of one step's action with everything resolved.
    public struct StepCall: Sendable, Hashable {
        public var step: String
        public var action: String
        public var parameters: [String: JSONValue]
        public var attempt: Int
        /// What an earlier attempt journaled before its first mutating call, for probes and retries.
        public var capturedPriorState: JSONValue?
        /// When the attempt a probe asks about was started (its `step.started`), or nil for a new call.
        public var startedAt: String?
    }

    public struct ApprovalRequest: Sendable, Hashable {
        public var gate: String
        public var approvers: [String]
        public var minimumApprovals: Int
        public var timeout: Duration
        public var message: String?
        public var scope: ApprovalScope
    }

    public func next(now: Date) -> Decision {
        switch state.status {
        case .succeeded, .failed, .undone, .undoFailed: return .none
        case .undoing: return nextUndo()
        case .pending, .running, .parked: break
        }
        if let problem = state.definition.targetRoleProblem {
            return .fail(reason: "target role: \(problem)", step: nil, code: "TargetRoleUnresolved", thenUndo: false)
        }
        if state.definition.isSample, state.definition.mode == .live {
            return .fail(
                reason: "sample finding: GuardDuty generated it to test a pipeline, and remedy never acts on one live "
                    + "(rehearse it with --dry-run)",
                step: nil,
                code: "SampleFinding",
                thenUndo: false
            )
        }
        if let joined = state.definition.joinedRun, state.definition.mode == .live {
            switch state.containmentCheck {
            case nil:
                return .checkContainment(joinedRun: joined)
            case .contained(let byRun)?:
                // Nothing more to do: no new snapshots, no approval for what is already done.
                let reason = "already contained by run \(byRun) of case \(state.definition.caseID ?? "?")"
                for step in state.plannedSteps where !state.progress(ofStep: step.id).isSettled {
                    return .skip(step: step.id, reason: reason, verdict: nil)
                }
                return .succeed(failedSteps: [])
            case .notContained?:
                break
            }
        }
        if state.definition.limits != nil, state.limitsCheck == nil, state.definition.mode == .live {
            return .checkLimits
        }
        var failedSteps: [String] = []
        for step in state.plannedSteps {
            switch step.kind {
            case .approval(let planned):
                if state.progress(ofStep: step.id).skipped != nil { continue }
                let gate = ApprovalRequest(
                    gate: step.id,
                    approvers: planned.approvers,
                    minimumApprovals: planned.minimumApprovals,
                    timeout: planned.timeout,
                    message: planned.message.flatMap { resolve($0)?.interpolated },
                    scope: planned.scope
                )
                if let decision = nextAtGate(step, gate, now: now) { return decision }
            case .action(let name, let parameters, _, _, _):
                switch nextForAction(step, name: name, parameters: parameters) {
                case .decided(let decision): return decision
                case .done: continue
                case .failed(let failure):
                    if state.definition.mode == .dryRun || step.onFailure == .continue {
                        failedSteps.append(step.id)
                        continue
                    }
                    return .fail(
                        reason: "step '\(step.id)' failed: \(failure.code): \(failure.message)",
                        step: step.id,
                        code: failure.code,
                        thenUndo: step.onFailure == .undo
                    )
                }
            }
        }
        return .succeed(failedSteps: failedSteps)
    }

    private func nextAtGate(_ step: PlannedStep, _ request: ApprovalRequest, now: Date) -> Decision? {
        if let skip = skipReason(step) { return .skip(step: step.id, reason: skip, verdict: nil) }
        switch conditionHolds(step) {
        case .holds: break
        case .doesNotHold(let reason): return .skip(step: step.id, reason: reason, verdict: nil)
        case .failure(let code, let message):
            return .fail(reason: "gate '\(step.id)': \(message)", step: step.id, code: code, thenUndo: false)
        }
        var request = request
        // An approver is asked about exactly what the gate lets run: nothing, and the gate is not asked at all.
        if step.id != RunLimits.gateID, state.gates[step.id] == nil {
            let guarded = guardedSteps(by: step.id)
            guard !guarded.isEmpty else {
                return .skip(step: step.id, reason: "none of the steps it guards will run", verdict: nil)
            }
            var lines = [request.message, "Approving lets these steps run:"].compactMap(\.self)
            lines += guarded.map { "- \($0)" }
            if let window = request.scope.campaignWindow.map(DurationText.format) {
                // Whoever approves must know the decision reaches further than this run.
                lines.append(
                    "Campaign gate: an approval also approves every other run of playbook "
                        + "'\(state.definition.playbook)' waiting at '\(step.id)' that asked up to \(window) before it, "
                        + "and every run that reaches '\(step.id)' up to \(window) after it. A denial stays on this run."
                )
            }
            request.message = lines.joined(separator: "\n")
        }
        if state.definition.mode == .dryRun {
            let approvers = request.approvers.joined(separator: ", ")
            let campaign = request.scope.campaignWindow.map {
                " or a campaign approval within \(DurationText.format($0))"
            }
            return .skip(
                step: step.id,
                reason: "dry-run requests no approval",
                verdict: "would wait for \(request.minimumApprovals) approval(s) from \(approvers)\(campaign ?? "")"
            )
        }
        guard let gate = state.gates[step.id] else { return .requestApproval(request) }
        if let denial = gate.denial {
            return .fail(
                reason: "gate '\(step.id)' denied by \(denial.principal)",
                step: step.id,
                code: "ApprovalDenied",
                thenUndo: false
            )
        }
        if gate.isExpired {
            return .fail(
                reason: "gate '\(step.id)' expired at \(gate.expiresAt) without \(gate.minimumApprovals) approval(s)",
                step: step.id,
                code: "ApprovalExpired",
                thenUndo: false
            )
        }
        if gate.isQuorumMet { return state.status == .parked ? .resume(gate: step.id) : nil }
        if gate.hasExpired(at: now) { return .expireApproval(gate: step.id) }
        return state.status == .parked ? .wait(gate: step.id, until: gate.expiresAt) : .park(gate: step.id)
    }

    private enum ActionNext {
        case decided(Decision)
        case done
        case failed(ActionFailure)
    }

    private func nextForAction(_ step: PlannedStep, name: String, parameters: [String: PlanValue]) -> ActionNext {
        let progress = state.progress(ofStep: step.id)
        if progress.result != nil || progress.skipped != nil { return .done }
        if let failure = progress.failedBeforeCall { return .failed(failure) }
        let maximumAttempts = max(1, step.retry?.attempts ?? 1)
        if let last = progress.attempts.last {
            let call = StepCall(
                step: step.id,
                action: name,
                parameters: last.parameters,
                attempt: last.number,
                capturedPriorState: progress.capturedPriorState,
                startedAt: last.startedAt
            )
            var lastFailure: ActionFailure?
            switch (last.outcome, last.probe) {
            case (_, .failed(let failure)?):
                // Whether the call happened is unknown and cannot be learnt: repeating it is never safe.
                return .failed(
                    ActionFailure(
                        .inDoubt,
                        code: "StepInDoubt",
                        message: "cannot tell whether the call happened: the probe failed with \(failure.code): "
                            + "\(failure.message); check the resource before acting again"
                    )
                )
            case (.succeeded?, _), (_, .done?):
                return .done
            case (nil, nil):
                return .decided(.probe(call))
            case (nil, .notDone?):
                break
            case (.failed(let failure)?, let probe):
                if failure.kind == .permanent, !progress.isRetriedSinceLastAttempt { return .failed(failure) }
                if failure.kind == .inDoubt && probe == nil { return .decided(.probe(call)) }
                lastFailure = failure
            }
            if progress.attemptsSpent >= maximumAttempts, let lastFailure { return .failed(lastFailure) }
            let backoff = lastFailure == nil ? Duration.zero : Self.backoff(step.retry, spent: progress.attemptsSpent)
            var retry = call
            retry.attempt = last.number + 1
            retry.startedAt = nil
            return .decided(.run(retry, backoff: backoff))
        }
        if let skip = skipReason(step) { return .decided(.skip(step: step.id, reason: skip, verdict: nil)) }
        switch conditionHolds(step) {
        case .holds: break
        case .doesNotHold(let reason): return .decided(.skip(step: step.id, reason: reason, verdict: nil))
        case .failure(let code, let message):
            return .decided(.failBeforeCall(step: step.id, code: code, message: message))
        }
        switch resolveParameters(parameters, action: name) {
        case .resolved(let values):
            return .decided(.run(StepCall(step: step.id, action: name, parameters: values, attempt: 1), backoff: .zero))
        case .invalid(let message, let deferred):
            if state.definition.mode == .dryRun && deferred {
                return .decided(
                    .skip(
                        step: step.id,
                        reason: message,
                        verdict: "not checked: its parameters come from steps that change nothing in a dry-run"
                    )
                )
            }
            return .decided(.failBeforeCall(step: step.id, code: "InvalidParameter", message: message))
        }
    }

    static func backoff(_ policy: RetryPolicy?, spent: Int) -> Duration {
        guard let policy, spent > 0 else { return .zero }
        let factor = pow(policy.backoffMultiplier, Double(spent - 1))
        return policy.initialBackoff * factor
    }

    // MARK: Undo

    private func nextUndo() -> Decision {
        guard state.undoStarted else {
            return .startUndo(reason: state.failureReason.map { "on_failure: undo after \($0)" } ?? "undo requested")
        }
        var failed: [String] = []
        for stepID in reversibleSteps() {
            let progress = state.progress(ofStep: stepID)
            switch progress.undo {
            case .succeeded?: continue
            case .failed?: failed.append(stepID)
            // An undo with no result is repeated: it restores captured prior state, so a second call sets the same.
            case .started?, nil:
                guard let step = state.definition.step(withID: stepID), case .action(let name, _, _, _, _) = step.kind
                else { continue }
                // A step that failed after capturing its prior state is restored to what it captured.
                let call = StepCall(
                    step: stepID,
                    action: name,
                    parameters: progress.result == nil
                        ? progress.attempts.last?.parameters ?? [:] : progress.succeededParameters,
                    attempt: progress.attempts.last?.number ?? 1
                )
                return .undo(
                    call,
                    priorState: progress.result.map { $0.priorState ?? .null } ?? progress.capturedPriorState ?? .null
                )
            }
        }
        return .finishUndo(failedSteps: failed)
    }

    /// Steps `remedy undo` can reverse, newest first: the completed reversible ones, and before them any
    /// reversible step that failed after journaling its prior state (it may have changed something before it
    /// failed: a quarantine whose second swap failed left the instance in its first group).
    func reversibleSteps() -> [String] {
        guard state.definition.mode == .live else { return [] }
        func isReversible(_ stepID: String) -> Bool {
            guard case .action(_, _, true, true, _)? = state.definition.step(withID: stepID)?.kind else { return false }
            return true
        }
        let completed = state.completionOrder.reversed().filter(isReversible)
        let failedAfterCapture = state.plannedSteps.map(\.id).filter { stepID in
            let progress = state.progress(ofStep: stepID)
            return isReversible(stepID) && progress.result == nil && progress.capturedPriorState != nil
        }
        return failedAfterCapture.reversed() + completed
    }

    // MARK: Expressions

    /// What expressions read now: the finding, inputs, the run, and the outputs of settled steps (a skipped or
    /// failed step reads as having no outputs).
    var scope: ExpressionScope {
        var steps: [String: [String: JSONValue]] = [:]
        for (id, progress) in state.steps {
            if let result = progress.result {
                steps[id] = result.outputs
            } else if progress.skipped != nil || progress.failedBeforeCall != nil || !progress.attempts.isEmpty {
                steps[id] = [:]
            }
        }
        return ExpressionScope(
            finding: state.definition.finding,
            inputs: state.definition.inputs,
            steps: steps,
            run: state.definition.runScope
        )
    }

    /// The steps approving `gate` lets run (those it is the last gate of) that will run, each with its action and
    /// resolved parameters; a step whose condition reads an output not known yet is listed with it.
    private func guardedSteps(by gate: String) -> [String] {
        state.plannedSteps.compactMap { step in
            guard step.gatedBy.last == gate, skipReason(step) == nil,
                case .action(let name, let parameters, _, _, _) = step.kind
            else { return nil }
            var condition = ""
            switch conditionHolds(step) {
            case .holds: break
            case .doesNotHold: return nil
            case .failure:
                if case .decidedAtRunTime(let source) = step.disposition { condition = ", if \(source)" }
            }
            let values = parameters.sorted { $0.key < $1.key }.map { name, value in
                "\(name) \(resolve(value)?.interpolated ?? "(from an earlier step)")"
            }
            // An action that takes nothing but the finding (guardduty.archive_finding) is listed without "()".
            let shown = values.isEmpty ? "" : " (\(values.joined(separator: "; ")))"
            return "\(step.id): \(name)\(shown)\(condition)"
        }
    }

    private func skipReason(_ step: PlannedStep) -> String? {
        if case .skipped(let reason) = step.disposition { return reason }
        return nil
    }

    private enum ConditionOutcome {
        case holds
        case doesNotHold(String)
        case failure(code: String, message: String)
    }

    private func conditionHolds(_ step: PlannedStep) -> ConditionOutcome {
        guard case .decidedAtRunTime(let source) = step.disposition else { return .holds }
        do {
            let template: Template
            if source.contains("{{") {
                template = try Template(parsing: source)
            } else {
                template = Template(
                    parts: [.expression(try ExpressionParser().parse(source), source: source)],
                    source: source
                )
            }
            switch try template.evaluate(in: scope) {
            case .value(let value): return value.isTruthy ? .holds : .doesNotHold("condition \(source) is false")
            case .deferred(let path):
                return .failure(
                    code: "ConditionNotKnown",
                    message: "condition \(source) reads \(path), which is not known"
                )
            }
        } catch {
            return .failure(code: "ConditionError", message: "condition \(source): \(error.message)")
        }
    }

    private func resolve(_ value: PlanValue) -> JSONValue? {
        switch value {
        case .known(let known): return known
        case .deferred(let source, _):
            guard let template = try? TemplateValue(source: source),
                case .value(let resolved)? = try? template.evaluate(in: scope)
            else { return nil }
            return resolved
        }
    }

    private enum Resolution {
        case resolved([String: JSONValue])
        case invalid(String, deferred: Bool)
    }

    /// Resolves deferred parameters from earlier steps' outputs and checks them against the action's types.
    private func resolveParameters(_ parameters: [String: PlanValue], action: String) -> Resolution {
        guard let descriptor = catalog.action(named: action) else {
            return .invalid("unknown action '\(action)'", deferred: false)
        }
        var values: [String: JSONValue] = [:]
        for (name, value) in parameters {
            guard case .deferred(let source, let waitingFor) = value else {
                if case .known(let known) = value { values[name] = known }
                continue
            }
            let what = "parameter '\(name)' (\(source.jsonText()))"
            let evaluation: Evaluation
            do {
                evaluation = try TemplateValue(source: source).evaluate(in: scope)
            } catch {
                return .invalid("\(what): \(error.message)", deferred: true)
            }
            guard case .value(let resolved) = evaluation else {
                return .invalid("\(what) reads \(waitingFor), which no earlier step produced", deferred: true)
            }
            guard let spec = descriptor.parameter(named: name) else {
                return .invalid("\(action) takes no parameter '\(name)'", deferred: true)
            }
            if resolved == .null {
                if spec.isRequired { return .invalid("\(what) gives nothing", deferred: true) }
                continue
            }
            do {
                values[name] = try spec.type.validate(resolved)
            } catch {
                return .invalid("\(what): \(error.message)", deferred: true)
            }
        }
        return .resolved(values)
    }
}

extension TemplateValue {
    /// Rebuilds a value from the form a plan shows it in (`TemplateValue.source`): strings with `{{` are templates.
    init(source: JSONValue) throws(ExpressionError) {
        switch source {
        case .string(let text) where text.contains("{{"):
            self = .template(try Template(parsing: text))
        case .array(let elements):
            self = .list(try elements.map { (element) throws(ExpressionError) in try TemplateValue(source: element) })
        case .object(let members):
            var values: [String: TemplateValue] = [:]
            for (key, member) in members { values[key] = try TemplateValue(source: member) }
            self = .map(values)
        default:
            self = .literal(source)
        }
    }
}
