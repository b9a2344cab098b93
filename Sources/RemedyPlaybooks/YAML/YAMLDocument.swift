import RemedyCore
import Yams

/// A YAML node with its position, for modules that read YAML without depending on Yams (exercise scenarios).
///
/// Built through the same bounded walk as playbooks: node count, depth and size limits apply, and aliases are
/// refused.
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
}

/// Reads a YAML file into located nodes.
public enum YAMLDocument {
    /// The document's root node, or every problem found with its position.
    public static func read(_ text: String, file: String) -> Result<YAMLNode, DiagnosticsError> {
        let source: YAMLSource
        switch YAMLSource.compose(text, file: file) {
        case .success(let composed): source = composed
        case .failure(let error): return .failure(error)
        }
        let walker = YAMLWalker(file: file)
        guard let root = node(source.root, walker, depth: 0), !walker.diagnostics.containsErrors else {
            return .failure(DiagnosticsError(walker.diagnostics))
        }
        return .success(root)
    }

    private static func node(_ node: Node, _ walker: YAMLWalker, depth: Int) -> YAMLNode? {
        guard walker.visit(node) else { return nil }
        let location = walker.location(of: node)
        guard depth < YAMLWalker.maximumDepth else {
            walker.error("value nests deeper than \(YAMLWalker.maximumDepth) levels", at: node)
            return nil
        }
        switch node {
        case .scalar(let scalar):
            return YAMLNode(
                content: .scalar(text: scalar.string, value: YAMLWalker.scalarValue(scalar)),
                location: location
            )
        case .sequence(let sequence):
            var nodes: [YAMLNode] = []
            for element in sequence {
                guard let child = self.node(element, walker, depth: depth + 1) else { return nil }
                nodes.append(child)
            }
            return YAMLNode(content: .sequence(nodes), location: location)
        case .mapping(let mapping):
            var entries: [YAMLNode.Entry] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let key) = keyNode else {
                    walker.error("keys must be strings", at: keyNode)
                    return nil
                }
                if entries.contains(where: { $0.key == key.string }) {
                    walker.error("duplicate key '\(key.string)'", at: keyNode)
                    return nil
                }
                guard let value = self.node(valueNode, walker, depth: depth + 1) else { return nil }
                entries.append(.init(key: key.string, keyLocation: walker.location(of: keyNode), value: value))
            }
            return YAMLNode(content: .mapping(entries), location: location)
        case .alias:
            walker.error("aliases are not supported here", at: node)
            return nil
        }
    }
}
