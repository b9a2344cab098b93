/// Writes bytes into memory sized up front, for building canonical forms without `String` or `Array` growth.
///
/// Every write checks the remaining capacity and traps rather than overrun: the callers size buffers from
/// upper bounds, so a trap would mean a wrong bound, never corrupt memory.
struct ByteWriter {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    @inline(__always)
    mutating func write(_ byte: UInt8) {
        precondition(count < buffer.count, "ByteWriter capacity exceeded")
        buffer[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= buffer.count - count, "ByteWriter capacity exceeded")
        guard !bytes.isEmpty else { return }
        UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[count..<count + bytes.count]))
            .copyMemory(from: UnsafeRawBufferPointer(bytes))
        count += bytes.count
    }

    @inline(__always)
    mutating func write(_ literal: StaticString) {
        write(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func write(_ string: String) {
        var copy = string
        copy.withUTF8 { write($0) }
    }

    @inline(__always)
    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    /// Copies bytes already written (`range`) to the end, as when joining scratch pieces.
    @inline(__always)
    mutating func write(from source: ByteWriter, _ range: Range<Int>) {
        write(UnsafeBufferPointer(rebasing: source.buffer[range]))
    }

    /// Forgets everything written from `position` on.
    mutating func truncate(to position: Int) {
        count = position
    }

    /// Bytes written so far in `range`.
    func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: buffer[range])
    }
}

/// Byte-level encoders for SigV4 canonical forms.
enum SigV4Bytes {
    /// RFC 3986 unreserved characters `A-Z a-z 0-9 - . _ ~`, bytes 0-63.
    ///
    /// Two 64-bit masks instead of a global array: constants need no lazy initialisation in the hot path.
    static let unreservedLow: UInt64 = 0x03ff_6000_0000_0000
    /// RFC 3986 unreserved characters, bytes 64-127.
    static let unreservedHigh: UInt64 = 0x47ff_fffe_87ff_fffe

    static let upperHexDigits: StaticString = "0123456789ABCDEF"
    static let lowerHexDigits: StaticString = "0123456789abcdef"

    /// Whether `byte` is an RFC 3986 unreserved character, which SigV4 never percent-encodes.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        if byte < 64 { return (unreservedLow >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (unreservedHigh >> UInt64(byte &- 64)) & 1 == 1 }
        return false
    }

    /// The value of an ASCII hexadecimal digit, or `nil`.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        default: nil
        }
    }

    /// Writes `byte` percent-encoded with upper-case hex, as SigV4 requires.
    @inline(__always)
    static func writePercentEncoded(_ byte: UInt8, to out: inout ByteWriter) {
        out.write(UInt8(ascii: "%"))
        out.write(upperHexDigits.utf8Start[Int(byte >> 4)])
        out.write(upperHexDigits.utf8Start[Int(byte & 0x0f)])
    }

    /// Writes `bytes` encoding everything but unreserved characters (and `/` when `keepSlash`).
    static func writeEncoded(_ bytes: UnsafeBufferPointer<UInt8>, keepSlash: Bool, to out: inout ByteWriter) {
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.write(byte)
            } else {
                writePercentEncoded(byte, to: &out)
            }
        }
    }

    /// Writes a wire query component in canonical form: percent-escapes decoded, then re-encoded.
    ///
    /// Decoding first makes the result independent of how the caller encoded it (`%7E` vs `~`, lower-case hex)
    /// and encodes any raw byte. A `+` is read as an encoded space, as AWS services read query strings; a `%` not
    /// followed by two hex digits stands for itself. Output is at most three bytes per input byte.
    static func writeCanonicalQueryComponent(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout ByteWriter) {
        var index = 0
        let count = bytes.count
        while index < count {
            var byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                byte = high << 4 | low
                index += 3
            } else {
                if byte == UInt8(ascii: "+") { byte = UInt8(ascii: " ") }
                index += 1
            }
            if isUnreserved(byte) {
                out.write(byte)
            } else {
                writePercentEncoded(byte, to: &out)
            }
        }
    }

    /// Writes `bytes` as lower-case hex.
    static func writeHex(_ bytes: UnsafeRawBufferPointer, to out: inout ByteWriter) {
        for byte in bytes {
            out.write(lowerHexDigits.utf8Start[Int(byte >> 4)])
            out.write(lowerHexDigits.utf8Start[Int(byte & 0x0f)])
        }
    }

    /// `bytes` as a lower-case hex `String`, written in place.
    static func hexString(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var out = ByteWriter(buffer)
            writeHex(bytes, to: &out)
            return out.count
        }
    }

    /// Whether `byte` is whitespace that SigV4 trims and collapses in header values.
    @inline(__always)
    static func isHeaderWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 0x0b || byte == 0x0c
    }

    /// Writes a header value trimmed, with every inner run of whitespace collapsed to one space.
    static func writeCollapsedValue(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout ByteWriter) {
        var pendingSpace = false
        var wroteAny = false
        for byte in bytes {
            if isHeaderWhitespace(byte) {
                pendingSpace = wroteAny
                continue
            }
            if pendingSpace {
                out.write(UInt8(ascii: " "))
                pendingSpace = false
            }
            out.write(byte)
            wroteAny = true
        }
    }

    /// Writes `bytes` with ASCII letters lower-cased.
    @inline(__always)
    static func writeLowercased(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout ByteWriter) {
        for byte in bytes {
            out.write(byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte)
        }
    }

    /// Writes the decimal digits of a non-negative `value` (at most 20 bytes).
    static func writeDecimal(_ value: Int, to out: inout ByteWriter) {
        if value >= 10 { writeDecimal(value / 10, to: &out) }
        out.write(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10))
    }

    /// Lexicographic byte order of two ranges of `buffer`: negative, zero or positive.
    @inline(__always)
    static func compare(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ lhs: Range<Int>, _ rhs: Range<Int>) -> Int {
        let common = min(lhs.count, rhs.count)
        var index = 0
        while index < common {
            let left = buffer[lhs.lowerBound + index]
            let right = buffer[rhs.lowerBound + index]
            if left != right { return left < right ? -1 : 1 }
            index += 1
        }
        return lhs.count - rhs.count
    }

    /// Whether `range` of `buffer` holds exactly `literal`.
    @inline(__always)
    static func equals(
        _ buffer: UnsafeMutableBufferPointer<UInt8>,
        _ range: Range<Int>,
        _ literal: StaticString
    )
        -> Bool
    {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        var index = 0
        while index < range.count {
            if buffer[range.lowerBound + index] != literal.utf8Start[index] { return false }
            index += 1
        }
        return true
    }
}
