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

    /// A resource identifier, kept as the feed wrote it.
    ///
    /// Its format is checked where a playbook uses it (the planner refuses that playbook), so a sample's placeholder
    /// or an odd id never refuses the whole finding. Only text no AWS identifier can hold (control characters, over 2,048 bytes) is refused here, before it reaches a
    /// terminal, a log line or a notification.
    ///
    /// `naming` says what the identifier is, for the message: "an instance id".
    func resourceID(
        _ value: String,
        field: String,
        naming: String = "a resource id"
    ) throws(FindingInputError)
        -> String
    {
        guard value.utf8.count <= 2_048,
            !value.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        else {
            throw FindingInputError(
                .invalidFinding,
                "\(kind) field \(field): \(ResourceIdentifierKind.quoted(value)) holds control characters or is over "
                    + "2,048 bytes, so it is not \(naming)"
            )
        }
        return value
    }

    /// The finding's update time, or the documented fallback when a hand-built or third-party event lacks it.
    ///
    /// The fallback is its creation time, then the time of the envelope it came in. A value that is not a timestamp
    /// counts as missing.
    func updateTime(
        updated: String?,
        created: String?,
        envelope: String?
    ) throws(FindingInputError) -> (String, Finding.TimestampOrigin) {
        if let updated = updated.flatMap(validTimestamp) { return (updated, .updatedAt) }
        if let created = created.flatMap(validTimestamp) { return (created, .createdAt) }
        if let envelope = envelope.flatMap(validTimestamp) { return (envelope, .envelope) }
        throw FindingInputError(
            .invalidFinding,
            "\(kind) has no update time: neither updatedAt, createdAt nor the envelope's time is a timestamp"
        )
    }

    func validTimestamp(_ value: String) -> String? { try? timestamp(value, field: "") }

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
