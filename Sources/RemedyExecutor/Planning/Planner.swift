import RemedyCore

/// Resolves playbooks against a finding into plans: which playbooks apply, and the exact steps each would run.
///
/// Planning needs no network: values known only during a run (step outputs, the run id) stay marked as deferred.
/// Every parameter known now is checked against its type, so an identifier from a hostile finding stops the plan
/// here, before any API call could carry it.
public struct Planner: Sendable {
    public let catalog: ActionCatalog

    public init(catalog: ActionCatalog) {
        self.catalog = catalog
    }

    /// What became of one playbook for one finding.
    public enum Outcome: Sendable, Hashable {
        case planned(Plan)
        case notMatched(playbook: String, reason: String)
        /// The playbook matches, but the finding's values cannot be used safely: no step of it may run.
        case refused(playbook: String, reason: String)
    }

    /// One outcome per playbook, in the order given.
    public func outcomes(
        for finding: Finding,
        playbooks: [Playbook],
        run: [String: JSONValue] = [:]
    ) -> [Outcome] {
        playbooks.map { playbook in
            switch playbook.match.decide(finding) {
            case .notMatched(let reason):
                return .notMatched(playbook: playbook.name, reason: reason)
            case .matched(let pendingChecks):
                do throws(PlanningError) {
                    return .planned(try plan(playbook, for: finding, run: run, pendingChecks: pendingChecks))
                } catch {
                    return .refused(playbook: playbook.name, reason: error.message)
                }
            }
        }
    }

    /// The plan of one playbook that matches `finding`.
    public func plan(
        _ playbook: Playbook,
        for finding: Finding,
        run: [String: JSONValue] = [:],
        pendingChecks: [PendingCheck] = []
    ) throws(PlanningError) -> Plan {
        var scope = ExpressionScope(finding: finding.expressionValue, run: run)
        var inputs: [String: PlanValue] = [:]
        for input in playbook.inputs {
            let value = try evaluate(input.value, in: scope, what: "input '\(input.name)'")
            inputs[input.name] = value
            if case .known(let known) = value { scope.inputs[input.name] = known }
        }

        var targetRole: PlanValue?
        if let role = playbook.targetRole {
            targetRole = try evaluate(.template(role), in: scope, what: "target.role")
            if case .known(let value)? = targetRole {
                _ = try check(value, against: .identifier(.roleARN), what: "target.role")
            }
        }

        var steps = try exemptionChecks(pendingChecks)
        var gates: [String] = []
        for step in playbook.steps {
            let disposition = try disposition(of: step, in: scope)
            let kind: PlannedStep.Kind
            switch step.kind {
            case .approval(let gate):
                kind = .approval(
                    PlannedGate(
                        approvers: gate.approvers,
                        minimumApprovals: gate.minimumApprovals,
                        timeout: gate.timeout,
                        message: try gate.message.map { (message) throws(PlanningError) in
                            try evaluate(.template(message), in: scope, what: "step '\(step.id)' message")
                        },
                        scope: gate.scope
                    )
                )
            case .action(let invocation):
                guard let descriptor = catalog.action(named: invocation.name) else {
                    throw PlanningError("step '\(step.id)': unknown action '\(invocation.name)'")
                }
                // A skipped step never runs, so its parameters are shown when they resolve and never block the plan.
                let resolved =
                    disposition.isSkipped
                    ? (try? parameters(of: invocation, descriptor: descriptor, step: step, in: scope)) ?? [:]
                    : try parameters(of: invocation, descriptor: descriptor, step: step, in: scope)
                kind = .action(
                    name: descriptor.name,
                    parameters: resolved,
                    isMutating: descriptor.isMutating,
                    isReversible: descriptor.isReversible,
                    permissions: descriptor.permissions
                )
            }
            steps.append(
                PlannedStep(
                    id: step.id,
                    kind: kind,
                    disposition: disposition,
                    gatedBy: gates,
                    onFailure: step.onFailure,
                    retry: step.retry,
                    timeout: step.timeout
                )
            )
            if step.approval != nil, !disposition.isSkipped { gates.append(step.id) }
        }

        return Plan(
            playbook: playbook.name,
            playbookLocation: playbook.location,
            findingID: finding.id,
            targetRole: targetRole,
            inputs: inputs,
            pendingChecks: pendingChecks,
            steps: steps,
            limits: limits(of: playbook)
        )
    }

    /// The steps that settle what the finding could not, before any of the playbook's: a resource exempt by tag
    /// whose tags the finding did not carry is read, and the run stops there if it is exempt or cannot be read.
    private func exemptionChecks(_ checks: [PendingCheck]) throws(PlanningError) -> [PlannedStep] {
        try checks.map { (check) throws(PlanningError) in
            switch check {
            case .exemptionTags(let type, let resource, let tags):
                guard let descriptor = catalog.action(named: PendingCheck.exemptionCheckAction) else {
                    throw PlanningError("the playbook exempts resources by tag, and this catalogue cannot read tags")
                }
                return PlannedStep(
                    id: PendingCheck.exemptionCheckStep,
                    kind: .action(
                        name: descriptor.name,
                        parameters: [
                            "resource_type": .known(.string(type)), "resource": .known(.string(resource)),
                            "tags": .known(.object(tags.mapValues(JSONValue.string))),
                        ],
                        isMutating: false,
                        isReversible: false,
                        permissions: descriptor.permissions
                    ),
                    disposition: .will,
                    gatedBy: [],
                    onFailure: .abort
                )
            }
        }
    }

    /// The playbook's caps, approved by its `limits.approvers` or else by everyone who approves its gates.
    private func limits(of playbook: Playbook) -> RunLimits? {
        let limits = playbook.limits
        guard limits.isCapped else { return nil }
        var approvers = limits.approvers
        if approvers.isEmpty {
            for case .approval(let gate) in playbook.steps.map(\.kind) {
                for approver in gate.approvers where !approvers.contains(approver) { approvers.append(approver) }
            }
        }
        return RunLimits(
            maximumRunsPerHour: limits.maximumRunsPerHour,
            maximumConcurrentRuns: limits.maximumConcurrentRuns,
            approvers: approvers,
            timeout: limits.approvalTimeout
        )
    }

    private func disposition(of step: Step, in scope: ExpressionScope) throws(PlanningError) -> PlannedStep.Disposition
    {
        guard let condition = step.condition else { return .will }
        do {
            switch try condition.evaluate(in: scope) {
            case .value(let value):
                return value.isTruthy ? .will : .skipped(reason: "condition \(condition.source) is false")
            case .deferred:
                return .decidedAtRunTime(condition: condition.source)
            }
        } catch {
            throw PlanningError("step '\(step.id)' when: \(error.message)")
        }
    }

    private func parameters(
        of invocation: ActionInvocation,
        descriptor: ActionDescriptor,
        step: Step,
        in scope: ExpressionScope
    ) throws(PlanningError) -> [String: PlanValue] {
        var values: [String: PlanValue] = [:]
        for spec in descriptor.parameters {
            let what = "step '\(step.id)' parameter '\(spec.name)'"
            guard let written = invocation.parameters[spec.name] else {
                if let defaultValue = spec.defaultValue { values[spec.name] = .known(defaultValue) }
                continue
            }
            switch try evaluate(written, in: scope, what: what) {
            case .known(let value):
                guard value != .null || !spec.isRequired else {
                    throw PlanningError("\(what): \(written.source.jsonText()) gives nothing for this finding")
                }
                values[spec.name] = value == .null ? nil : .known(try check(value, against: spec.type, what: what))
            case let deferred:
                values[spec.name] = deferred
            }
        }
        return values
    }

    private func evaluate(
        _ value: TemplateValue,
        in scope: ExpressionScope,
        what: String
    ) throws(PlanningError)
        -> PlanValue
    {
        do {
            switch try value.evaluate(in: scope) {
            case .value(let result): return .known(result)
            case .deferred(let path): return .deferred(template: value.source, waitingFor: path.description)
            }
        } catch {
            throw PlanningError("\(what): \(error.message)")
        }
    }

    private func check(_ value: JSONValue, against type: ValueType, what: String) throws(PlanningError) -> JSONValue {
        do {
            return try type.validate(value)
        } catch {
            throw PlanningError("\(what): \(error.message)")
        }
    }
}

/// Why a matching playbook cannot be planned for a finding; the message names the step and parameter.
public struct PlanningError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
