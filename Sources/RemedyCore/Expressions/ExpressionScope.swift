/// What expressions can read while a plan is built or a run executes.
public struct ExpressionScope: Sendable, Hashable {
    public var finding: JSONValue
    public var inputs: [String: JSONValue]
    /// Outputs of steps that have completed.
    ///
    /// A step absent here has not run yet: reading it defers evaluation.
    public var steps: [String: [String: JSONValue]]
    public var run: [String: JSONValue]

    public init(
        finding: JSONValue,
        inputs: [String: JSONValue] = [:],
        steps: [String: [String: JSONValue]] = [:],
        run: [String: JSONValue] = [:]
    ) {
        self.finding = finding
        self.inputs = inputs
        self.steps = steps
        self.run = run
    }
}

/// The result of evaluating an expression: a value, or the first path that is not known yet.
public enum Evaluation: Sendable, Hashable {
    case value(JSONValue)
    /// The expression reads something known only later (a step's output, the run id of a run not yet started).
    case deferred(ExpressionPath)

    /// Evaluates each element into a list, deferring as soon as one element does.
    static func all<Element>(
        _ elements: some Sequence<Element>,
        _ evaluate: (Element) throws(ExpressionError) -> Evaluation
    ) throws(ExpressionError) -> Evaluation {
        var values: [JSONValue] = []
        for element in elements {
            switch try evaluate(element) {
            case .value(let value): values.append(value)
            case .deferred(let path): return .deferred(path)
            }
        }
        return .value(.array(values))
    }
}

extension Expression {
    /// Evaluates the expression; a path into something not yet known defers instead of failing.
    public func evaluate(in scope: ExpressionScope) throws(ExpressionError) -> Evaluation {
        switch self {
        case .literal(let value):
            return .value(value)
        case .path(let path):
            return path.resolve(in: scope)
        case .list(let elements):
            return try Evaluation.all(elements) { (element) throws(ExpressionError) in try element.evaluate(in: scope) }
        case .not(let operand):
            switch try operand.evaluate(in: scope) {
            case .value(let value): return .value(.bool(!value.isTruthy))
            case .deferred(let path): return .deferred(path)
            }
        case .binary(let op, let left, let right):
            let leftResult = try left.evaluate(in: scope)
            // `and` / `or` decide on their left operand when they can, even if the right one is not known yet.
            if case .value(let leftValue) = leftResult {
                if op == .and, !leftValue.isTruthy { return .value(.bool(false)) }
                if op == .or, leftValue.isTruthy { return .value(.bool(true)) }
            }
            let rightResult = try right.evaluate(in: scope)
            switch (leftResult, rightResult) {
            case (.deferred(let path), _), (_, .deferred(let path)):
                return .deferred(path)
            case (.value(let leftValue), .value(let rightValue)):
                return .value(try op.apply(leftValue, rightValue))
            }
        }
    }
}

extension ExpressionPath {
    func resolve(in scope: ExpressionScope) -> Evaluation {
        var remaining = components[...]
        var value: JSONValue
        switch root {
        case .finding:
            value = scope.finding
        case .inputs:
            // An input absent from the scope is one whose value is known only during the run.
            guard case .member(let name)? = remaining.first else { return .value(.object(scope.inputs)) }
            guard let known = scope.inputs[name] else { return .deferred(self) }
            value = known
            remaining = remaining.dropFirst()
        case .run:
            guard case .member(let name)? = remaining.first else { return .value(.object(scope.run)) }
            guard let known = scope.run[name] else { return .deferred(self) }
            value = known
            remaining = remaining.dropFirst()
        case .steps:
            guard case .member(let stepID)? = remaining.first else { return .deferred(self) }
            guard let outputs = scope.steps[stepID] else { return .deferred(self) }
            value = .object(outputs)
            remaining = remaining.dropFirst()
        }
        for component in remaining {
            switch component {
            case .member(let name): value = value[name] ?? .null
            case .index(let index): value = value[index] ?? .null
            }
        }
        return .value(value)
    }
}

extension Expression.BinaryOperator {
    func apply(_ left: JSONValue, _ right: JSONValue) throws(ExpressionError) -> JSONValue {
        switch self {
        case .equal: return .bool(left == right)
        case .notEqual: return .bool(left != right)
        case .and: return .bool(left.isTruthy && right.isTruthy)
        case .or: return .bool(left.isTruthy || right.isTruthy)
        case .in:
            switch right {
            case .array(let elements): return .bool(elements.contains(left))
            case .object(let members):
                guard case .string(let key) = left else { return .bool(false) }
                return .bool(members[key] != nil)
            case .string(let text):
                guard case .string(let part) = left else {
                    throw ExpressionError("'in' with a string on the right needs a string on the left")
                }
                return .bool(text.contains(part))
            case .null:
                return .bool(false)
            default:
                throw ExpressionError("'in' needs a list, object or string on the right, not a \(right.kindName)")
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order: Int
            switch (left, right) {
            case (.number(let a), .number(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
            case (.string(let a), .string(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
            default:
                throw ExpressionError("cannot compare a \(left.kindName) with a \(right.kindName) using '\(rawValue)'")
            }
            switch self {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        }
    }
}

extension JSONValue {
    /// How a value reads as a condition: null, false, zero and empty values are false.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .number(let value): value != 0
        case .string(let value): !value.isEmpty
        case .array(let value): !value.isEmpty
        case .object(let value): !value.isEmpty
        }
    }

    /// The value as it appears inside a longer string: scalars as text, lists of scalars comma-separated.
    public var interpolated: String {
        switch self {
        case .null: ""
        case .bool(let value): value ? "true" : "false"
        case .number(let value): JSONValue.format(value)
        case .string(let value): value
        case .array(let elements) where elements.allSatisfy(\.isScalar):
            elements.map(\.interpolated).joined(separator: ", ")
        case .array, .object: jsonText()
        }
    }

    public var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }
}
