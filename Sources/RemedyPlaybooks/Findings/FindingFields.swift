import RemedyCore

/// Reads and checks the fields of one finding document, with messages that name the field.
struct FindingFields {
    let document: JSONValue
    /// What the document is, for messages: "GuardDuty finding".
    let kind: String

    func string(_ path: String...) -> String? {
        document.value(at: path)?.stringValue
    }

    func required(_ path: String...) throws(FindingInputError) -> String {
        guard let value = document.value(at: path)?.stringValue, !value.isEmpty else {
            throw FindingInputError(.invalidFinding, "\(kind) is missing \(path.joined(separator: "."))")
        }
        return value
    }

    /// A field that must be an identifier of the given kind.
    func identifier(
        _ value: String,
        _ kind: ResourceIdentifierKind,
        field: String
    ) throws(FindingInputError)
        -> String
    {
        if let problem = kind.problem(with: value) {
            throw FindingInputError(.invalidFinding, "\(self.kind) field \(field): \(problem)")
        }
        return value
    }

    func number(_ path: String...) -> Double? {
        switch document.value(at: path) {
        case .number(let value)?: value
        case .string(let text)?: Double(text)
        default: nil
        }
    }

    /// A timestamp field, checked to look like ISO 8601 so it cannot smuggle anything into a dedupe key.
    func timestamp(_ value: String, field: String) throws(FindingInputError) -> String {
        guard (10...40).contains(value.utf8.count),
            value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x3A) || "-+.TZ".utf8.contains($0) })
        else {
            throw FindingInputError(
                .invalidFinding,
                "\(kind) field \(field): \(ResourceIdentifierKind.quoted(value)) is not an ISO 8601 timestamp"
            )
        }
        return value
    }
}

extension JSONValue {
    /// Converts `{"Key".
    ///
    /// ...}` member names to `{"key": ...}` throughout, as the AWS CLI's PascalCase output of a camelCase API needs.
    /// Values are left alone.
    func lowercasingFirstLetterOfKeys() -> JSONValue {
        switch self {
        case .object(let members):
            var converted: [String: JSONValue] = [:]
            for (key, value) in members {
                let newKey = key.first.map { $0.lowercased() + key.dropFirst() } ?? key
                converted[newKey] = value.lowercasingFirstLetterOfKeys()
            }
            return .object(converted)
        case .array(let elements):
            return .array(elements.map { $0.lowercasingFirstLetterOfKeys() })
        default:
            return self
        }
    }
}
