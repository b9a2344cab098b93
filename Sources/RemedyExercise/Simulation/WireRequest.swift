import Foundation
import RemedyAWS
import RemedyCore

/// An HTTP request as the simulated account reads it: who signed it, for which service and region, and its parts.
struct WireRequest {
    var method: String
    var host: String
    /// The percent-decoded path.
    var path: String
    var query: [(name: String, value: String)]
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// From the SigV4 `Authorization` header's credential scope; nil for unsigned requests.
    var accessKeyID: String?
    var signingService: String?

    /// Throws when the URL cannot be split; the caller answers 400 and nothing runs.
    init(_ request: HTTPRequestData) throws(SigV4Error) {
        let target = try SigV4Request(method: request.method, url: request.url)
        method = request.method
        headers = request.headers
        body = request.body
        host = target.host
        path = URIEncoding.decode(target.path.utf8) ?? target.path
        query = Self.formPairs(Array(target.query.utf8))
        if let authorization = request.header("Authorization"),
            let credential = authorization.firstRange(ofBytes: "Credential=")
        {
            let scope = authorization[credential.upperBound...].prefix { $0 != "," }.split(separator: "/")
            if scope.count >= 5 {
                accessKeyID = String(scope[0])
                signingService = String(scope[3])
            }
        }
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// `a=1&b=x+y` into pairs, `+` as space and percent escapes decoded.
    static func formPairs(_ bytes: [UInt8]) -> [(name: String, value: String)] {
        bytes.split(separator: UInt8(ascii: "&")).map { pair in
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: ArraySlice<UInt8>?) -> String {
                guard let part else { return "" }
                return URIEncoding.decode(part, plusAsSpace: true) ?? String(decoding: part, as: UTF8.self)
            }
            return (decode(parts.first), decode(parts.count > 1 ? parts[1] : nil))
        }
    }
}

extension StringProtocol {
    /// The first occurrence of `needle`, compared byte by byte: the generic `firstRange(of:)` cost the simulated
    /// account 2% of an exercise.
    fileprivate func firstRange(ofBytes needle: String) -> Range<Index>? {
        let pattern = Array(needle.utf8)
        let bytes = utf8
        guard let first = pattern.first else { return startIndex..<startIndex }
        var start = bytes.startIndex
        while let candidate = bytes[start...].firstIndex(of: first) {
            if bytes[candidate...].starts(with: pattern) {
                return candidate..<bytes.index(candidate, offsetBy: pattern.count)
            }
            start = bytes.index(after: candidate)
        }
        return nil
    }
}

/// The parameters of an `ec2` or `query` protocol request.
struct FormInput {
    let pairs: [(name: String, value: String)]
    private let index: [String: String]

    init(_ pairs: [(name: String, value: String)]) {
        self.pairs = pairs
        index = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    subscript(_ name: String) -> String? { index[name] }

    /// The values of a numbered list parameter, in order, until one is missing.
    ///
    /// `Name.1`, `Name.2` for EC2; pass `Name.member` for the query protocol's `Name.member.1`.
    func list(_ name: String) -> [String] {
        var values: [String] = []
        var position = 1
        while let value = index["\(name).\(position)"] {
            values.append(value)
            position += 1
        }
        return values
    }

    /// How many numbered groups `Name.N.*` the request has.
    func count(_ name: String) -> Int {
        var position = 1
        while pairs.contains(where: { $0.name.hasPrefix("\(name).\(position).") || $0.name == "\(name).\(position)" }) {
            position += 1
        }
        return position - 1
    }

    /// EC2 filters: name to values.
    var filters: [String: [String]] {
        var filters: [String: [String]] = [:]
        for position in 1...max(1, count("Filter")) {
            guard let name = index["Filter.\(position).Name"] else { continue }
            filters[name] = list("Filter.\(position).Value")
        }
        return filters
    }

    /// Tags given as `Prefix.N.Key` / `Prefix.N.Value`.
    func tags(_ prefix: String) -> [String: String] {
        var tags: [String: String] = [:]
        for position in 1...max(1, count(prefix)) {
            guard let key = index["\(prefix).\(position).Key"] else { continue }
            tags[key] = index["\(prefix).\(position).Value"] ?? ""
        }
        return tags
    }
}

/// A refusal the simulated account answers with, as AWS would: HTTP status, error code, message.
struct AWSFault: Error {
    var status: Int
    var code: String
    var message: String

    init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func unsupported(_ service: String, _ operation: String) -> AWSFault {
        AWSFault(
            400,
            "UnsupportedOperation",
            "the exercise's simulated account does not implement \(service) \(operation); nothing was changed"
        )
    }
}

/// Small XML writing helpers for the responses.
enum XML {
    /// `<name>text</name>`, the text escaped.
    static func leaf(_ name: String, _ text: String) -> String { "<\(name)>\(XMLText.escape(text))</\(name)>" }

    static func leaf(_ name: String, _ value: Bool) -> String { "<\(name)>\(value)</\(name)>" }

    static func leaf(_ name: String, _ value: Int) -> String { "<\(name)>\(value)</\(name)>" }

    static func node(_ name: String, _ children: [String]) -> String { "<\(name)>\(children.joined())</\(name)>" }

    /// A list: `<name><item>...</item>...</name>` (EC2) or with `<member>` (query).
    static func list(_ name: String, _ entries: [String], item: String = "item") -> String {
        "<\(name)>\(entries.map { "<\(item)>\($0)</\(item)>" }.joined())</\(name)>"
    }

    static func tagSet(_ tags: [String: String]) -> String {
        list("tagSet", tags.keys.sorted().map { leaf("key", $0) + leaf("value", tags[$0] ?? "") })
    }
}
