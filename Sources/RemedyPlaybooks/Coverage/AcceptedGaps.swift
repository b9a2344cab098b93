import RemedyCore

/// Catalogue entries no playbook covers on purpose, each with its reason (`remedy coverage --accepted-gaps FILE`):
/// what `--fail-on-gap` lets through.
///
///     accepted_gaps:
///       - type: "Policy:IAMUser/RootCredentialUsage"
///         reason: "root credentials cannot be deactivated by API: notify and keep evidence"
///       - control: "Account.1"
///         reason: "no API-level fix: the security contact is an owner's decision"
public struct AcceptedGaps: Sendable, Hashable {
    public struct Gap: Sendable, Hashable {
        public var kind: ReferenceCatalogue.Entry.Kind
        public var name: String
        public var reason: String
        /// Where the file names it.
        public var location: SourceLocation
    }

    public var gaps: [Gap]

    public init(gaps: [Gap] = []) { self.gaps = gaps }

    /// The reason `name` is an accepted gap, if it is one.
    public func reason(for kind: ReferenceCatalogue.Entry.Kind, _ name: String) -> String? {
        gaps.first { $0.kind == kind && $0.name == name }?.reason
    }

    /// Reads an accepted-gaps file: every entry names one type or control and gives a reason.
    public static func parse(_ text: String, file: String) -> Result<AcceptedGaps, DiagnosticsError> {
        let root: YAMLNode
        switch YAMLDocument.read(text, file: file) {
        case .failure(let error): return .failure(error)
        case .success(let node): root = node
        }
        let walker = YAMLWalker(file: file)
        var gaps: [Gap] = []
        if let mapping = walker.mapping(root, "an accepted-gaps file"),
            let list = walker.fields(of: mapping, allowed: ["accepted_gaps"], in: "the accepted-gaps file")[
                "accepted_gaps"
            ], let items = walker.sequence(list, "accepted_gaps")
        {
            for item in items {
                guard let entry = walker.mapping(item, "an accepted gap") else { continue }
                let fields = walker.fields(of: entry, allowed: ["type", "control", "reason"], in: "an accepted gap")
                let named: (ReferenceCatalogue.Entry.Kind, YAMLNode)? =
                    switch (fields["type"], fields["control"]) {
                    case (let type?, nil): (.guardDutyType, type)
                    case (nil, let control?): (.securityHubControl, control)
                    default: nil
                    }
                guard let (kind, nameNode) = named else {
                    walker.error("an accepted gap names one 'type' or one 'control'", at: item)
                    continue
                }
                guard let reasonNode = fields["reason"] else {
                    walker.error("an accepted gap needs a 'reason'", at: item)
                    continue
                }
                guard let name = walker.string(nameNode, kind == .guardDutyType ? "type" : "control"),
                    let reason = walker.string(reasonNode, "reason")
                else { continue }
                guard !reason.allSatisfy(\.isWhitespace) else {
                    walker.error("the reason is empty", at: reasonNode)
                    continue
                }
                if let earlier = gaps.first(where: { $0.kind == kind && $0.name == name }) {
                    walker.error("'\(name)' is accepted already, at line \(earlier.location.line)", at: nameNode)
                    continue
                }
                gaps.append(Gap(kind: kind, name: name, reason: reason, location: nameNode.location))
            }
        }
        guard !walker.diagnostics.containsErrors else { return .failure(DiagnosticsError(walker.diagnostics)) }
        return .success(AcceptedGaps(gaps: gaps))
    }
}
