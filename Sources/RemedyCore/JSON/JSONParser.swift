/// A strict JSON parser (RFC 8259) with limits, for input that comes from outside: findings, webhook bodies.
///
/// Written by hand rather than taken from Foundation so that depth and size are bounded before anything is
/// allocated for them, and so that errors say where they are (`line:column`).
public struct JSONParser: Sendable {
    /// Limits on what the parser accepts.
    public struct Limits: Sendable, Hashable {
        /// Largest document in bytes.
        public var maximumBytes: Int
        /// Deepest nesting of arrays and objects.
        public var maximumDepth: Int

        public init(maximumBytes: Int = 1 << 20, maximumDepth: Int = 64) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
        }

        /// 1 MiB and 64 levels: the limits for findings.
        public static let findings = Limits()
    }

    public var limits: Limits

    public init(limits: Limits = .findings) {
        self.limits = limits
    }

    /// Parses one JSON document; anything but white space after it is an error.
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        guard bytes.count <= limits.maximumBytes else {
            throw JSONSyntaxError(
                "input is \(bytes.count) bytes, over the limit of \(limits.maximumBytes) bytes",
                line: 1,
                column: 1
            )
        }
        var reader = Reader(bytes: Array(bytes), maximumDepth: limits.maximumDepth)
        return try reader.readDocument()
    }

    /// Parses one JSON document from text.
    public func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// Why a JSON document was refused, and where.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int

    public init(_ message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column): invalid JSON: \(message)" }
}

private struct Reader {
    let bytes: [UInt8]
    let maximumDepth: Int
    var offset = 0
    var depth = 0
    /// The members of the objects being read, innermost last, each with the offset just after its value.
    var pendingMembers: [(key: String, value: JSONValue, end: Int)] = []

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        // A UTF-8 byte order mark is legal at the start of a document.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
    }

    mutating func readDocument() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        guard offset < bytes.count else { throw error("empty document") }
        let value = try readValue()
        skipWhitespace()
        guard offset == bytes.count else { throw error("unexpected content after the document") }
        return value
    }

    mutating func readValue() throws(JSONSyntaxError) -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): return try readLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try readLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try readLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        default: throw error("unexpected character \(describe(byte))")
        }
    }

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= maximumDepth else { throw error("nesting depth exceeds \(maximumDepth) levels") }
    }

    mutating func readObject() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        offset += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return .object([:])
        }
        // Members are gathered first and the dictionary made once at its size: growing it member by member
        // allocated and rehashed it at every power of two. A duplicate is therefore found at the object's end, after
        // any other error inside the object, and reported where its value ended.
        let first = pendingMembers.count
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
            let key = try readString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after member name") }
            offset += 1
            skipWhitespace()
            let value = try readValue()
            pendingMembers.append((key, value, offset))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                var members: [String: JSONValue] = .init(minimumCapacity: pendingMembers.count - first)
                for (key, value, end) in pendingMembers[first...] {
                    guard members.updateValue(value, forKey: key) == nil else {
                        throw error("duplicate member \"\(key)\"", at: end)
                    }
                }
                pendingMembers.removeSubrange(first...)
                offset += 1
                depth -= 1
                return .object(members)
            case nil: throw error("unexpected end of input inside an object")
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    mutating func readArray() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue())
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                depth -= 1
                return .array(elements)
            case nil: throw error("unexpected end of input inside a list")
            default: throw error("expected ',' or ']' in a list")
            }
        }
    }

    mutating func readLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { expected in
            offset + count <= bytes.count && bytes[offset..<offset + count].elementsEqual(expected)
        }
        guard matches else { throw error("invalid literal") }
        offset += count
        return value
    }

    mutating func readNumber() throws(JSONSyntaxError) -> Double {
        let start = offset
        if peek() == UInt8(ascii: "-") { offset += 1 }
        guard let first = peek(), isDigit(first) else { throw error("invalid number") }
        if first == UInt8(ascii: "0") {
            offset += 1
            if let next = peek(), isDigit(next) { throw error("numbers may not have leading zeros") }
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            guard let next = peek(), isDigit(next) else { throw error("invalid number: digits expected after '.'") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            guard let next = peek(), isDigit(next) else { throw error("invalid number: digits expected in exponent") }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw error("number out of range", at: start) }
        return value
    }

    mutating func readString() throws(JSONSyntaxError) -> String {
        // Most strings hold no escape: then the bytes between the quotes are taken in one go, and when they are all
        // ASCII they need no UTF-8 validation.
        var end = offset + 1
        var highBits: UInt8 = 0
        while end < bytes.count, bytes[end] >= 0x20, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\")
        {
            highBits |= bytes[end]
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let range = (offset + 1)..<end
            let text: String?
            if highBits < 0x80 {
                text = bytes.withUnsafeBufferPointer {
                    String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self)
                }
            } else {
                text = String(validating: bytes[range], as: UTF8.self)
            }
            guard let text else { throw error("invalid UTF-8 in a string", at: offset + 1) }
            offset = end + 1
            return text
        }
        return try readEscapedString()
    }

    /// A string with escapes (or an error in it), read scalar by scalar.
    mutating func readEscapedString() throws(JSONSyntaxError) -> String {
        let start = offset
        offset += 1
        var scalars = String.UnicodeScalarView()
        var runStart = offset
        while true {
            guard let byte = peek() else { throw error("unterminated string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                try appendRun(from: runStart, to: offset, into: &scalars)
                offset += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                try appendRun(from: runStart, to: offset, into: &scalars)
                offset += 1
                scalars.append(try readEscape())
                runStart = offset
            case 0..<0x20:
                throw error("control character \(describe(byte)) in a string; it must be escaped")
            default:
                offset += 1
            }
        }
    }

    mutating func appendRun(
        from start: Int,
        to end: Int,
        into scalars: inout String.UnicodeScalarView
    )
        throws(JSONSyntaxError)
    {
        guard start < end else { return }
        guard let run = String(validating: bytes[start..<end], as: UTF8.self) else {
            throw error("invalid UTF-8 in a string", at: start)
        }
        scalars.append(contentsOf: run.unicodeScalars)
    }

    mutating func readEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        guard let byte = peek() else { throw error("unterminated escape") }
        offset += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try readHex4()
            if (0xD800..<0xDC00).contains(high) {
                guard peek() == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u")
                else { throw error("unpaired surrogate in \\u escape") }
                offset += 2
                let low = try readHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair in \\u escape") }
                let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                guard let scalar = Unicode.Scalar(combined) else { throw error("invalid \\u escape") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else { throw error("unpaired surrogate in \\u escape") }
            return scalar
        default:
            throw error("invalid escape \\\(describe(byte))")
        }
    }

    mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { offset += 1 }
    }

    mutating func skipWhitespace() {
        while let byte = peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
                || byte == UInt8(ascii: "\r")
        {
            offset += 1
        }
    }

    func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x\(String(byte, radix: 16))"
    }

    func error(_ message: String, at position: Int? = nil) -> JSONSyntaxError {
        let end = min(position ?? offset, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        // Columns count characters, not bytes, so editors land on the right spot.
        let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
        return JSONSyntaxError(message, line: line, column: column)
    }
}
