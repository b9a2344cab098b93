import RemedyCore
import Yams

/// Reads composed YAML nodes into typed values, collecting every problem with its position instead of stopping at
/// the first.
///
/// It counts the nodes it visits and how deep it goes, so a document built from aliases or deep nesting is refused
/// quickly and in bounded memory.
final class YAMLWalker {
    static let maximumNodes = 20_000
    static let maximumDepth = 32

    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    private var visitedNodes = 0
    private var budgetExceeded = false

    init(file: String) {
        self.file = file
    }

    func location(of node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func error(_ message: String, at node: Node) {
        diagnostics.append(.error(message, at: location(of: node)))
    }

    func warning(_ message: String, at node: Node) {
        diagnostics.append(.warning(message, at: location(of: node)))
    }

    /// Charges one node against the budget; false once the document is too large to walk.
    func visit(_ node: Node) -> Bool {
        guard !budgetExceeded else { return false }
        visitedNodes += 1
        if visitedNodes > Self.maximumNodes {
            budgetExceeded = true
            error(
                "document expands to more than \(Self.maximumNodes) nodes (aliases or a very large file); refused",
                at: node
            )
            return false
        }
        return true
    }

    // MARK: Scalars

    func string(_ node: Node, _ what: String) -> String? {
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node else {
            error("\(what) must be a string, not a \(kindName(node))", at: node)
            return nil
        }
        return scalar.string
    }

    func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
            let value = Int(scalar.string)
        else {
            error("\(what) must be a whole number", at: node)
            return nil
        }
        guard range.contains(value) else {
            error("\(what) must be between \(range.lowerBound) and \(range.upperBound)", at: node)
            return nil
        }
        return value
    }

    func number(_ node: Node, _ what: String) -> Double? {
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
            let value = Double(scalar.string), value.isFinite
        else {
            error("\(what) must be a number", at: node)
            return nil
        }
        return value
    }

    func duration(_ node: Node, _ what: String) -> Duration? {
        guard let text = string(node, what) else { return nil }
        guard let duration = DurationText.parse(text) else {
            error("\(what) must be a duration such as 30s, 15m, 1h30m or 2d (at most 366d), not '\(text)'", at: node)
            return nil
        }
        return duration
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, as type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(node, what) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            error("\(what) must be one of \(allowed), not '\(text)'", at: node)
            return nil
        }
        return value
    }

    func stringList(_ node: Node, _ what: String) -> [String] {
        guard visit(node) else { return [] }
        switch node {
        case .scalar(let scalar):
            return [scalar.string]
        case .sequence(let sequence):
            return sequence.compactMap { string($0, "each entry of \(what)") }
        default:
            error("\(what) must be a string or a list of strings", at: node)
            return []
        }
    }

    func stringMap(_ node: Node, _ what: String) -> [String: String] {
        guard let mapping = mapping(node, what) else { return [:] }
        var result: [String: String] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = string(keyNode, "a key of \(what)"), let value = string(valueNode, "\(what).\(key)")
            else { continue }
            result[key] = value
        }
        return result
    }

    func template(_ node: Node, _ what: String) -> Template? {
        guard let text = string(node, what) else { return nil }
        do {
            return try Template(parsing: text)
        } catch {
            self.error("\(what): \(error.message)", at: node)
            return nil
        }
    }

    /// A condition: a template, or a bare expression without braces.
    func condition(_ node: Node, _ what: String) -> Template? {
        guard let text = string(node, what) else { return nil }
        do {
            if text.contains("{{") { return try Template(parsing: text) }
            let expression = try ExpressionParser().parse(text)
            return Template(parts: [.expression(expression, source: text)], source: text)
        } catch {
            self.error("\(what): \(error.message)", at: node)
            return nil
        }
    }

    // MARK: Collections

    func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
        guard visit(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            error("\(what) must be a mapping of keys to values, not a \(kindName(node))", at: node)
            return nil
        }
        return mapping
    }

    func sequence(_ node: Node, _ what: String) -> Node.Sequence? {
        guard visit(node) else { return nil }
        guard case .sequence(let sequence) = node else {
            error("\(what) must be a list, not a \(kindName(node))", at: node)
            return nil
        }
        return sequence
    }

    /// Reads the keys of a mapping, reporting unknown keys (with a suggestion) and duplicates.
    func fields(of mapping: Node.Mapping, allowed: [String], in what: String) -> [String: Node] {
        var fields: [String: Node] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = string(keyNode, "a key in \(what)") else { continue }
            guard allowed.contains(key) else {
                let hint = closestNames(to: key, among: allowed).first.map { "; did you mean '\($0)'?" } ?? ""
                error("unknown key '\(key)' in \(what)\(hint)", at: keyNode)
                continue
            }
            guard fields[key] == nil else {
                error("duplicate key '\(key)' in \(what)", at: keyNode)
                continue
            }
            fields[key] = valueNode
        }
        return fields
    }

    /// Reads any YAML value into JSON, with YAML 1.2 core scalars (`yes` and `on` stay strings).
    func value(_ node: Node, depth: Int = 0) -> JSONValue? {
        guard visit(node) else { return nil }
        guard depth < Self.maximumDepth else {
            error("value nests deeper than \(Self.maximumDepth) levels", at: node)
            return nil
        }
        switch node {
        case .scalar(let scalar):
            return Self.scalarValue(scalar)
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            for element in sequence {
                guard let value = value(element, depth: depth + 1) else { return nil }
                elements.append(value)
            }
            return .array(elements)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let key) = keyNode else {
                    error("keys must be strings", at: keyNode)
                    return nil
                }
                guard let value = value(valueNode, depth: depth + 1) else { return nil }
                members[key.string] = value
            }
            return .object(members)
        case .alias:
            error("aliases are not supported here", at: node)
            return nil
        }
    }

    static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
        let text = scalar.string
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let integer = Int(text) { return .number(Double(integer)) }
        if text.contains("."), let number = Double(text), number.isFinite,
            text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ".-+eE".unicodeScalars.contains($0) })
        {
            return .number(number)
        }
        return .string(text)
    }

    func kindName(_ node: Node) -> String {
        switch node {
        case .scalar: "scalar"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }
}
