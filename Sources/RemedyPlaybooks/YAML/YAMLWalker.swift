import RemedyCore

/// Reads located YAML nodes into typed values, collecting every problem with its position instead of stopping at
/// the first: the one reader of playbooks, the configuration, coverage catalogues and exercise scenarios, so they
/// agree on what a duration, a list or an unknown key is.
public final class YAMLWalker {
    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []

    public init(file: String) {
        self.file = file
    }

    public func error(_ message: String, at node: YAMLNode) {
        error(message, at: node.location)
    }

    public func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(.error(message, at: location))
    }

    public func warning(_ message: String, at node: YAMLNode) {
        diagnostics.append(.warning(message, at: node.location))
    }

    // MARK: Scalars

    public func string(_ node: YAMLNode, _ what: String) -> String? {
        guard case .scalar(let text, _) = node.content else {
            error("\(what) must be a string, not a \(node.kindName)", at: node)
            return nil
        }
        return text
    }

    /// A whole number written as one (`8`, not `"8"` or `8.0`) within `range`.
    public func integer(_ node: YAMLNode, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let text, .number) = node.content, let value = Int(text) else {
            error("\(what) must be a whole number", at: node)
            return nil
        }
        guard range.contains(value) else {
            error("\(what) must be between \(range.lowerBound) and \(range.upperBound)", at: node)
            return nil
        }
        return value
    }

    public func number(_ node: YAMLNode, _ what: String) -> Double? {
        guard case .scalar(_, .number(let value)) = node.content else {
            error("\(what) must be a number", at: node)
            return nil
        }
        return value
    }

    public func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        guard case .scalar(_, .bool(let value)) = node.content else {
            error("\(what) must be true or false", at: node)
            return nil
        }
        return value
    }

    public func duration(_ node: YAMLNode, _ what: String) -> Duration? {
        guard let text = string(node, what) else { return nil }
        guard let duration = DurationText.parse(text) else {
            error("\(what) must be a duration such as 30s, 15m, 1h30m or 2d (at most 366d), not '\(text)'", at: node)
            return nil
        }
        return duration
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String, as type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(node, what) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            error("\(what) must be one of \(allowed), not '\(text)'", at: node)
            return nil
        }
        return value
    }

    /// A list of strings; a single string stands for a list of one.
    public func stringList(_ node: YAMLNode, _ what: String) -> [String] {
        switch node.content {
        case .scalar(let text, _):
            return [text]
        case .sequence(let nodes):
            return nodes.compactMap { string($0, "each entry of \(what)") }
        case .mapping:
            error("\(what) must be a string or a list of strings", at: node)
            return []
        }
    }

    public func stringMap(_ node: YAMLNode, _ what: String) -> [String: String] {
        guard let entries = mapping(node, what) else { return [:] }
        var result: [String: String] = [:]
        for entry in entries {
            guard let value = string(entry.value, "\(what).\(entry.key)") else { continue }
            result[entry.key] = value
        }
        return result
    }

    func template(_ node: YAMLNode, _ what: String) -> Template? {
        guard let text = string(node, what) else { return nil }
        do {
            return try Template(parsing: text)
        } catch {
            self.error("\(what): \(error.message)", at: node)
            return nil
        }
    }

    /// A condition: a template, or a bare expression without braces.
    func condition(_ node: YAMLNode, _ what: String) -> Template? {
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

    public func mapping(_ node: YAMLNode, _ what: String) -> [YAMLNode.Entry]? {
        guard case .mapping(let entries) = node.content else {
            error("\(what) must be a mapping of keys to values, not a \(node.kindName)", at: node)
            return nil
        }
        return entries
    }

    public func sequence(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
        guard case .sequence(let nodes) = node.content else {
            error("\(what) must be a list, not a \(node.kindName)", at: node)
            return nil
        }
        return nodes
    }

    /// The values of a mapping's keys, reporting unknown keys with a suggestion (a key given twice never gets here:
    /// `YAMLDocument` refuses it).
    public func fields(of entries: [YAMLNode.Entry], allowed: [String], in what: String) -> [String: YAMLNode] {
        var fields: [String: YAMLNode] = [:]
        for entry in entries {
            guard allowed.contains(entry.key) else {
                let hint = closestNames(to: entry.key, among: allowed).first.map { "; did you mean '\($0)'?" } ?? ""
                error("unknown key '\(entry.key)' in \(what)\(hint)", at: entry.keyLocation)
                continue
            }
            fields[entry.key] = entry.value
        }
        return fields
    }

    /// A mapping's fields, each of `required` present; nil when `node` is not a mapping.
    public func fields(
        _ node: YAMLNode,
        allowed: [String],
        required: [String] = [],
        in what: String
    ) -> [String: YAMLNode]? {
        guard let entries = mapping(node, what) else { return nil }
        let fields = fields(of: entries, allowed: allowed, in: what)
        for key in required where fields[key] == nil { error("\(what) needs '\(key)'", at: node) }
        return fields
    }
}
