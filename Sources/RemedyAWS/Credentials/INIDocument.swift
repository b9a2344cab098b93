/// The sections of an AWS shared config or credentials file, parsed the way botocore's `configparser` does.
///
/// Whole-line comments start with `#` or `;` (a `#` later in a line is part of the value, as in botocore);
/// `key = value` and `key: value` both work; keys are lower-cased, section names are kept as written (trimmed);
/// an indented line continues the previous value, and a value that starts on the next line is a nested
/// sub-section (`s3 =` / `  addressing_style = path`). Unlike `configparser`, a repeated section or key merges,
/// the later value winning, instead of failing the whole file.
struct INIDocument: Sendable, Equatable {
    /// One `[name]` section: flat settings plus nested sub-sections.
    struct Section: Sendable, Equatable {
        var values: [String: String] = [:]
        var nested: [String: [String: String]] = [:]
    }

    /// Sections in first-appearance order, by name as written between the brackets.
    private(set) var sectionNames: [String] = []
    private(set) var sections: [String: Section] = [:]

    /// A line that cannot be parsed, with its 1-based number.
    struct SyntaxError: Error, Sendable, Equatable {
        var line: Int
        var reason: String
    }

    init(parsing text: String) throws(SyntaxError) {
        var current: String?
        // The key whose value an indented line continues, and the indentation of its line.
        var openKey: (key: String, indent: Int)?
        var raw: [String: [(key: String, value: String)]] = [:]

        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count

            if let open = openKey, indent > open.indent, let section = current {
                raw[section, default: []].append((open.key, "\n" + trimmed))
                continue
            }
            openKey = nil

            if trimmed.hasPrefix("[") {
                guard let close = trimmed.lastIndex(of: "]") else {
                    throw SyntaxError(line: index + 1, reason: "section header has no closing ']'")
                }
                let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close].trimmingWhitespace()
                guard !name.isEmpty else { throw SyntaxError(line: index + 1, reason: "empty section name") }
                current = name
                if sections[name] == nil {
                    sections[name] = Section()
                    sectionNames.append(name)
                }
                continue
            }
            guard let section = current else {
                throw SyntaxError(line: index + 1, reason: "setting before the first [section] header")
            }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw SyntaxError(line: index + 1, reason: "expected 'key = value'")
            }
            let key = trimmed[..<separator].trimmingWhitespace().lowercased()
            let value = trimmed[trimmed.index(after: separator)...].trimmingWhitespace()
            guard !key.isEmpty else { throw SyntaxError(line: index + 1, reason: "empty key before '='") }
            raw[section, default: []].append((key, value))
            openKey = (key, indent)
        }

        // Join continuation lines onto their key, then split nested values (those starting with a newline).
        for (name, pairs) in raw {
            var joined: [(key: String, value: String)] = []
            for pair in pairs {
                if pair.value.hasPrefix("\n"), let last = joined.last, last.key == pair.key {
                    joined[joined.count - 1].value += pair.value
                } else {
                    joined.append(pair)
                }
            }
            var section = sections[name] ?? Section()
            for (key, value) in joined {
                if value.hasPrefix("\n") {
                    section.nested[key] = try Self.parseNested(value, key: key)
                    section.values[key] = nil
                } else {
                    section.values[key] = value
                    section.nested[key] = nil
                }
            }
            sections[name] = section
        }
    }

    /// botocore's `_parse_nested`: each non-empty line is `key = value`; keys keep their case.
    private static func parseNested(_ value: String, key: String) throws(SyntaxError) -> [String: String] {
        var result: [String: String] = [:]
        for line in value.split(separator: "\n") {
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw SyntaxError(line: 0, reason: "nested setting under '\(key)' is not 'key = value'")
            }
            result[String(trimmed[..<equals].trimmingWhitespace())] = trimmed[trimmed.index(after: equals)...]
                .trimmingWhitespace()
        }
        return result
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
