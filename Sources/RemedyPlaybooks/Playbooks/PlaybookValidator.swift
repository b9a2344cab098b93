import RemedyCore

/// Checks a parsed playbook against the action catalogue: actions and parameters exist and have the right types,
/// step references point at earlier steps and real outputs, and approval requirements are met.
public struct PlaybookValidator: Sendable {
    public let catalog: ActionCatalog

    public init(catalog: ActionCatalog) {
        self.catalog = catalog
    }

    /// Outputs every approval step provides.
    public static let approvalOutputs = [OutputSpec("approved_by", .list(.string), summary: "who approved")]

    /// Members `run.<name>` may use.
    public static let runMembers: Set<String> = ["id", "playbook", "initiator", "dry_run", "started_at"]

    public func validate(_ playbook: Playbook) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var earlierSteps: [String: Step] = [:]
        var seenApproval = false
        let inputNames = Set(playbook.inputs.map(\.name))

        let fileLocation = playbook.location
        if let role = playbook.targetRole {
            diagnostics += check(
                role.expressions,
                allowing: [.finding, .inputs, .run],
                inputs: inputNames,
                steps: [:],
                what: "target.role",
                at: fileLocation
            )
        }
        for input in playbook.inputs {
            diagnostics += check(
                input.value.expressions,
                allowing: [.finding, .run],
                inputs: [],
                steps: [:],
                what: "inputs.\(input.name)",
                at: input.location
            )
        }

        for step in playbook.steps {
            if earlierSteps[step.id] != nil {
                diagnostics.append(.error("duplicate step id '\(step.id)'", at: step.location))
                continue
            }
            if step.id == PendingCheck.exemptionCheckStep {
                diagnostics.append(
                    .error("step id '\(step.id)' is reserved for the exemption check remedy adds", at: step.location)
                )
            }
            if let condition = step.condition {
                diagnostics += check(
                    condition.expressions,
                    allowing: [.finding, .inputs, .steps, .run],
                    inputs: inputNames,
                    steps: earlierSteps,
                    what: "when",
                    at: step.location
                )
                diagnostics += nullComparisons(in: condition.expressions, steps: earlierSteps, at: step.location)
            }
            switch step.kind {
            case .approval(let gate):
                if let message = gate.message {
                    diagnostics += check(
                        message.expressions,
                        allowing: [.finding, .inputs, .steps, .run],
                        inputs: inputNames,
                        steps: earlierSteps,
                        what: "approve.message",
                        at: step.location
                    )
                }
                if gate.minimumApprovals > gate.approvers.count, gate.approvers.allSatisfy({ $0.hasPrefix("arn:") }) {
                    diagnostics.append(
                        .error(
                            "min_approvals is \(gate.minimumApprovals) but only \(gate.approvers.count) approvers are "
                                + "listed: the gate could never pass",
                            at: step.location
                        )
                    )
                }
                if step.condition == nil { seenApproval = true }
            case .action(let invocation):
                diagnostics += validate(
                    invocation,
                    of: step,
                    inputs: inputNames,
                    earlierSteps: earlierSteps,
                    policy: playbook.approvalPolicy,
                    gated: seenApproval
                )
            }
            earlierSteps[step.id] = step
        }
        return diagnostics
    }

    private func validate(
        _ invocation: ActionInvocation,
        of step: Step,
        inputs: Set<String>,
        earlierSteps: [String: Step],
        policy: Playbook.ApprovalPolicy,
        gated: Bool
    ) -> [Diagnostic] {
        guard let descriptor = catalog.action(named: invocation.name) else {
            let hint = catalog.suggestions(for: invocation.name).first.map { "; did you mean '\($0)'?" } ?? ""
            return [.error("unknown action '\(invocation.name)'\(hint)", at: step.location)]
        }
        var diagnostics: [Diagnostic] = []
        for (name, value) in invocation.parameters.sorted(by: { $0.key < $1.key }) {
            let location = invocation.parameterLocations[name] ?? step.location
            guard let spec = descriptor.parameter(named: name) else {
                let names = descriptor.parameters.map(\.name)
                let hint = closestNames(to: name, among: names).first.map { "; did you mean '\($0)'?" } ?? ""
                let known = names.isEmpty ? "it takes none" : "it takes \(names.joined(separator: ", "))"
                diagnostics.append(
                    .error("\(invocation.name) has no parameter '\(name)'\(hint) (\(known))", at: location)
                )
                continue
            }
            diagnostics += check(
                value.expressions,
                allowing: [.finding, .inputs, .steps, .run],
                inputs: inputs,
                steps: earlierSteps,
                what: "with.\(name)",
                at: location
            )
            if let problem = typeProblem(value, spec.type, earlierSteps: earlierSteps) {
                diagnostics.append(.error("\(invocation.name) parameter '\(name)': \(problem)", at: location))
            }
        }
        for spec in descriptor.parameters where spec.isRequired && invocation.parameters[spec.name] == nil {
            diagnostics.append(
                .error(
                    "\(invocation.name) needs parameter '\(spec.name)' (\(spec.type)): \(spec.summary)",
                    at: step.location
                )
            )
        }
        let needsGate =
            switch policy {
            case .none: false
            case .destructive: descriptor.isDisruptive
            case .mutating: descriptor.isMutating
            }
        if needsGate, !gated {
            diagnostics.append(
                .error(
                    "\(invocation.name) is \(policy == .destructive ? "disruptive" : "mutating") and the playbook says "
                        + "require_approval_for: \(policy.rawValue), but no unconditional approval step comes before "
                        + "step '\(step.id)'",
                    at: step.location
                )
            )
        }
        return diagnostics
    }

    /// Checks a literal against its type now; a whole-value reference to a step output against the output's type.
    private func typeProblem(_ value: TemplateValue, _ type: ValueType, earlierSteps: [String: Step]) -> String? {
        switch value {
        case .literal(let literal):
            do {
                _ = try type.validate(literal)
                return nil
            } catch {
                return error.message
            }
        case .template(let template):
            guard template.parts.count == 1, case .expression(.path(let path), _) = template.parts[0],
                path.root == .steps, path.components.count == 2,
                let outputType = outputType(of: path, earlierSteps: earlierSteps)
            else { return nil }
            return Self.isAssignable(outputType, to: type) ? nil : "\(path) is of type \(outputType), expected \(type)"
        case .list(let elements):
            guard case .list(let elementType) = type else {
                if case .any = type { return nil }
                return "expected \(type), got a list"
            }
            for (index, element) in elements.enumerated() {
                if let problem = typeProblem(element, elementType, earlierSteps: earlierSteps) {
                    return "item \(index): \(problem)"
                }
            }
            return nil
        case .map(let members):
            switch type {
            case .any: return nil
            case .map(let valueType):
                for key in members.keys.sorted() {
                    if let member = members[key],
                        let problem = typeProblem(member, valueType, earlierSteps: earlierSteps)
                    {
                        return "\(key): \(problem)"
                    }
                }
                return nil
            default: return "expected \(type), got a mapping"
            }
        }
    }

    static func isAssignable(_ source: ValueType, to target: ValueType) -> Bool {
        switch (source, target) {
        case (_, .any), (.any, _): true
        case (.identifier, .string), (.oneOf, .string): true
        case (.identifier(.iamUserName), .identifier(.iamPrincipalName)),
            (.identifier(.iamRoleName), .identifier(.iamPrincipalName)):
            true
        case (.list(let element), .list(let targetElement)): isAssignable(element, to: targetElement)
        case (.list, _): false
        case (_, .list(let targetElement)): isAssignable(source, to: targetElement)
        default: source == target
        }
    }

    private func outputType(of path: ExpressionPath, earlierSteps: [String: Step]) -> ValueType? {
        let members = path.leadingMembers
        guard members.count >= 2, let step = earlierSteps[members[0]] else { return nil }
        switch step.kind {
        case .approval: return Self.approvalOutputs.first { $0.name == members[1] }?.type
        case .action(let invocation): return catalog.action(named: invocation.name)?.output(named: members[1])?.type
        }
    }

    /// Warns about `steps.x.output == null` (or `!=`) where the output is never null.
    ///
    /// The guard cannot tell "nothing there" (an empty list, a value always set) from a result, so the step it guards
    /// always runs or never. A step with a condition of its own may be skipped and then sets nothing: comparing its
    /// output with null is how a later step asks whether it ran.
    private func nullComparisons(
        in expressions: [Expression],
        steps earlierSteps: [String: Step],
        at location: SourceLocation?
    ) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        func visit(_ expression: Expression) {
            switch expression {
            case .binary(let op, let left, let right):
                if op == .equal || op == .notEqual, let path = comparedWithNull(left, right),
                    path.root == .steps, case let members = path.leadingMembers, members.count == 2,
                    path.components.count == 2,
                    let compared = earlierSteps[members[0]], compared.condition == nil,
                    case .action(let invocation) = compared.kind,
                    let output = catalog.action(named: invocation.name)?.output(named: members[1]), !output.isNullable
                {
                    diagnostics.append(
                        .warning(
                            "when: \(path) is never null (\(invocation.name) always sets \(output.name)), so this "
                                + "condition is always \(op == .notEqual ? "true" : "false")",
                            at: location
                        )
                    )
                }
                visit(left)
                visit(right)
            case .not(let operand): visit(operand)
            case .list(let elements): elements.forEach(visit)
            case .literal, .path: break
            }
        }
        expressions.forEach(visit)
        return diagnostics
    }

    private func comparedWithNull(_ left: Expression, _ right: Expression) -> ExpressionPath? {
        switch (left, right) {
        case (.path(let path), .literal(.null)), (.literal(.null), .path(let path)): path
        default: nil
        }
    }

    /// Checks every path an expression reads: its root is allowed here, and what it names exists.
    private func check(
        _ expressions: [Expression],
        allowing roots: Set<ExpressionPath.Root>,
        inputs: Set<String>,
        steps earlierSteps: [String: Step],
        what: String,
        at location: SourceLocation?
    ) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for path in expressions.flatMap(\.paths) {
            guard roots.contains(path.root) else {
                diagnostics.append(.error("\(what) cannot read '\(path.root.rawValue)' here (\(path))", at: location))
                continue
            }
            if let problem = problem(with: path, inputs: inputs, earlierSteps: earlierSteps) {
                diagnostics.append(.error("\(what): \(problem)", at: location))
            }
        }
        return diagnostics
    }

    private func problem(with path: ExpressionPath, inputs: Set<String>, earlierSteps: [String: Step]) -> String? {
        let members = path.leadingMembers
        switch path.root {
        case .finding:
            guard let first = members.first else { return nil }
            guard Finding.expressionMembers.contains(first) else {
                let hint = closestNames(to: first, among: Finding.expressionMembers).first.map {
                    "; did you mean '\($0)'?"
                }
                return "finding has no field '\(first)'\(hint ?? "")"
            }
            if first == "resources", path.components.count >= 3, case .member(let field) = path.components[2],
                !FindingResource.expressionMembers.contains(field)
            {
                return "finding resources have no field '\(field)'"
            }
            return nil
        case .inputs:
            guard let name = members.first else { return "use inputs.<name>" }
            return inputs.contains(name) ? nil : "no input named '\(name)' is declared under inputs"
        case .run:
            guard let name = members.first else { return nil }
            return Self.runMembers.contains(name) ? nil : "run has no field '\(name)'"
        case .steps:
            guard members.count >= 2 else { return "use steps.<id>.<output>" }
            guard let step = earlierSteps[members[0]] else {
                return "'\(path)' refers to step '\(members[0])', which does not exist or does not come before this one"
            }
            let outputs: [OutputSpec]
            switch step.kind {
            case .approval: outputs = Self.approvalOutputs
            case .action(let invocation): outputs = catalog.action(named: invocation.name)?.outputs ?? []
            }
            guard step.action.map({ catalog.action(named: $0.name) != nil }) ?? true else { return nil }
            guard outputs.contains(where: { $0.name == members[1] }) else {
                let names = outputs.map(\.name)
                let list = names.isEmpty ? "it has no outputs" : "its outputs are \(names.joined(separator: ", "))"
                return "step '\(members[0])' has no output '\(members[1])' (\(list))"
            }
            return nil
        }
    }
}
