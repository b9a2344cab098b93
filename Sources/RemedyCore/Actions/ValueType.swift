/// The type of an action parameter or output, checked when a playbook is validated and again when a plan is built.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case string
    case integer
    case boolean
    /// A duration written like `30m`, `1h30m`, `45s` or `2d`.
    case duration
    /// An AWS identifier of a given format, checked before it can reach an API call.
    case identifier(ResourceIdentifierKind)
    /// One of a fixed set of strings.
    case oneOf([String])
    case list(ValueType)
    case map(ValueType)
    /// A TCP/UDP port, 0-65535.
    case port
    /// Anything JSON can hold (notes, documents).
    case any

    public var description: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .boolean: "boolean"
        case .duration: "duration"
        case .identifier(let kind): kind.rawValue
        case .oneOf(let values): "one of " + values.joined(separator: "|")
        case .list(let element): "list of \(element)"
        case .map(let value): "map of \(value)"
        case .port: "port"
        case .any: "any"
        }
    }

    /// Checks `value` and returns it in canonical form (a duration as seconds, a numeric string as an integer),
    /// or throws a message saying what was expected.
    public func validate(_ value: JSONValue) throws(ValueTypeError) -> JSONValue {
        switch (self, value) {
        case (.any, _):
            return value
        case (.string, .string(let text)):
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) else {
                throw ValueTypeError("text contains control characters")
            }
            return value
        case (.integer, .number(let number)) where number.rounded() == number && abs(number) < 1e15:
            return value
        case (.integer, .string(let text)):
            guard let number = Int(text) else { throw ValueTypeError("expected an integer, got \(quoted(text))") }
            return .number(Double(number))
        case (.port, _):
            let number = try ValueType.integer.validate(value)
            guard let port = number.doubleValue, (0...65535).contains(port) else {
                throw ValueTypeError("expected a port from 0 to 65535, got \(value)")
            }
            return number
        case (.boolean, .bool):
            return value
        case (.duration, .string(let text)):
            guard let duration = DurationText.parse(text) else {
                throw ValueTypeError("expected a duration such as 30s, 15m, 1h30m or 2d, got \(quoted(text))")
            }
            return .number(Double(duration.components.seconds))
        case (.duration, .number(let seconds)):
            guard Duration(checkedSeconds: seconds) != nil else {
                throw ValueTypeError(
                    "expected a duration from 0 to \(DurationText.format(DurationText.maximum)), got \(value)"
                )
            }
            return value
        case (.identifier(let kind), .string(let text)):
            if let problem = kind.problem(with: text) { throw ValueTypeError(problem) }
            return value
        case (.oneOf(let allowed), .string(let text)):
            guard allowed.contains(text) else {
                throw ValueTypeError("expected one of \(allowed.joined(separator: ", ")), got \(quoted(text))")
            }
            return value
        case (.list(let element), .array(let values)):
            var checked: [JSONValue] = []
            for (index, item) in values.enumerated() {
                do {
                    checked.append(try element.validate(item))
                } catch {
                    throw ValueTypeError("item \(index): \(error.message)")
                }
            }
            return .array(checked)
        case (.list(let element), _) where value.isScalar && value != .null:
            // A single value where a list is expected is a list of one, as in most YAML-based tools.
            return .array([try element.validate(value)])
        case (.map(let valueType), .object(let members)):
            var checked: [String: JSONValue] = [:]
            for (key, member) in members {
                do {
                    checked[key] = try valueType.validate(member)
                } catch {
                    throw ValueTypeError("\(key): \(error.message)")
                }
            }
            return .object(checked)
        default:
            throw ValueTypeError("expected \(article)\(self), got \(value.kindName) \(shortText(value))")
        }
    }

    private var article: String {
        switch self {
        case .list, .map, .oneOf: ""
        case .integer, .identifier(.instanceID), .identifier(.imageID), .identifier(.accessKeyID),
            .identifier(.accountID), .identifier(.arn), .identifier(.ipAddress), .identifier(.iamUserName),
            .identifier(.iamRoleName), .identifier(.iamPrincipalName):
            "an "
        default: "a "
        }
    }

    private func quoted(_ text: String) -> String { ResourceIdentifierKind.quoted(text) }

    private func shortText(_ value: JSONValue) -> String {
        if case .string(let text) = value { return quoted(text) }
        let text = value.jsonText()
        return text.count > 60 ? String(text.prefix(60)) + "…" : text
    }
}

/// Why a value does not fit its declared type.
public struct ValueTypeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension Duration {
    /// The duration in seconds, fractions included: for dates, rates and JSON.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// `seconds` as a duration when it is a number of seconds from 0 to `DurationText.maximum`; nil otherwise (a
    /// negative, infinite or huge value, on which `Duration.seconds(_:)` would trap or mislead).
    public init?(checkedSeconds seconds: Double) {
        guard seconds.isFinite, seconds >= 0, seconds <= Double(DurationText.maximum.components.seconds) else {
            return nil
        }
        self = .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// Durations as playbooks, the configuration and scenarios write them: `45s`, `30m`, `1h30m`, `2d`, and `0`.
public enum DurationText {
    /// Longest duration accepted: a year, enough for key-age thresholds such as 90d.
    public static let maximum: Duration = .seconds(366 * 24 * 3600)

    public static func parse(_ text: String) -> Duration? {
        // Nothing at all needs no unit.
        if text == "0" { return .zero }
        var seconds: Int64 = 0
        var number: Int64?
        var sawUnit = false
        for scalar in text.unicodeScalars {
            if let digit = Int64(String(scalar)), scalar.isASCII {
                let (value, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow, value < 1_000_000_000 else { return nil }
                number = value + digit
                continue
            }
            let unit: Int64
            switch scalar {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            default: return nil
            }
            guard let value = number else { return nil }
            seconds += value * unit
            number = nil
            sawUnit = true
        }
        guard sawUnit, number == nil else { return nil }
        let duration = Duration.seconds(seconds)
        return duration <= maximum ? duration : nil
    }

    /// `1h30m` for 5,400 seconds: the shortest text that parses back to the same duration.
    public static func format(_ duration: Duration) -> String {
        var remaining = duration.components.seconds
        guard remaining > 0 else { return "0s" }
        var text = ""
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60), ("s", 1)] where remaining >= size {
            text += "\(remaining / size)\(unit)"
            remaining %= size
        }
        return text
    }
}
