import Foundation

/// Times as the journal writes them: ISO 8601 in UTC with milliseconds (`2026-03-14T09:00:30.000Z`), one fixed width, so that comparing two as
/// text (what the journal's queries do) compares the times.
public enum Timestamp {
    public static func format(_ date: Date) -> String { style.format(date) }

    public static func parse(_ text: String) -> Date? { try? style.parse(text) }

    /// A format style is a value, so no formatter is built per record (building one took most of an append's CPU
    /// time in the exercise benchmark).
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
