/// The parameters of an `ec2` or `query` protocol request, in order, serialised as a form body.
///
/// Values are escaped on the way out, so no value, whatever it contains, can add or change a parameter.
public struct FormParameters: Sendable, Hashable {
    public private(set) var pairs: [(name: String, value: String)] = []

    public init(action: String, version: String) {
        pairs = [("Action", action), ("Version", version)]
    }

    public mutating func set(_ name: String, _ value: String) {
        pairs.append((name, value))
    }

    public mutating func set(_ name: String, _ value: Bool) {
        pairs.append((name, value ? "true" : "false"))
    }

    public mutating func set(_ name: String, _ value: Int) {
        pairs.append((name, String(value)))
    }

    /// Sets `value` when it is not nil.
    public mutating func set(_ name: String, ifPresent value: String?) {
        if let value { set(name, value) }
    }

    /// A list: `Name.1`, `Name.2` for EC2 (flat lists), `Name.member.1` for the query protocol.
    public mutating func set(_ name: String, list values: [String], style: ListStyle) {
        for (index, value) in values.enumerated() {
            pairs.append(("\(name)\(style.separator)\(index + 1)", value))
        }
    }

    public enum ListStyle: Sendable {
        case ec2
        case query

        var separator: String {
            switch self {
            case .ec2: "."
            case .query: ".member."
            }
        }
    }

    /// Whether a parameter is present with this value.
    public func contains(_ name: String, _ value: String) -> Bool {
        pairs.contains { $0.name == name && $0.value == value }
    }

    /// The `application/x-www-form-urlencoded` body, encoded as botocore does (`quote_plus`, space as `+`).
    public var body: [UInt8] {
        var bytes: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            FormParameters.appendEncoded(pair.name, to: &bytes)
            bytes.append(UInt8(ascii: "="))
            FormParameters.appendEncoded(pair.value, to: &bytes)
        }
        return bytes
    }

    /// botocore's `quote_plus`: unreserved characters kept, space as `+`, everything else percent-encoded.
    static func appendEncoded(_ text: String, to bytes: inout [UInt8]) {
        URIEncoding.append(text, to: &bytes, spaceAsPlus: true, keepSlashes: false)
    }

    public static func == (lhs: FormParameters, rhs: FormParameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }
}

/// Percent-encoding for URI paths and query strings (RFC 3986 unreserved characters are kept).
public enum URIEncoding {
    /// Encodes `text` for a path label; `/` is kept only when `keepSlashes` (S3 object keys, greedy labels).
    public static func encode(_ text: String, keepSlashes: Bool = false) -> String {
        var bytes: [UInt8] = []
        append(text, to: &bytes, spaceAsPlus: false, keepSlashes: keepSlashes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func append(_ text: String, to bytes: inout [UInt8], spaceAsPlus: Bool, keepSlashes: Bool) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                bytes.append(byte)
            case UInt8(ascii: "/") where keepSlashes:
                bytes.append(byte)
            case UInt8(ascii: " ") where spaceAsPlus:
                bytes.append(UInt8(ascii: "+"))
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// Decodes `%XX` escapes (and `+` as a space when `plusAsSpace`); nil for a broken escape or bytes that are not
    /// UTF-8, as Foundation's `removingPercentEncoding`, which costs a bridge to `NSString` per call.
    @inlinable  // Specialised in the caller's module: unspecialised, every byte is a witness-table call.
    public static func decode(_ encoded: some Collection<UInt8>, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index != encoded.endIndex {
            let byte = encoded[index]
            encoded.formIndex(after: &index)
            switch byte {
            case UInt8(ascii: "%"):
                guard index != encoded.endIndex, let high = hexValue(encoded[index]) else { return nil }
                encoded.formIndex(after: &index)
                guard index != encoded.endIndex, let low = hexValue(encoded[index]) else { return nil }
                encoded.formIndex(after: &index)
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    @usableFromInline
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A query string from pairs, each key and value encoded; a nil value gives a bare key (`?publicAccessBlock`).
    public static func query(_ items: [(name: String, value: String?)]) -> String {
        items.map { item in
            item.value.map { "\(encode(item.name))=\(encode($0))" } ?? encode(item.name)
        }.joined(separator: "&")
    }
}
