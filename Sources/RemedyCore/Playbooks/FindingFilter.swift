/// Which findings a playbook handles.
///
/// `types` and `controls` say what a finding is, and a finding matching either passes; every other condition given
/// must hold too. An empty filter matches nothing.
public struct FindingFilter: Sendable, Hashable {
    /// Finding type patterns with `*` wildcards (`Backdoor:EC2/*`); any of the finding's types may match.
    public var types: [WildcardPattern]
    /// Security Hub control id patterns (`S3.8`, `EC2.*`).
    public var controls: [WildcardPattern]
    public var sources: [FindingSource]
    public var severity: SeverityRange?
    /// Resource types of the finding's first resource (`AwsEc2Instance`).
    public var resourceTypes: [String]
    public var accounts: [String]
    public var regions: [String]
    public var exclusions: Exclusions

    public init(
        types: [WildcardPattern] = [],
        controls: [WildcardPattern] = [],
        sources: [FindingSource] = [],
        severity: SeverityRange? = nil,
        resourceTypes: [String] = [],
        accounts: [String] = [],
        regions: [String] = [],
        exclusions: Exclusions = Exclusions()
    ) {
        self.types = types
        self.controls = controls
        self.sources = sources
        self.severity = severity
        self.resourceTypes = resourceTypes
        self.accounts = accounts
        self.regions = regions
        self.exclusions = exclusions
    }

    /// Findings a playbook leaves alone even when everything else matches.
    public struct Exclusions: Sendable, Hashable {
        /// Resources carrying any of these tags (key and value) are exempt.
        public var tags: [String: String]
        public var accounts: [String]
        public var regions: [String]
        public var types: [WildcardPattern]

        public init(
            tags: [String: String] = [:],
            accounts: [String] = [],
            regions: [String] = [],
            types: [WildcardPattern] = []
        ) {
            self.tags = tags
            self.accounts = accounts
            self.regions = regions
            self.types = types
        }
    }

    /// An inclusive range on the 0-100 severity scale.
    public struct SeverityRange: Sendable, Hashable {
        public var minimum: Double?
        public var maximum: Double?

        public init(minimum: Double? = nil, maximum: Double? = nil) {
            self.minimum = minimum
            self.maximum = maximum
        }

        public func contains(_ severity: Severity) -> Bool {
            (minimum.map { severity.score >= $0 } ?? true) && (maximum.map { severity.score <= $0 } ?? true)
        }
    }
}

/// A string pattern where `*` stands for any run of characters, compared case-sensitively.
public struct WildcardPattern: Sendable, Hashable, CustomStringConvertible {
    public var pattern: String

    public init(_ pattern: String) {
        self.pattern = pattern
    }

    public var description: String { pattern }

    public func matches(_ value: String) -> Bool {
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard pieces.count > 1 else { return pattern == value }
        var rest = value[...]
        guard let first = pieces.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let range = rest.firstRange(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        guard let last = pieces.last else { return true }
        return rest.hasSuffix(last)
    }
}
