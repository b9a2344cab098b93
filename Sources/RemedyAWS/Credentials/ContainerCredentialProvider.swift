import AsyncHTTPClient
import Foundation

/// Credentials from the ECS task role or EKS Pod Identity endpoint.
///
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is appended to `http://169.254.170.2`;
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` may be any `https` URL, but plain `http` only to a loopback address,
/// `169.254.170.2`, `169.254.170.23` or `fd00:ec2::23`, so a token is never sent in clear over a network. The
/// `Authorization` header comes from the file `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every fetch,
/// surrounding whitespace trimmed) or else from `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
public struct ContainerCredentialProvider: AWSCredentialProvider {
    /// The default timeout per attempt, as botocore's.
    public static let defaultTimeout: Duration = .seconds(2)
    /// The default number of attempts, as botocore's.
    public static let defaultAttempts = 3

    /// The endpoint URL credentials are fetched from.
    public let uri: String
    private let tokenFile: String?
    private let token: String?
    private let http: MetadataHTTP
    private let attempts: Int

    /// A provider for `uri`.
    ///
    /// - Throws: ``CredentialError/endpointRefused`` when `uri` is not `https` and not an allowed `http` host.
    public init(
        uri: String,
        authorizationTokenFile: String? = nil,
        authorizationToken: String? = nil,
        httpClient: HTTPClient = AsyncHTTPClientTransport.processClient,
        timeout: Duration = defaultTimeout,
        attempts: Int = defaultAttempts
    ) throws {
        try Self.checkAllowed(uri)
        self.uri = uri
        self.tokenFile = authorizationTokenFile
        self.token = authorizationToken
        self.http = MetadataHTTP(client: httpClient, timeout: timeout)
        self.attempts = max(1, attempts)
    }

    /// The provider the container variables in `environment` configure, or nil when none is set.
    public static func fromEnvironment(
        _ environment: [String: String],
        httpClient: HTTPClient = AsyncHTTPClientTransport.processClient,
        timeout: Duration = defaultTimeout,
        attempts: Int = defaultAttempts
    ) throws -> ContainerCredentialProvider? {
        let value = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let uri: String
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            uri = "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            uri = full
        } else {
            return nil
        }
        return try ContainerCredentialProvider(
            uri: uri,
            authorizationTokenFile: value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
            authorizationToken: value("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
            httpClient: httpClient,
            timeout: timeout,
            attempts: attempts
        )
    }

    public func credentials() async throws -> AWSCredentials {
        var headers: [(String, String)] = []
        if let authorization = try authorizationHeader() { headers.append(("Authorization", authorization)) }
        var lastProblem = ""
        for _ in 0..<attempts {
            try Task.checkCancellation()
            let response: MetadataHTTP.Response
            do {
                response = try await http.send(.get, uri, headers: headers)
            } catch {
                lastProblem = error.describe(timeout: http.timeout)
                continue
            }
            if response.status >= 500 {
                lastProblem = "answered HTTP \(response.status)"
                continue
            }
            guard response.status == 200 else {
                throw CredentialError.endpointUnreachable(
                    "container credentials endpoint \(uri) answered HTTP \(response.status): check the task role or "
                        + "pod identity association and the authorization token"
                )
            }
            let what = "container credentials endpoint \(uri)"
            return try CredentialDocument.decode(response.body, from: what).credentials(from: what)
        }
        throw CredentialError.endpointUnreachable(
            "container credentials endpoint \(uri) \(lastProblem) (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
        )
    }

    private func authorizationHeader() throws -> String? {
        let value: String?
        if let tokenFile {
            do {
                value = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingWhitespace()
            } catch {
                throw CredentialError.invalidConfiguration(
                    "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(tokenFile): check the path and permissions"
                )
            }
        } else {
            value = token
        }
        if let value, value.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw CredentialError.invalidConfiguration("the container authorization token contains a line break")
        }
        return value
    }

    private static func checkAllowed(_ uri: String) throws {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
            let rawHost = components.host, !rawHost.isEmpty
        else {
            throw CredentialError.endpointRefused("container credentials URI '\(uri)' is not an absolute URL")
        }
        if scheme == "https" { return }
        guard scheme == "http" else {
            throw CredentialError.endpointRefused("container credentials URI '\(uri)' must be http or https")
        }
        let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if host == "localhost" { return }
        if let ipv4 = IPAddress.ipv4(host),
            ipv4[0] == 127 || ipv4 == [169, 254, 170, 2] || ipv4 == [169, 254, 170, 23]
        {
            return
        }
        if let ipv6 = IPAddress.ipv6(host), ipv6 == IPAddress.ipv6("::1") || ipv6 == IPAddress.ipv6("fd00:ec2::23") {
            return
        }
        throw CredentialError.endpointRefused(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI '\(uri)' uses plain http to \(host): use https, or http only to "
                + "loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23"
        )
    }
}

/// Parses literal IP addresses into bytes, to compare them whatever their spelling.
enum IPAddress {
    /// `127.0.0.1` → `[127, 0, 0, 1]`.
    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else {
                return nil
            }
            bytes.append(value)
        }
        return bytes
    }

    /// `fd00:ec2::23` → eight 16-bit groups.
    static func ipv6(_ text: String) -> [UInt16]? {
        guard text.contains(":") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
