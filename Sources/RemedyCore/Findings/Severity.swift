/// A finding's severity on Security Hub's normalised 0-100 scale, with its label.
public struct Severity: Sendable, Hashable, Comparable {
    public var score: Double
    public var label: Label

    public enum Label: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
        case informational = "INFORMATIONAL"
        case low = "LOW"
        case medium = "MEDIUM"
        case high = "HIGH"
        case critical = "CRITICAL"

        /// Security Hub's ranges: 0 informational, 1-39 low, 40-69 medium, 70-89 high, 90-100 critical.
        public init(score: Double) {
            switch score {
            case ..<1: self = .informational
            case ..<40: self = .low
            case ..<70: self = .medium
            case ..<90: self = .high
            default: self = .critical
            }
        }

        /// The score Security Hub assigns when only a label is known.
        public var representativeScore: Double {
            switch self {
            case .informational: 0
            case .low: 1
            case .medium: 40
            case .high: 70
            case .critical: 90
            }
        }

        private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

        public static func < (lhs: Label, rhs: Label) -> Bool { lhs.rank < rhs.rank }
    }

    public init(score: Double, label: Label? = nil) {
        self.score = min(max(score, 0), 100)
        self.label = label ?? Label(score: self.score)
    }

    /// GuardDuty reports 1.0-8.9 (up to 10 for attack sequences); Security Hub multiplies by ten.
    public static func guardDuty(_ value: Double) -> Severity { Severity(score: value * 10) }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.score < rhs.score }
}
