/// Reads the XML of AWS answers into an element tree, over bytes.
///
/// What the AWS XML protocols use and nothing more: elements, attributes (checked, then dropped), text with the five
/// predefined entities and character references, CDATA, comments and processing instructions. Element names keep
/// their local part (`ns:Name` is `Name`), as `XMLParser` with namespace processing gives them. A document type
/// declaration is refused rather than read: no AWS answer has one, and it is where entity expansion attacks live.
/// Anything not well-formed is an error with its line, never a partial tree.
///
/// Foundation's `XMLParser` did the same through libxml2 and a delegate call per event, at several times the cost.
struct XMLReader {
    private let bytes: [UInt8]
    private var position = 0

    /// Deeper than any AWS answer; the reader keeps its own stack, so this bounds memory, not recursion.
    static let maximumDepth = 512

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func readDocument() throws(XMLParseError) -> AWSXMLElement {
        // The whole document is UTF-8 without control characters, as XML 1.0 requires: checked once, so every
        // slice between ASCII delimiters below is valid text.
        if let control = bytes.firstIndex(where: { $0 < 0x20 && !Self.isWhitespace($0) }) {
            position = control
            throw error("a control character")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw error("bytes that are not UTF-8") }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        if startsWith("<?xml"), let after = peek(5), Self.isWhitespace(after) { try readDeclaration() }
        try skipMisc()
        guard peek(0) == UInt8(ascii: "<") else { throw error("no root element") }
        let root = try readElement()
        try skipMisc()
        guard position == bytes.count else { throw error("content after the root element") }
        return root
    }

    // MARK: Structure

    /// The element whose start tag begins at `position`, children and all, without recursion.
    private mutating func readElement() throws(XMLParseError) -> AWSXMLElement {
        // The open elements, innermost last, with their names as written: an end tag must repeat the name.
        var open: [(element: AWSXMLElement, qualifiedName: ArraySlice<UInt8>)] = []
        while true {
            // At the '<' of a start tag.
            position += 1
            let qualifiedName = try readName()
            try readAttributes()
            let element = AWSXMLElement(name: Self.localName(qualifiedName))
            if startsWith("/>") {
                position += 2
                guard !open.isEmpty else { return element }
                open[open.count - 1].element.children.append(element)
            } else {
                guard peek(0) == UInt8(ascii: ">") else { throw error("expected '>' to end <\(element.name)>") }
                position += 1
                guard open.count < Self.maximumDepth else { throw error("elements nested too deep") }
                open.append((element, qualifiedName))
            }
            // The innermost open element's content, up to the next start tag; end tags close elements on the way.
            content: while true {
                try readText(into: &open[open.count - 1].element.text)
                let innermost = open[open.count - 1]
                guard position < bytes.count else { throw error("<\(innermost.element.name)> is not closed") }
                if startsWith("</") {
                    position += 2
                    let closing = try readName()
                    skipWhitespace()
                    guard peek(0) == UInt8(ascii: ">") else { throw error("expected '>' to end an end tag") }
                    position += 1
                    guard closing.elementsEqual(innermost.qualifiedName) else {
                        throw error("</\(String(decoding: closing, as: UTF8.self))> closes <\(innermost.element.name)>")
                    }
                    var closed = open.removeLast().element
                    // Elements with children carry only formatting white space as text.
                    if !closed.children.isEmpty { closed.text = "" }
                    guard !open.isEmpty else { return closed }
                    open[open.count - 1].element.children.append(closed)
                } else if startsWith("<!--") {
                    try skipComment()
                } else if startsWith("<![CDATA[") {
                    try readCDATA(into: &open[open.count - 1].element.text)
                } else if startsWith("<?") {
                    try skipProcessingInstruction()
                } else if startsWith("<!") {
                    throw error("a declaration inside an element")
                } else {
                    break content
                }
            }
        }
    }

    /// White space, comments and processing instructions before or after the root element.
    private mutating func skipMisc() throws(XMLParseError) {
        while true {
            skipWhitespace()
            if startsWith("<?") {
                try skipProcessingInstruction()
            } else if startsWith("<!--") {
                try skipComment()
            } else if startsWith("<!") {
                throw error("document type declarations are not read")
            } else {
                return
            }
        }
    }

    private mutating func skipComment() throws(XMLParseError) {
        position += 4
        guard let end = find("--") else { throw error("a comment is not closed") }
        position = end
        guard startsWith("-->") else { throw error("'--' inside a comment") }
        position += 3
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`: checked, then dropped.
    private mutating func readDeclaration() throws(XMLParseError) {
        position += 5
        var names: [String] = []
        var values: [String] = []
        while true {
            let hadSpace = skipWhitespace()
            if startsWith("?>") { break }
            guard hadSpace else { throw error("expected white space in the XML declaration") }
            let (name, value) = try readAssignment()
            names.append(String(decoding: name, as: UTF8.self))
            values.append(String(decoding: value, as: UTF8.self))
        }
        position += 2
        let allowed = ["version", "encoding", "standalone"]
        guard names.first == "version", names.allSatisfy(allowed.contains),
            names == allowed.filter(names.contains)
        else { throw error("the XML declaration is not version, encoding, standalone") }
        let declared = Dictionary(zip(names, values), uniquingKeysWith: { first, _ in first })
        guard let version = declared["version"], version.hasPrefix("1."), version.count > 2,
            version.dropFirst(2).allSatisfy(\.isASCII), version.dropFirst(2).allSatisfy(\.isNumber),
            // AWS answers in UTF-8; a document declaring another encoding would be misread, so it is refused.
            declared["encoding"].map({ $0.uppercased() == "UTF-8" }) ?? true,
            declared["standalone"].map({ $0 == "yes" || $0 == "no" }) ?? true
        else { throw error("the XML declaration's values are not XML 1.x, UTF-8, yes or no") }
    }

    private mutating func skipProcessingInstruction() throws(XMLParseError) {
        position += 2
        let target = try readName()
        guard String(decoding: target, as: UTF8.self).lowercased() != "xml" else {
            throw error("an XML declaration after the start of the document")
        }
        guard let end = find("?>") else { throw error("a processing instruction is not closed") }
        guard end == position || peek(0).map(Self.isWhitespace) == true else {
            throw error("expected white space after a processing instruction's target")
        }
        position = end + 2
    }

    private mutating func readCDATA(into text: inout String) throws(XMLParseError) {
        position += 9
        guard let end = find("]]>") else { throw error("a CDATA section is not closed") }
        text += string(bytes[position..<end])
        position = end + 3
    }

    // MARK: Tags

    /// An XML name: a letter, '_', ':' or a non-ASCII character, then those, digits, '-' and '.'.
    private mutating func readName() throws(XMLParseError) -> ArraySlice<UInt8> {
        let start = position
        guard position < bytes.count, Self.startsName(bytes[position]) else { throw error("expected a name") }
        while position < bytes.count, Self.continuesName(bytes[position]) { position += 1 }
        return bytes[start..<position]
    }

    /// `name="value"` pairs, checked for form and dropped: AWS answers carry nothing in them remedy reads.
    private mutating func readAttributes() throws(XMLParseError) {
        var names: [ArraySlice<UInt8>] = []
        while true {
            let hadSpace = skipWhitespace()
            guard let next = peek(0) else { throw error("a tag is not closed") }
            if next == UInt8(ascii: ">") || next == UInt8(ascii: "/") { return }
            guard hadSpace else { throw error("expected white space before an attribute") }
            let (name, value) = try readAssignment()
            guard !names.contains(where: { $0.elementsEqual(name) }) else { throw error("an attribute given twice") }
            names.append(name)
            var ignored = ""
            try appendDecoded(value, to: &ignored)
        }
    }

    /// `name = "value"` (or in single quotes), as attributes and the XML declaration write them: the name and the
    /// value as written.
    private mutating func readAssignment() throws(XMLParseError) -> (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)
    {
        let name = try readName()
        skipWhitespace()
        guard peek(0) == UInt8(ascii: "=") else { throw error("expected '=' after a name") }
        position += 1
        skipWhitespace()
        guard let quote = peek(0), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw error("expected a quoted value")
        }
        position += 1
        let start = position
        while position < bytes.count, bytes[position] != quote {
            guard bytes[position] != UInt8(ascii: "<") else { throw error("'<' in a quoted value") }
            position += 1
        }
        guard position < bytes.count else { throw error("a quoted value is not closed") }
        position += 1
        return (name, bytes[start..<(position - 1)])
    }

    // MARK: Text

    /// Character data up to the next '<', entities decoded, appended to `text`.
    private mutating func readText(into text: inout String) throws(XMLParseError) {
        let start = position
        var closesCDATA = false
        while position < bytes.count, bytes[position] != UInt8(ascii: "<") {
            if bytes[position] == UInt8(ascii: ">"), position - start >= 2, bytes[position - 1] == UInt8(ascii: "]"),
                bytes[position - 2] == UInt8(ascii: "]")
            {
                closesCDATA = true
            }
            position += 1
        }
        guard !closesCDATA else { throw error("']]>' in character data") }
        if position > start { try appendDecoded(bytes[start..<position], to: &text) }
    }

    /// `raw` with entities and character references decoded and line ends normalised, as XML 1.0 reads text.
    private func appendDecoded(_ raw: ArraySlice<UInt8>, to text: inout String) throws(XMLParseError) {
        guard raw.contains(where: { $0 == UInt8(ascii: "&") || $0 == 0x0D }) else {
            text += string(raw)
            return
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == 0x0D {
                // CR LF and a lone CR both read as LF.
                decoded.append(0x0A)
                index += 1
                if index < raw.endIndex, raw[index] == 0x0A { index += 1 }
                continue
            }
            guard byte == UInt8(ascii: "&") else {
                decoded.append(byte)
                index += 1
                continue
            }
            guard let semicolon = raw[index...].firstIndex(of: UInt8(ascii: ";")) else {
                throw error("'&' that starts no entity")
            }
            let entity = raw[(index + 1)..<semicolon]
            switch String(decoding: entity, as: UTF8.self) {
            case "lt": decoded.append(UInt8(ascii: "<"))
            case "gt": decoded.append(UInt8(ascii: ">"))
            case "amp": decoded.append(UInt8(ascii: "&"))
            case "quot": decoded.append(UInt8(ascii: "\""))
            case "apos": decoded.append(UInt8(ascii: "'"))
            case let reference where reference.hasPrefix("#"):
                let digits = reference.dropFirst()
                let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let value, Self.isCharacter(value), let scalar = Unicode.Scalar(value) else {
                    throw error("'&\(reference);' is not a character")
                }
                decoded.append(contentsOf: String(Character(scalar)).utf8)
            case let name:
                throw error("unknown entity '&\(name);'")
            }
            index = semicolon + 1
        }
        text += string(decoded[...])
    }

    /// Text between ASCII delimiters of a document already checked to be UTF-8.
    private func string(_ raw: ArraySlice<UInt8>) -> String { String(decoding: raw, as: UTF8.self) }

    // MARK: Bytes

    private func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private func startsWith(_ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != prefix.utf8Start[offset] { return false }
        return true
    }

    /// Where `needle` next starts, from `position`.
    private func find(_ needle: StaticString) -> Int? {
        let first = needle.utf8Start[0]
        var index = position
        while let found = bytes[index...].firstIndex(of: first) {
            let end = found + needle.utf8CodeUnitCount
            guard end <= bytes.count else { return nil }
            if (0..<needle.utf8CodeUnitCount).allSatisfy({ bytes[found + $0] == needle.utf8Start[$0] }) { return found }
            index = found + 1
        }
        return nil
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = position
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
        return position > start
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func continuesName(_ byte: UInt8) -> Bool {
        startsName(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: ".")
    }

    /// XML 1.0's `Char`: what a character reference may name.
    private static func isCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    private static func startsName(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"),
            UInt8(ascii: ":"), 0x80...:
            true
        default: false
        }
    }

    /// `ns:Name` without its prefix.
    private static func localName(_ qualified: ArraySlice<UInt8>) -> String {
        let local = qualified.lastIndex(of: UInt8(ascii: ":")).map { qualified[($0 + 1)...] } ?? qualified
        return String(decoding: local, as: UTF8.self)
    }

    private func error(_ message: String) -> XMLParseError {
        let line = bytes[..<min(position, bytes.count)].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        return XMLParseError(message: message, line: line)
    }
}
