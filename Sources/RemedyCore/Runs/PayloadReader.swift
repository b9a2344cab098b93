/// A journal record whose payload does not read as an event of its kind: written by something other than remedy,
/// or changed since.
public struct UnreadableEvent: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// Reads fields of a journal payload, naming the record in what it throws.
struct PayloadReader {
    let payload: JSONValue
    let what: String

    init(_ payload: JSONValue, what: String) {
        self.payload = payload
        self.what = what
    }

    func value(_ key: String) -> JSONValue { payload[key] ?? .null }

    func optionalString(_ key: String) -> String? { payload[key]?.stringValue }

    func optionalInteger(_ key: String) -> Int? { payload[key]?.integerValue }

    func strings(_ key: String) -> [String] { (payload[key]?.arrayValue ?? []).compactMap(\.stringValue) }

    func optionalDuration(_ key: String) throws(UnreadableEvent) -> Duration? {
        value(key).isNull ? nil : try duration(key)
    }

    func string(_ key: String) throws(UnreadableEvent) -> String {
        guard let value = payload[key]?.stringValue else { throw UnreadableEvent("\(what) has no string '\(key)'") }
        return value
    }

    func number(_ key: String) throws(UnreadableEvent) -> Double {
        guard let value = payload[key]?.doubleValue else { throw UnreadableEvent("\(what) has no number '\(key)'") }
        return value
    }

    /// A whole number a conversion cannot trap on.
    func integer(_ key: String) throws(UnreadableEvent) -> Int {
        guard let value = payload[key]?.integerValue else {
            throw UnreadableEvent("\(what) has no whole number '\(key)'")
        }
        return value
    }

    /// Seconds as a duration, bounded as playbook durations are.
    func duration(_ key: String) throws(UnreadableEvent) -> Duration {
        guard let seconds = payload[key]?.doubleValue, let duration = Duration(checkedSeconds: seconds) else {
            throw UnreadableEvent("\(what) has no duration '\(key)' in seconds")
        }
        return duration
    }

    func array(_ key: String) throws(UnreadableEvent) -> [JSONValue] {
        guard let value = payload[key]?.arrayValue else { throw UnreadableEvent("\(what) has no list '\(key)'") }
        return value
    }
}
