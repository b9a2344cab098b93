/// A string from a playbook that may embed `{{ expressions }}`.
///
/// A template that is exactly one expression keeps the expression's type (a list stays a list); otherwise the
/// pieces are rendered into a string.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case text(String)
        case expression(Expression, source: String)
    }

    public var parts: [Part]
    /// The template as written.
    public var source: String

    public init(parts: [Part], source: String) {
        self.parts = parts
        self.source = source
    }

    /// Parses `{{ ... }}` placeholders in `text`.
    public init(parsing text: String) throws(ExpressionError) {
        var parts: [Part] = []
        var rest = text[...]
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else {
                throw ExpressionError("'{{' without a closing '}}'")
            }
            let source = afterOpen[..<close.lowerBound].trimmingWhitespace()
            guard !source.isEmpty else { throw ExpressionError("empty '{{ }}'") }
            parts.append(.expression(try ExpressionParser().parse(source), source: source))
            rest = afterOpen[close.upperBound...]
        }
        if rest.contains("}}") { throw ExpressionError("'}}' without an opening '{{'") }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.init(parts: parts, source: text)
    }

    public var description: String { source }

    /// True when the template holds no expression.
    public var isLiteral: Bool {
        parts.allSatisfy {
            if case .text = $0 { return true }
            return false
        }
    }

    public var expressions: [Expression] {
        parts.compactMap {
            if case .expression(let expression, _) = $0 { return expression }
            return nil
        }
    }

    /// Evaluates the template: one whole expression keeps its type, anything else becomes a string.
    public func evaluate(in scope: ExpressionScope) throws(ExpressionError) -> Evaluation {
        if parts.count == 1, case .expression(let expression, _) = parts[0] {
            return try expression.evaluate(in: scope)
        }
        var text = ""
        for part in parts {
            switch part {
            case .text(let value):
                text += value
            case .expression(let expression, _):
                switch try expression.evaluate(in: scope) {
                case .value(let value): text += value.interpolated
                case .deferred(let path): return .deferred(path)
                }
            }
        }
        return .value(.string(text))
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
