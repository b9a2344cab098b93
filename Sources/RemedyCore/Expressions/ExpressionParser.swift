/// Parses expression text, the part between `{{` and `}}`.
///
/// Grammar (lowest precedence first):
/// ```
/// or         := and (("or" | "||") and)*
/// and        := not (("and" | "&&") not)*
/// not        := ("not" | "!") not | comparison
/// comparison := primary (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") primary)?
/// primary    := literal | path | "[" (or ("," or)*)? "]" | "(" or ")"
/// path       := root ("." name | "[" integer "]" | "[" string "]")*
/// ```
public struct ExpressionParser: Sendable {
    /// Longest expression text accepted, in characters.
    public static let maximumLength = 1024
    /// Deepest nesting of parentheses, lists and `not`.
    public static let maximumDepth = 32

    public init() {}

    public func parse(_ text: String) throws(ExpressionError) -> Expression {
        guard text.count <= Self.maximumLength else {
            throw ExpressionError("expression is longer than \(Self.maximumLength) characters")
        }
        var lexer = Lexer(text: text)
        var state = ParserState(tokens: try lexer.tokens())
        let expression = try state.parseOr(depth: 0)
        guard state.current == Token.end else {
            throw ExpressionError("unexpected \(state.current) after the expression")
        }
        return expression
    }
}

/// Why an expression could not be parsed or evaluated.
public struct ExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

private enum Token: Equatable, CustomStringConvertible {
    case identifier(String)
    case string(String)
    case number(Double)
    case symbol(String)
    case end

    var description: String {
        switch self {
        case .identifier(let name): "'\(name)'"
        case .string(let value): "string '\(value)'"
        case .number(let value): "number \(JSONValue.format(value))"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "end of expression"
        }
    }
}

private struct Lexer {
    let scalars: [Unicode.Scalar]
    var index = 0

    init(text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func tokens() throws(ExpressionError) -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token == .end { return tokens }
        }
    }

    mutating func next() throws(ExpressionError) -> Token {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
        guard index < scalars.count else { return .end }
        let scalar = scalars[index]
        if scalar == "'" || scalar == "\"" { return .string(try readString(quote: scalar)) }
        if ("0"..."9").contains(scalar)
            || (scalar == "-" && index + 1 < scalars.count && ("0"..."9").contains(scalars[index + 1]))
        {
            return try readNumber()
        }
        if scalar.isIdentifierStart {
            let start = index
            while index < scalars.count, scalars[index].isIdentifierContinue { index += 1 }
            return .identifier(String(String.UnicodeScalarView(scalars[start..<index])))
        }
        for symbol in ["==", "!=", "<=", ">=", "&&", "||"] where matches(symbol) {
            index += 2
            return .symbol(symbol)
        }
        if "<>!.[](),".unicodeScalars.contains(scalar) {
            index += 1
            return .symbol(String(scalar))
        }
        throw ExpressionError("unexpected character '\(scalar.escaped(asASCII: true))'")
    }

    func matches(_ symbol: String) -> Bool {
        let symbolScalars = Array(symbol.unicodeScalars)
        return index + symbolScalars.count <= scalars.count
            && Array(scalars[index..<index + symbolScalars.count]) == symbolScalars
    }

    mutating func readString(quote: Unicode.Scalar) throws(ExpressionError) -> String {
        index += 1
        var value = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == quote { return String(value) }
            if scalar == "\\", index < scalars.count {
                value.append(scalars[index])
                index += 1
            } else {
                value.append(scalar)
            }
        }
        throw ExpressionError("unterminated string")
    }

    mutating func readNumber() throws(ExpressionError) -> Token {
        let start = index
        index += 1
        while index < scalars.count, ("0"..."9").contains(scalars[index]) || scalars[index] == "." { index += 1 }
        let text = String(String.UnicodeScalarView(scalars[start..<index]))
        guard let value = Double(text) else { throw ExpressionError("invalid number '\(text)'") }
        return .number(value)
    }
}

extension Unicode.Scalar {
    fileprivate var isIdentifierStart: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) || self == "_" }
    fileprivate var isIdentifierContinue: Bool { isIdentifierStart || ("0"..."9").contains(self) || self == "-" }
}

private struct ParserState {
    let tokens: [Token]
    var position = 0

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    var current: Token { tokens[min(position, tokens.count - 1)] }

    mutating func advance() { position += 1 }

    mutating func accept(_ symbol: String) -> Bool {
        if current == .symbol(symbol) || current == .identifier(symbol) {
            advance()
            return true
        }
        return false
    }

    mutating func expect(_ symbol: String) throws(ExpressionError) {
        guard accept(symbol) else { throw ExpressionError("expected '\(symbol)' but found \(current)") }
    }

    func checkDepth(_ depth: Int) throws(ExpressionError) {
        guard depth < ExpressionParser.maximumDepth else {
            throw ExpressionError("expression nests deeper than \(ExpressionParser.maximumDepth) levels")
        }
    }

    mutating func parseOr(depth: Int) throws(ExpressionError) -> Expression {
        var expression = try parseAnd(depth: depth)
        while accept("or") || accept("||") {
            expression = .binary(.or, expression, try parseAnd(depth: depth))
        }
        return expression
    }

    mutating func parseAnd(depth: Int) throws(ExpressionError) -> Expression {
        var expression = try parseNot(depth: depth)
        while accept("and") || accept("&&") {
            expression = .binary(.and, expression, try parseNot(depth: depth))
        }
        return expression
    }

    mutating func parseNot(depth: Int) throws(ExpressionError) -> Expression {
        if accept("not") || accept("!") {
            try checkDepth(depth + 1)
            return .not(try parseNot(depth: depth + 1))
        }
        return try parseComparison(depth: depth)
    }

    mutating func parseComparison(depth: Int) throws(ExpressionError) -> Expression {
        let left = try parsePrimary(depth: depth)
        let operators: [Expression.BinaryOperator] = [
            .equal, .notEqual, .lessOrEqual, .greaterOrEqual, .less, .greater, .in,
        ]
        for op in operators where accept(op.rawValue) {
            return .binary(op, left, try parsePrimary(depth: depth))
        }
        return left
    }

    mutating func parsePrimary(depth: Int) throws(ExpressionError) -> Expression {
        try checkDepth(depth)
        switch current {
        case .string(let value):
            advance()
            return .literal(.string(value))
        case .number(let value):
            advance()
            return .literal(.number(value))
        case .symbol("("):
            advance()
            let inner = try parseOr(depth: depth + 1)
            try expect(")")
            return inner
        case .symbol("["):
            advance()
            var elements: [Expression] = []
            if !accept("]") {
                repeat {
                    elements.append(try parseOr(depth: depth + 1))
                } while accept(",")
                try expect("]")
            }
            return .list(elements)
        case .identifier("true"):
            advance()
            return .literal(.bool(true))
        case .identifier("false"):
            advance()
            return .literal(.bool(false))
        case .identifier("null"):
            advance()
            return .literal(.null)
        case .identifier(let name):
            guard let root = ExpressionPath.Root(rawValue: name) else {
                let roots = ExpressionPath.Root.allCases.map(\.rawValue).joined(separator: ", ")
                throw ExpressionError("unknown name '\(name)'; paths start with one of: \(roots)")
            }
            advance()
            return .path(try parsePathComponents(root: root))
        default:
            throw ExpressionError("expected a value but found \(current)")
        }
    }

    mutating func parsePathComponents(root: ExpressionPath.Root) throws(ExpressionError) -> ExpressionPath {
        var components: [ExpressionPath.Component] = []
        while true {
            if accept(".") {
                guard case .identifier(let name) = current else {
                    throw ExpressionError("expected a name after '.' but found \(current)")
                }
                advance()
                components.append(.member(name))
            } else if accept("[") {
                switch current {
                case .number(let value) where value >= 0 && value.rounded() == value && value < 1_000_000:
                    components.append(.index(Int(value)))
                case .string(let name):
                    components.append(.member(name))
                default:
                    throw ExpressionError("expected an index or a quoted name inside '[ ]' but found \(current)")
                }
                advance()
                try expect("]")
            } else {
                return ExpressionPath(root: root, components: components)
            }
        }
    }
}
