/// Random (version 4) UUIDs in lower case, for run ids and `amz-sdk-invocation-id`.
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
