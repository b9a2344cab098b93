import RemedyCore
import Yams

/// A YAML node with its position: what every reader of remedy's YAML (playbooks, the configuration, coverage
/// catalogues, exercise scenarios) walks, through ``YAMLWalker``, without depending on Yams.
public struct YAMLNode: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        /// A scalar as written, and its YAML 1.2 core value (`8` a number, `true` a boolean, `"8"` a string).
        case scalar(text: String, value: JSONValue)
        case sequence([YAMLNode])
        case mapping([Entry])
    }

    /// One key and its value, in document order.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: YAMLNode

        public init(key: String, keyLocation: SourceLocation, value: YAMLNode) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    public var content: Content
    public var location: SourceLocation

    public init(content: Content, location: SourceLocation) {
        self.content = content
        self.location = location
    }

    /// The node as JSON (mappings lose their key order).
    public var json: JSONValue {
        switch content {
        case .scalar(_, let value): value
        case .sequence(let nodes): .array(nodes.map(\.json))
        case .mapping(let entries):
            .object(Dictionary(entries.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        }
    }

    /// What the node is, for messages: scalar, list or mapping.
    var kindName: String {
        switch content {
        case .scalar: "scalar"
        case .sequence: "list"
        case .mapping: "mapping"
        }
    }
}

/// Reads a YAML file into located nodes, bounded in size.
///
/// Yams shares the nodes an alias points at, so a "billion laughs" document composes in linear memory; expanding it
/// is what would explode, so the nodes are counted, and nesting measured, as they are copied out, and aliases are
/// refused. A key given twice in one mapping is refused (by Yams, as it parses).
public enum YAMLDocument {
    /// Largest document accepted, in bytes.
    static let maximumBytes = 1 << 20
    static let maximumNodes = 20_000
    static let maximumDepth = 32

    /// The document's root node, or every problem found with its position.
    public static func read(_ text: String, file: String) -> Result<YAMLNode, DiagnosticsError> {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard text.utf8.count <= maximumBytes else {
            return .failure(
                DiagnosticsError([
                    .error("file is \(text.utf8.count) bytes, over the limit of \(maximumBytes) bytes", at: start)
                ])
            )
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                return .failure(DiagnosticsError([.error("the file is empty", at: start)]))
            }
            root = composed
        } catch let error as YamlError {
            return .failure(DiagnosticsError([diagnostic(for: error, file: file)]))
        } catch {
            return .failure(DiagnosticsError([.error("cannot read YAML: \(error)", at: start)]))
        }
        var copier = Copier(file: file)
        guard let node = copier.node(root, depth: 0) else {
            return .failure(DiagnosticsError(copier.problems))
        }
        return .success(node)
    }

    /// Copies Yams' nodes into located ones, counting them.
    private struct Copier {
        let file: String
        var visited = 0
        var problems: [Diagnostic] = []

        init(file: String) {
            self.file = file
        }

        func location(of node: Node) -> SourceLocation {
            SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        }

        mutating func refuse(_ message: String, at node: Node) -> YAMLNode? {
            problems.append(.error(message, at: location(of: node)))
            return nil
        }

        mutating func node(_ node: Node, depth: Int) -> YAMLNode? {
            visited += 1
            guard visited <= YAMLDocument.maximumNodes else {
                return refuse(
                    "document expands to more than \(YAMLDocument.maximumNodes) nodes (aliases or a very large file); "
                        + "refused",
                    at: node
                )
            }
            guard depth < YAMLDocument.maximumDepth else {
                return refuse("value nests deeper than \(YAMLDocument.maximumDepth) levels", at: node)
            }
            let location = location(of: node)
            switch node {
            case .scalar(let scalar):
                return YAMLNode(
                    content: .scalar(text: scalar.string, value: Self.value(of: scalar)),
                    location: location
                )
            case .sequence(let sequence):
                var nodes: [YAMLNode] = []
                for element in sequence {
                    guard let child = self.node(element, depth: depth + 1) else { return nil }
                    nodes.append(child)
                }
                return YAMLNode(content: .sequence(nodes), location: location)
            case .mapping(let mapping):
                var entries: [YAMLNode.Entry] = []
                for (keyNode, valueNode) in mapping {
                    guard case .scalar(let key) = keyNode else { return refuse("keys must be strings", at: keyNode) }
                    guard let value = self.node(valueNode, depth: depth + 1) else { return nil }
                    entries.append(.init(key: key.string, keyLocation: self.location(of: keyNode), value: value))
                }
                return YAMLNode(content: .mapping(entries), location: location)
            case .alias:
                return refuse("aliases are not supported here", at: node)
            }
        }

        /// A scalar's YAML 1.2 core value: `yes` and `on` stay strings, as does anything quoted.
        static func value(of scalar: Node.Scalar) -> JSONValue {
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
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text), " } ?? ""
            return .error(
                "invalid YAML: \(prefix)\(problem)",
                at: SourceLocation(file: file, line: mark.line, column: mark.column)
            )
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams refuses them while parsing; said plainly, where the mapping is.
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return .error(
                "duplicate key \(keys) in this mapping: which value counts would not be visible in the file",
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
            )
        default:
            return .error("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}
