import Foundation

/// Random (version 4) and time-ordered (version 7) UUIDs in lower case, for run ids and `amz-sdk-invocation-id`.
///
/// From the system generator (`getrandom`): Foundation's `UUID()` opens `/dev/urandom` for each one on Linux, which
/// showed in profiles at one per AWS call and one per run created.
public enum RandomUUID {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return make(using: &generator)
    }

    /// From `generator`: tests pass a seeded one.
    public static func make(using generator: inout some RandomNumberGenerator) -> String {
        let high = (generator.next() as UInt64) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = (generator.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return text(high: high, low: low)
    }

    /// A version 7 UUID (RFC 9562): the Unix time in milliseconds, then 74 random bits.
    ///
    /// Ids made later sort later, so the journal's indexes keyed by run id take new runs at their right edge
    /// instead of at a random page each.
    public static func makeTimeOrdered(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return makeTimeOrdered(at: date, using: &generator)
    }

    /// From `generator`: tests pass a seeded one.
    public static func makeTimeOrdered(at date: Date, using generator: inout some RandomNumberGenerator) -> String {
        // Clamped to the field's 48 bits (years 1970 to 10889); NaN and dates before 1970 give 0.
        let milliseconds = UInt64(min(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)), 0xFFFF_FFFF_FFFF))
        let high = milliseconds << 16 | 0x7000 | (generator.next() as UInt64) & 0x0FFF
        let low = (generator.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return text(high: high, low: low)
    }

    private static func text(high: UInt64, low: UInt64) -> String {
        var text = [UInt8]()
        text.reserveCapacity(36)
        // 32 hex digits, most significant first, grouped 8-4-4-4-12.
        for digit in 0..<32 {
            switch digit {
            case 8, 12, 16, 20: text.append(UInt8(ascii: "-"))
            default: break
            }
            let word = digit < 16 ? high : low
            text.append(hexDigits[Int((word >> UInt64(60 - 4 * (digit % 16))) & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
