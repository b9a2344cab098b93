import RemedyCore

/// Reads a coverage catalogue file: `guardduty:` and `securityhub_controls:` lists of entries.
public struct CoverageCatalogParser: Sendable {
    public init() {}

    public func parse(_ text: String, file: String) -> Result<CoverageCatalog, DiagnosticsError> {
        let root: YAMLNode
        switch YAMLDocument.read(text, file: file) {
        case .failure(let error): return .failure(error)
        case .success(let node): root = node
        }
        let walker = YAMLWalker(file: file)
        var entries: [CoverageCatalog.Entry] = []
        if let mapping = walker.mapping(root, "a coverage catalogue") {
            let fields = walker.fields(
                of: mapping,
                allowed: ["version", "guardduty", "securityhub_controls"],
                in: "the coverage catalogue"
            )
            entries += read(fields["guardduty"], key: "type", kind: .guardDutyType, walker)
            entries += read(fields["securityhub_controls"], key: "id", kind: .securityHubControl, walker)
        }
        guard !walker.diagnostics.containsErrors else { return .failure(DiagnosticsError(walker.diagnostics)) }
        return .success(CoverageCatalog(entries: entries))
    }

    private func read(
        _ node: YAMLNode?,
        key: String,
        kind: CoverageCatalog.Entry.Kind,
        _ walker: YAMLWalker
    )
        -> [CoverageCatalog.Entry]
    {
        guard let node, let sequence = walker.sequence(node, kind.rawValue) else { return [] }
        return sequence.compactMap { item in
            guard let mapping = walker.mapping(item, "an entry") else { return nil }
            let fields = walker.fields(
                of: mapping,
                allowed: [key, "title", "severity", "resource_type"],
                in: "an entry"
            )
            guard let nameNode = fields[key] else {
                walker.error("entry needs '\(key)'", at: item)
                return nil
            }
            guard let name = walker.string(nameNode, key) else { return nil }
            let title = fields["title"].flatMap { walker.string($0, "title") } ?? ""
            return CoverageCatalog.Entry(kind: kind, name: name, title: title)
        }
    }
}
