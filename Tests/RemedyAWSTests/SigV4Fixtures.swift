import Foundation
import RemedyAWS

/// Locates and reads the vendored SigV4 vector sets in `Fixtures/sigv4`.
enum SigV4Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sigv4")

    static let classicRoot = root.appendingPathComponent("aws4_testsuite")
    static let awsCAuthRoot = root.appendingPathComponent("aws-signing-test-suite/v4")
    static let botocoreFile = root.appendingPathComponent("botocore_vectors.jsonl")

    /// Every folder of the classic suite holding a `NAME.req`, as a path relative to `aws4_testsuite/`.
    static let classicCases: [String] = {
        guard let walker = FileManager.default.enumerator(atPath: classicRoot.path) else { return [] }
        var names: [String] = []
        for case let relative as String in walker where relative.hasSuffix(".req") {
            let folder = (relative as NSString).deletingLastPathComponent
            if (folder as NSString).lastPathComponent + ".req" == (relative as NSString).lastPathComponent {
                names.append(folder)
            }
        }
        return names.sorted()
    }()

    /// Every aws-c-auth case folder (one holding a `context.json`).
    static let awsCAuthCases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: awsCAuthRoot.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: awsCAuthRoot.appendingPathComponent("\($0)/context.json").path)
        }
        .sorted()
    }()

    /// Every line of `botocore_vectors.jsonl`, keyed by the vector's `id`.
    static let botocoreLines: [String: String] = {
        guard let text = try? String(contentsOf: botocoreFile, encoding: .utf8) else { return [:] }
        var lines: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.isEmpty {
            guard let input = try? SigV4DebugVector.decode(line: String(line)) else { continue }
            lines[input.id] = String(line)
        }
        return lines
    }()

    static var botocoreIDs: [String] { botocoreLines.keys.sorted() }

    static func bytes(_ url: URL) throws -> [UInt8] {
        Array(try Data(contentsOf: url))
    }

    /// A fixture text file with `\r` removed, as the suites' README asks.
    static func text(_ url: URL) throws -> String {
        String(decoding: try bytes(url), as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    }
}

/// A raw HTTP/1.1 request as written in the suites' `.req` / `request.txt` files.
///
/// Deliberately lenient where the suites are: the request target may contain raw spaces and UTF-8
/// (`GET /example space/ HTTP/1.1`), query keys may repeat, and obs-fold continuation lines are unfolded into the
/// previous header value with one space (RFC 9112 §5.2).
struct RawHTTPRequest {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    init(parsing data: [UInt8]) throws {
        // The head ends at the first empty line; the body is everything after it, byte for byte.
        var headEnd = data.count
        var bodyStart = data.count
        var index = 0
        while index + 1 < data.count {
            if data[index] == 0x0a, data[index + 1] == 0x0a {
                headEnd = index
                bodyStart = index + 2
                break
            }
            if index + 3 < data.count, data[index] == 0x0d, data[index + 1] == 0x0a, data[index + 2] == 0x0d,
                data[index + 3] == 0x0a
            {
                headEnd = index
                bodyStart = index + 4
                break
            }
            index += 1
        }
        let head = String(decoding: data[..<headEnd], as: UTF8.self).replacingOccurrences(of: "\r", with: "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw ParseError(description: "empty request") }
        let requestLine = lines.removeFirst()
        guard let firstSpace = requestLine.firstIndex(of: " "), let lastSpace = requestLine.lastIndex(of: " "),
            firstSpace < lastSpace, requestLine[requestLine.index(after: lastSpace)...].hasPrefix("HTTP/")
        else { throw ParseError(description: "bad request line: \(requestLine)") }
        method = String(requestLine[..<firstSpace])
        target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])

        headers = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { throw ParseError(description: "continuation before any header") }
                let continuation = line.trimmingCharacters(in: .whitespaces)
                headers[headers.count - 1].value += " " + continuation
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw ParseError(description: "bad header: \(line)") }
            headers.append((name: String(line[..<colon]), value: String(line[line.index(after: colon)...])))
        }
        body = bodyStart < data.count ? Array(data[bodyStart...]) : []
    }

    /// The first value of header `name` (case-insensitive), trimmed.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value.trimmingCharacters(in: .whitespaces)
    }

    /// The request as the signer takes it: the raw target split at the first `?`, host from the `Host` header.
    func signerRequest() throws -> SigV4Request {
        guard let host = header("host") else { throw ParseError(description: "no Host header") }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return SigV4Request(
            method: method,
            host: host,
            path: String(path[0]),
            query: path.count > 1 ? String(path[1]) : "",
            headers: headers,
            payload: .bytes(body)
        )
    }
}

/// `context.json` of an aws-c-auth case.
struct AWSCAuthContext: Decodable {
    struct Credentials: Decodable {
        var accessKeyID: String
        var secretAccessKey: String
        var token: String?

        enum CodingKeys: String, CodingKey {
            case accessKeyID = "access_key_id"
            case secretAccessKey = "secret_access_key"
            case token
        }
    }

    var credentials: Credentials
    var expirationInSeconds: Int
    var normalize: Bool
    var region: String
    var service: String
    var signBody: Bool
    var timestamp: String
    var omitSessionToken: Bool?

    enum CodingKeys: String, CodingKey {
        case credentials, normalize, region, service, timestamp
        case expirationInSeconds = "expiration_in_seconds"
        case signBody = "sign_body"
        case omitSessionToken = "omit_session_token"
    }
}

/// The `expected` object of a botocore vector.
struct BotocoreExpected: Decodable {
    struct Wrapper: Decodable {
        var expected: BotocoreExpected
    }

    var canonicalRequest: String
    var stringToSign: String
    var signature: String
    var authorization: String
    var signedHeaders: String
    var headersAdded: [String: String]

    enum CodingKeys: String, CodingKey {
        case signature, authorization
        case canonicalRequest = "canonical_request"
        case stringToSign = "string_to_sign"
        case signedHeaders = "signed_headers"
        case headersAdded = "headers_added"
    }
}
