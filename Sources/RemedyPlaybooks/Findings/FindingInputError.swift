import RemedyCore

/// Why an input was refused as findings.
///
/// The message names what was expected, so the sender can fix the feed.
public struct FindingInputError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Not JSON, or JSON over the size or depth limits.
        case invalidJSON = "invalid-json"
        /// JSON, but not a shape remedy knows.
        case unknownShape = "unknown-shape"
        /// A known event or message that is not a finding (insight results, malware scans, SNS confirmations).
        case notAFinding = "not-a-finding"
        /// A finding with a missing or invalid field.
        case invalidFinding = "invalid-finding"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
