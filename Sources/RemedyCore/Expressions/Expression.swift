/// An expression of the playbook language: a path into the run's context, a literal, or operators over them.
///
/// The language has no functions, loops or environment access, so evaluation is bounded by the size of the
/// expression and nothing a finding contains can run code.
public indirect enum Expression: Sendable, Hashable {
    case literal(JSONValue)
    case path(ExpressionPath)
    case list([Expression])
    case not(Expression)
    case binary(BinaryOperator, Expression, Expression)

    public enum BinaryOperator: String, Sendable, Hashable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case `in`
        case and
        case or
    }

    /// Every path the expression reads, in order of appearance.
    public var paths: [ExpressionPath] {
        switch self {
        case .literal: []
        case .path(let path): [path]
        case .list(let elements): elements.flatMap(\.paths)
        case .not(let operand): operand.paths
        case .binary(_, let left, let right): left.paths + right.paths
        }
    }
}

/// A path such as `finding.resources[0].id` or `steps.evidence.snapshot_ids`.
public struct ExpressionPath: Sendable, Hashable, CustomStringConvertible {
    public enum Root: String, Sendable, Hashable, CaseIterable {
        case finding
        case inputs
        case steps
        case run
    }

    public enum Component: Sendable, Hashable {
        case member(String)
        case index(Int)
    }

    public var root: Root
    public var components: [Component]

    public init(root: Root, components: [Component]) {
        self.root = root
        self.components = components
    }

    public var description: String {
        var text = root.rawValue
        for component in components {
            switch component {
            case .member(let name): text += ".\(name)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    /// The leading member names, up to the first index: `steps.evidence.snapshot_ids[0]` gives
    /// `["evidence", "snapshot_ids"]`.
    public var leadingMembers: [String] {
        var names: [String] = []
        for component in components {
            guard case .member(let name) = component else { break }
            names.append(name)
        }
        return names
    }
}
