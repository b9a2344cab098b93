import RemedyCore

/// Which playbooks act on each entry of the reference catalogues, decided by the real matcher on each entry's
/// synthetic finding, with totals against the catalogues' full size.
public struct CoverageReport: Sendable {
    /// One GuardDuty type or control, over every resource kind the catalogue reports it on.
    public struct Item: Sendable, Hashable {
        public var kind: ReferenceCatalogue.Entry.Kind
        public var name: String
        public var family: String
        public var asrRunbook: String?
        /// The playbooks that match a finding of it about any of its resource kinds.
        public var playbooks: [String]
        /// Why it is uncovered on purpose, from the accepted-gaps file.
        public var acceptedGap: String?

        public var isCovered: Bool { !playbooks.isEmpty }
    }

    /// Covered entries out of all.
    public struct Total: Sendable, Hashable, CustomStringConvertible {
        public var covered: Int
        public var total: Int

        public var description: String { "\(covered)/\(total)" }
    }

    /// The GuardDuty family whose types are the account's own rules, not GuardDuty's standard detections: shown,
    /// but not in the standard total.
    public static let customDetectionFamily = "custom-detection-rules"

    public var items: [Item]
    /// Accepted gaps that stand for no uncovered entry: the entry is covered now, or no catalogue has it.
    ///
    /// The accepted-gaps file is kept current, so these are reported.
    public var staleAcceptances: [AcceptedGaps.Gap]

    public init(reference: ReferenceCatalogue, playbooks: [Playbook], accepted: AcceptedGaps = AcceptedGaps()) {
        var items: [Item] = []
        var index: [String: Int] = [:]
        for entry in reference.entries {
            let matched = playbooks.filter { $0.match.decide(entry.finding).isMatch }.map(\.name)
            let key = "\(entry.kind.rawValue)\t\(entry.name)"
            if let at = index[key] {
                items[at].playbooks = Array(Set(items[at].playbooks + matched)).sorted()
            } else {
                index[key] = items.count
                items.append(
                    Item(
                        kind: entry.kind,
                        name: entry.name,
                        family: entry.family,
                        asrRunbook: entry.asrRunbook,
                        playbooks: Array(Set(matched)).sorted(),
                        acceptedGap: nil
                    )
                )
            }
        }
        for position in items.indices where !items[position].isCovered {
            items[position].acceptedGap = accepted.reason(for: items[position].kind, items[position].name)
        }
        self.items = items
        staleAcceptances = accepted.gaps.filter { gap in
            guard let at = index["\(gap.kind.rawValue)\t\(gap.name)"] else { return true }
            return items[at].isCovered
        }
    }

    /// Uncovered entries not accepted as gaps.
    public var gaps: [Item] { items.filter { !$0.isCovered && $0.acceptedGap == nil } }

    public var guardDutyTypes: [Item] { items.filter { $0.kind == .guardDutyType } }
    public var controls: [Item] { items.filter { $0.kind == .securityHubControl } }

    /// GuardDuty's standard active types (its custom detection rules types apart).
    public var guardDutyTotal: Total { Self.total(guardDutyTypes.filter { $0.family != Self.customDetectionFamily }) }
    /// Every GuardDuty family, by name.
    public var guardDutyFamilies: [(family: String, total: Total)] { Self.byFamily(guardDutyTypes) }
    /// Every control, FSBP's and those ASR remediates under other standards.
    public var controlTotal: Total { Self.total(controls) }
    /// The controls Automated Security Response on AWS remediates.
    public var asrTotal: Total { Self.total(controls.filter { $0.asrRunbook != nil }) }
    /// Controls by service.
    public var controlFamilies: [(family: String, total: Total)] { Self.byFamily(controls) }

    static func total(_ items: [Item]) -> Total {
        Total(covered: items.filter(\.isCovered).count, total: items.count)
    }

    static func byFamily(_ items: [Item]) -> [(family: String, total: Total)] {
        Dictionary(grouping: items, by: \.family).sorted { $0.key < $1.key }.map { ($0.key, total($0.value)) }
    }
}
