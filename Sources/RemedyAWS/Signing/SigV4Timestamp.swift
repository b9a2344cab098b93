import Foundation

/// A signing time, truncated to whole seconds in UTC.
///
/// Formats `X-Amz-Date` (`20150830T123600Z`) by hand from the civil date: no `DateFormatter` in the signing path.
public struct SigV4Timestamp: Sendable, Hashable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let secondsSince1970: Int64
    /// Days since 1970-01-01: timestamps on the same day share a signing key.
    let daysSince1970: Int64
    /// `yyyyMMdd'T'HHmmss'Z'` as 16 ASCII bytes, formatted once so every signature copies instead of formats.
    private let amzDateBytes: (UInt64, UInt64)

    /// The timestamp of `secondsSince1970` (UTC).
    public init(secondsSince1970: Int64) {
        self.secondsSince1970 = secondsSince1970
        let (days, secondOfDay) = secondsSince1970.quotientAndRemainder(dividingBy: 86_400)
        daysSince1970 = secondOfDay < 0 ? days - 1 : days
        let seconds = Int(secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay)
        let (year, month, day) = Self.civil(fromDays: Int(daysSince1970))
        var packed: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &packed) { raw in
            var position = 0
            func put(_ value: Int, digits: Int) {
                var rest = value
                for offset in stride(from: digits - 1, through: 0, by: -1) {
                    raw[position + offset] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
                position += digits
            }
            put(year, digits: 4)
            put(month, digits: 2)
            put(day, digits: 2)
            raw[8] = UInt8(ascii: "T")
            position = 9
            put(seconds / 3_600, digits: 2)
            put(seconds % 3_600 / 60, digits: 2)
            put(seconds % 60, digits: 2)
            raw[15] = UInt8(ascii: "Z")
        }
        amzDateBytes = packed
    }

    /// The timestamp of `date`, rounded down to the second.
    public init(_ date: Date) {
        self.init(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// Parses `20150830T123600Z` (the `X-Amz-Date` form) or `2015-08-30T12:36:00Z` (ISO 8601).
    public init(parsing text: String) throws(SigV4Error) {
        let bytes = Array(text.utf8)
        let digits: [UInt8]
        switch bytes.count {
        case 16:
            digits = bytes
        case 20:
            let (dash, colon) = (UInt8(ascii: "-"), UInt8(ascii: ":"))
            guard bytes[4] == dash, bytes[7] == dash, bytes[13] == colon, bytes[16] == colon else {
                throw .invalidTimestamp(text)
            }
            digits = bytes.enumerated().filter { ![4, 7, 13, 16].contains($0.offset) }.map(\.element)
        default:
            throw .invalidTimestamp(text)
        }
        let isDigit: (UInt8) -> Bool = { $0 &- UInt8(ascii: "0") < 10 }
        guard digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z"), digits[0..<8].allSatisfy(isDigit),
            digits[9..<15].allSatisfy(isDigit)
        else { throw .invalidTimestamp(text) }
        func number(_ range: Range<Int>) -> Int {
            digits[range].reduce(0) { $0 * 10 + Int($1 &- UInt8(ascii: "0")) }
        }
        let (year, month, day) = (number(0..<4), number(4..<6), number(6..<8))
        let (hour, minute, second) = (number(9..<11), number(11..<13), number(13..<15))
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else {
            throw .invalidTimestamp(text)
        }
        let days = Self.days(fromCivil: year, month, day)
        self.init(secondsSince1970: Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + second))
        // Day 31 of a 30-day month lands on the next month: the round trip exposes it.
        guard Self.civil(fromDays: Int(daysSince1970)).day == day else { throw .invalidTimestamp(text) }
    }

    /// `yyyyMMdd'T'HHmmss'Z'`, the `X-Amz-Date` value.
    public var amzDate: String {
        withAmzDate { String(decoding: $0, as: UTF8.self) }
    }

    /// `yyyyMMdd`, the date of the credential scope.
    public var dateStamp: String {
        withAmzDate { String(decoding: $0.prefix(8), as: UTF8.self) }
    }

    public var description: String { amzDate }

    /// Calls `body` with the 16 bytes of ``amzDate``; the first 8 are ``dateStamp``.
    func withAmzDate<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeBytes(of: amzDateBytes) { body($0.bindMemory(to: UInt8.self)) }
    }

    func writeAmzDate(to out: inout ByteWriter) {
        withAmzDate { out.write($0) }
    }

    func writeDateStamp(to out: inout ByteWriter) {
        withAmzDate { out.write(UnsafeBufferPointer(rebasing: $0.prefix(8))) }
    }

    public static func == (lhs: SigV4Timestamp, rhs: SigV4Timestamp) -> Bool {
        lhs.secondsSince1970 == rhs.secondsSince1970
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(secondsSince1970)
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian arithmetic, no calendar object.
    private static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
