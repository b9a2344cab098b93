import AsyncHTTPClient
import Foundation

/// Credentials of the EC2 instance profile role, from the instance metadata service (IMDSv2).
///
/// A fetch is `PUT /latest/api/token` (`x-aws-ec2-metadata-token-ttl-seconds: 21600`), then
/// `GET /latest/meta-data/iam/security-credentials/` for the role name and `GET …/<role>` for the credentials,
/// both with `x-aws-ec2-metadata-token`. When the token request answers 403, 404 or 405 the two GETs go without
/// a token (IMDSv1), unless v1 is disabled; 400 is fatal. Unlike botocore, a token request that times out does
/// not fall back to v1: off EC2 that would only double the wait, and the default of one attempt with a 1 s timeout
/// is meant to fail fast there.
public struct InstanceMetadataCredentialProvider: AWSCredentialProvider {
    /// Where and how patiently to ask.
    public struct Configuration: Sendable, Equatable {
        /// The service root, without a trailing slash: `http://169.254.169.254` or `http://[fd00:ec2::254]`.
        public var endpoint: String
        /// The deadline of each HTTP request.
        public var timeout: Duration
        /// How many times each request is tried when it times out or answers 5xx.
        public var attempts: Int
        /// Refuse IMDSv1 when the token request is refused (`ec2_metadata_v1_disabled`).
        public var isV1Disabled: Bool

        public init(
            endpoint: String = "http://169.254.169.254",
            timeout: Duration = .seconds(1),
            attempts: Int = 1,
            isV1Disabled: Bool = false
        ) {
            self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            self.timeout = timeout
            self.attempts = max(1, attempts)
            self.isV1Disabled = isV1Disabled
        }

        /// The configuration from `AWS_EC2_METADATA_*` / `AWS_METADATA_SERVICE_*` variables, else the profile's
        /// `ec2_metadata_*` / `metadata_service_*` settings; nil when `AWS_EC2_METADATA_DISABLED=true`.
        public static func from(
            environment: [String: String],
            profile: AWSSharedConfig.Profile?
        ) throws -> Configuration? {
            let setting = { (variable: String, key: String) -> String? in
                environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? profile?[key]
            }
            if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
            var configuration = Configuration()
            let mode = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode")
            switch mode?.lowercased() {
            case nil, "ipv4": break
            case "ipv6": configuration.endpoint = "http://[fd00:ec2::254]"
            case let other?:
                throw CredentialError.invalidConfiguration(
                    "EC2 metadata endpoint mode '\(other)' is neither IPv4 nor IPv6"
                )
            }
            if let endpoint = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint") {
                configuration.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            }
            if let text = setting("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout") {
                guard let seconds = Double(text), seconds > 0 else {
                    throw CredentialError.invalidConfiguration("metadata service timeout '\(text)' is not seconds > 0")
                }
                configuration.timeout = .milliseconds(Int64(seconds * 1000))
            }
            if let text = setting("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts") {
                guard let attempts = Int(text), attempts >= 1 else {
                    throw CredentialError.invalidConfiguration("metadata service attempts '\(text)' is not >= 1")
                }
                configuration.attempts = attempts
            }
            configuration.isV1Disabled =
                setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")?.lowercased() == "true"
            return configuration
        }
    }

    /// The token lifetime asked for, in seconds (six hours, as botocore).
    static let tokenTTL = "21600"

    public let configuration: Configuration
    private let http: MetadataHTTP

    public init(
        configuration: Configuration = Configuration(),
        httpClient: HTTPClient = AsyncHTTPClientTransport.processClient
    ) {
        self.configuration = configuration
        self.http = MetadataHTTP(client: httpClient, timeout: configuration.timeout)
    }

    public func credentials() async throws -> AWSCredentials { try await fetch().credentials }

    /// Fetches the role name and its credentials.
    public func fetch() async throws -> (role: String, credentials: AWSCredentials) {
        let token = try await sessionToken()
        let headers = token.map { [("x-aws-ec2-metadata-token", $0)] } ?? []
        let base = configuration.endpoint + "/latest/meta-data/iam/security-credentials/"

        let list = try await send(.get, base, headers: headers)
        guard list.status == 200 else { throw unexpected(list.status, "the role name request") }
        let role = String(decoding: list.body, as: UTF8.self).split(whereSeparator: \.isNewline).first
            .map { $0.trimmingWhitespace() }
        guard let role, !role.isEmpty else {
            throw CredentialError.invalidResponse(
                "instance metadata at \(configuration.endpoint) lists no IAM role: attach an instance profile"
            )
        }
        let encoded = role.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? role
        let answer = try await send(.get, base + encoded, headers: headers)
        guard answer.status == 200 else { throw unexpected(answer.status, "the credentials request for '\(role)'") }
        let what = "instance metadata role '\(role)'"
        let document = try CredentialDocument.decode(answer.body, from: what)
        if let code = document.code, code != "Success" {
            throw CredentialError.invalidResponse("\(what) answered Code \(code) instead of Success")
        }
        return (role, try document.credentials(from: what))
    }

    /// The IMDSv2 token, or nil to continue with IMDSv1.
    private func sessionToken() async throws -> String? {
        let response = try await send(
            .put,
            configuration.endpoint + "/latest/api/token",
            headers: [("x-aws-ec2-metadata-token-ttl-seconds", Self.tokenTTL)]
        )
        switch response.status {
        case 200:
            return String(decoding: response.body, as: UTF8.self)
        case 403, 404, 405:
            if configuration.isV1Disabled {
                throw CredentialError.endpointUnreachable(
                    "instance metadata at \(configuration.endpoint) refused the IMDSv2 token request (HTTP "
                        + "\(response.status)) and IMDSv1 is disabled by ec2_metadata_v1_disabled"
                )
            }
            return nil
        default:
            throw unexpected(response.status, "the IMDSv2 token request")
        }
    }

    private func unexpected(_ status: Int, _ request: String) -> CredentialError {
        CredentialError.endpointUnreachable(
            "instance metadata at \(configuration.endpoint) answered HTTP \(status) to \(request)"
        )
    }

    /// Sends with retries on timeouts, connection errors and 5xx.
    private func send(
        _ method: MetadataHTTP.Method,
        _ url: String,
        headers: [(String, String)]
    ) async throws -> MetadataHTTP.Response {
        var lastProblem = ""
        for _ in 0..<configuration.attempts {
            try Task.checkCancellation()
            do {
                let response = try await http.send(method, url, headers: headers)
                if response.status >= 500 {
                    lastProblem = "answered HTTP \(response.status)"
                    continue
                }
                return response
            } catch {
                lastProblem = error.describe(timeout: configuration.timeout)
            }
        }
        let attempts = configuration.attempts
        throw CredentialError.endpointUnreachable(
            "instance metadata at \(configuration.endpoint) \(lastProblem) (\(attempts) attempt"
                + "\(attempts == 1 ? "" : "s"); off EC2, set AWS_EC2_METADATA_DISABLED=true to skip it)"
        )
    }
}
