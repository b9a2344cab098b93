import Foundation

/// The name-value pairs of an `application/x-www-form-urlencoded` body or a URL query string, decoded, in order.
public struct FormBody: Sendable {
    public var pairs: [(name: String, value: String)] = []
    /// Pairs that could not be decoded.
    public var problems: [String] = []

    /// A form body: `+` is a space.
    public init(_ body: [UInt8]) {
        self.init(text: String(decoding: body, as: UTF8.self), plusIsSpace: true)
    }

    /// A query string (without `?`): `+` is itself.
    public init(query: String) {
        self.init(text: query, plusIsSpace: false)
    }

    private init(text: String, plusIsSpace: Bool) {
        for item in text.split(separator: "&") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decoded = parts.map { part -> String? in
                let spaced = plusIsSpace ? part.replacingOccurrences(of: "+", with: " ") : String(part)
                return spaced.removingPercentEncoding
            }
            guard let name = decoded[0] else {
                problems.append("\(item) is not percent-encoded correctly")
                continue
            }
            guard let value = decoded.count > 1 ? decoded[1] : "" else {
                problems.append("\(item) is not percent-encoded correctly")
                continue
            }
            pairs.append((name, value))
        }
    }

    /// The first value of `name`.
    public func first(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }
}
