/// A value written in a playbook (`with:` parameters, `inputs:`): literals, templates, and lists and maps of them.
public indirect enum TemplateValue: Sendable, Hashable {
    case literal(JSONValue)
    case template(Template)
    case list([TemplateValue])
    case map([String: TemplateValue])

    /// Every expression inside the value.
    public var expressions: [Expression] {
        switch self {
        case .literal: []
        case .template(let template): template.expressions
        case .list(let elements): elements.flatMap(\.expressions)
        case .map(let members): members.keys.sorted().flatMap { members[$0]?.expressions ?? [] }
        }
    }

    /// The value as written, for showing a deferred parameter in a plan.
    public var source: JSONValue {
        switch self {
        case .literal(let value): value
        case .template(let template): .string(template.source)
        case .list(let elements): .array(elements.map(\.source))
        case .map(let members): .object(members.mapValues(\.source))
        }
    }

    public func evaluate(in scope: ExpressionScope) throws(ExpressionError) -> Evaluation {
        switch self {
        case .literal(let value):
            return .value(value)
        case .template(let template):
            return try template.evaluate(in: scope)
        case .list(let elements):
            return try Evaluation.all(elements) { (element) throws(ExpressionError) in try element.evaluate(in: scope) }
        case .map(let members):
            var values: [String: JSONValue] = [:]
            for (key, member) in members {
                switch try member.evaluate(in: scope) {
                case .value(let value): values[key] = value
                case .deferred(let path): return .deferred(path)
                }
            }
            return .value(.object(values))
        }
    }
}
