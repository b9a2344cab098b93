import RemedyCore

extension RunDefinition {
    /// The run of `plan` for `finding`: what `run.created` journals.
    ///
    /// Inputs and the target role known only once the run exists (they read `run.id`) are resolved here. A target
    /// role that does not resolve to a role ARN is kept as `targetRoleProblem`, and the run fails before any call:
    /// it must never fall back to the caller's own identity.
    init(plan: Plan, finding: Finding, initiator: String, mode: ExecutionMode, runID: String, startedAt: String) {
        self.init(
            runID: runID,
            playbook: plan.playbook,
            findingID: finding.id,
            dedupeKey: Self.dedupeKey(of: finding, playbook: plan.playbook, mode: mode, runID: runID),
            initiator: initiator,
            mode: mode,
            account: finding.account,
            region: finding.region,
            resource: finding.resources.first.map { $0.arn ?? "\(finding.account):\(finding.region):\($0.id)" }
                ?? "\(finding.account):\(finding.region):\(finding.id)",
            finding: finding.expressionValue,
            startedAt: startedAt,
            steps: plan.steps,
            limits: plan.limits
        )
        inputs = Self.resolve(plan.inputs, finding: self.finding, run: runScope)
        switch plan.targetRole {
        case .known(let role)?:
            targetRole = role.stringValue
        case .deferred(let source, _)?:
            let scope = ExpressionScope(finding: self.finding, inputs: inputs, run: runScope)
            do {
                guard case .value(let role) = try TemplateValue(source: source).evaluate(in: scope) else {
                    targetRoleProblem = "the target role's template does not resolve to a value"
                    break
                }
                targetRole = try ValueType.identifier(.roleARN).validate(role).stringValue
            } catch {
                targetRoleProblem = "the target role does not resolve to a role ARN: \(error)"
            }
        case nil:
            break
        }
    }

    /// The plan's inputs with those that waited for the run resolved, in as many passes as inputs that read other
    /// inputs need; one that never resolves is left out.
    private static func resolve(
        _ planned: [String: PlanValue],
        finding: JSONValue,
        run: [String: JSONValue]
    ) -> [String: JSONValue] {
        var inputs: [String: JSONValue] = [:]
        var deferred: [String: JSONValue] = [:]
        for (name, value) in planned {
            switch value {
            case .known(let known): inputs[name] = known
            case .deferred(let source, _): deferred[name] = source
            }
        }
        var progress = true
        while progress, !deferred.isEmpty {
            progress = false
            let scope = ExpressionScope(finding: finding, inputs: inputs, run: run)
            for (name, source) in deferred {
                guard case .value(let value)? = try? TemplateValue(source: source).evaluate(in: scope) else { continue }
                inputs[name] = value
                deferred[name] = nil
                progress = true
            }
        }
        return inputs
    }
}

extension RunDefinition {
    /// What `run.<name>` reads.
    var runScope: [String: JSONValue] {
        [
            "id": .string(runID),
            "playbook": .string(playbook),
            "initiator": .string(initiator),
            "dry_run": .bool(mode == .dryRun),
            "started_at": .string(startedAt),
        ]
    }
}
