import RemedyCore

/// Where to send a service's requests and how to sign them.
public struct AWSEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// A path prefix from an endpoint override (`http://127.0.0.1:5000/prefix`), without a trailing slash.
    public var basePath: String
    /// The region in the credential scope (`us-east-1` for IAM in the `aws` partition).
    public var signingRegion: String
    /// True when the endpoint came from configuration rather than AWS's naming rules: S3 then uses path-style
    /// addressing and S3 Control does not put the account id in the host.
    public var isOverride: Bool

    public init(
        scheme: String,
        host: String,
        port: Int? = nil,
        basePath: String = "",
        signingRegion: String,
        isOverride: Bool
    ) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
        self.signingRegion = signingRegion
        self.isOverride = isOverride
    }

    /// Parses an override such as `http://127.0.0.1:5077` or `https://vpce-123.ec2.us-east-1.vpce.amazonaws.com`.
    public init?(overrideURL text: String, signingRegion: String) {
        let schemeEnd = text.firstRange(of: "://")
        guard let schemeEnd else { return nil }
        let scheme = String(text[..<schemeEnd.lowerBound]).lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = text[schemeEnd.upperBound...]
        var basePath = ""
        if let slash = rest.firstIndex(of: "/") {
            basePath = String(rest[slash...])
            rest = rest[..<slash]
            while basePath.hasSuffix("/") { basePath.removeLast() }
        }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { return nil }
                port = value
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { return nil }
            port = value
            host = String(host[..<colon])
        }
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.isASCII && $0 != " " }) else { return nil }
        self.init(
            scheme: scheme,
            host: host.lowercased(),
            port: port,
            basePath: basePath,
            signingRegion: signingRegion,
            isOverride: true
        )
    }

    public var description: String {
        "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(basePath)"
    }
}

/// Resolves endpoints and the region from the environment and the shared config, as the AWS SDKs do.
///
/// Overrides, highest first: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's `services` section,
/// the profile's `endpoint_url`; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` turns them all off. Without an override
/// the endpoint follows AWS's naming rules for the region's partition.
public struct EndpointResolver: Sendable {
    public var environment: [String: String]
    /// Per-service `endpoint_url` values from the profile's `services` section, keyed by `environmentName`
    /// lowercased (`s3_control`).
    public var profileServiceEndpoints: [String: String]
    /// The profile's own `endpoint_url`.
    public var profileEndpoint: String?

    public init(
        environment: [String: String],
        profileServiceEndpoints: [String: String] = [:],
        profileEndpoint: String? = nil
    ) {
        self.environment = environment
        self.profileServiceEndpoints = profileServiceEndpoints
        self.profileEndpoint = profileEndpoint
    }

    /// `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the profile's region.
    public static func region(environment: [String: String], profileRegion: String?) -> String? {
        region(environment: environment, profileRegion: profileRegion, profileDescription: "profile")?.region
    }

    /// The region and where it came from (`AWS_REGION`, or `profileDescription`), for `remedy doctor`.
    public static func region(
        environment: [String: String],
        profileRegion: String?,
        profileDescription: String
    ) -> (region: String, source: String)? {
        let candidates = [
            (environment["AWS_REGION"], "AWS_REGION"),
            (environment["AWS_DEFAULT_REGION"], "AWS_DEFAULT_REGION"),
            (profileRegion, profileDescription),
        ]
        for (candidate, source) in candidates {
            if let region = candidate?.trimmingWhitespace(), !region.isEmpty { return (region, source) }
        }
        return nil
    }

    /// The endpoint for `service` in `region`.
    public func endpoint(for service: AWSService, region: String) throws(AWSError) -> AWSEndpoint {
        let partition = Partition(region: region)
        let signingRegion = service.isGlobal ? partition.globalSigningRegion : region
        if let override = overrideURL(for: service) {
            guard let endpoint = AWSEndpoint(overrideURL: override, signingRegion: signingRegion) else {
                throw AWSError(
                    service: service.id,
                    operation: "(endpoint)",
                    statusCode: nil,
                    code: "InvalidEndpointURL",
                    message: "endpoint override '\(override)' is not an http(s) URL",
                    kind: .permanent
                )
            }
            return endpoint
        }
        return AWSEndpoint(
            scheme: "https",
            host: defaultHost(for: service, region: region, partition: partition),
            signingRegion: signingRegion,
            isOverride: false
        )
    }

    func overrideURL(for service: AWSService) -> String? {
        if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true" { return nil }
        let candidates = [
            environment["AWS_ENDPOINT_URL_\(service.environmentName)"],
            environment["AWS_ENDPOINT_URL"],
            profileServiceEndpoints[service.environmentName.lowercased()],
            profileEndpoint,
        ]
        return candidates.compactMap { $0?.trimmingWhitespace() }.first { !$0.isEmpty }
    }

    func defaultHost(for service: AWSService, region: String, partition: Partition) -> String {
        if service.isGlobal { return partition.globalHost(prefix: service.endpointPrefix) }
        if service.id == "s3", region == "us-east-1" { return "s3.amazonaws.com" }
        return "\(service.endpointPrefix).\(region).\(partition.dnsSuffix)"
    }
}

/// The partition facts endpoint resolution needs.
extension Partition {
    public var dnsSuffix: String {
        switch self {
        case .aws, .awsGovCloud: "amazonaws.com"
        case .awsChina: "amazonaws.com.cn"
        }
    }

    /// Where global services such as IAM sign: one region per partition.
    public var globalSigningRegion: String {
        switch self {
        case .aws: "us-east-1"
        case .awsChina: "cn-north-1"
        case .awsGovCloud: "us-gov-west-1"
        }
    }

    func globalHost(prefix: String) -> String {
        switch self {
        case .aws: "\(prefix).amazonaws.com"
        case .awsChina: "\(prefix).cn-north-1.amazonaws.com.cn"
        case .awsGovCloud: "\(prefix).us-gov.amazonaws.com"
        }
    }
}
