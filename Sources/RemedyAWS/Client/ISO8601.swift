import Foundation

/// ISO 8601 timestamps as AWS and credential sources write them: `2026-05-01T12:00:00Z`, with or without
/// fractional seconds, or with a numeric offset.
public enum ISO8601 {
    public static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: wholeSeconds)) ?? (try? Date(text, strategy: fractionalSeconds))
    }

    /// `2026-05-01T12:00:00Z`: whole seconds in UTC, as IAM policy conditions and AWS answers write them.
    public static func format(_ date: Date) -> String { wholeSeconds.format(date) }

    // Format styles, not `ISO8601DateFormatter`: building a formatter cost more than the call that brought the text.
    private static let wholeSeconds = Date.ISO8601FormatStyle()
    private static let fractionalSeconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
