import Foundation
import Logging
import RemedyCore

/// Sends API calls to one service in one region: signs them, paces them, retries what is safe to retry, and
/// refuses every mutating call in dry-run mode.
///
/// ```swift
/// let ec2 = try AWSClient(service: .ec2, region: "us-east-1", endpoint: endpoint, credentials: provider)
/// let reply = try await ec2.query("DescribeInstances", effect: .readOnly) { $0.set("InstanceId", list: ids, style: .ec2) }
/// ```
public struct AWSClient: Sendable {
    /// Whether calls may change the account.
    public enum Mode: Sendable, Hashable {
        case live
        /// Mutating calls are refused here, in the transport, whatever the caller does; EC2 mutating calls go out
        /// with `DryRun=true`, which AWS evaluates for permission without acting.
        case dryRun
    }

    public struct Configuration: Sendable {
        public var retry: RetryStrategy
        /// Deadline for one attempt, connection included.
        public var timeout: Duration
        public var userAgent: String
        /// Told about every call once it is settled (retries included): for metrics.
        public var callObserver: (@Sendable (AWSCallOutcome) -> Void)?

        public init(
            retry: RetryStrategy = RetryStrategy(),
            timeout: Duration = .seconds(30),
            userAgent: String = "remedy/0.1",
            callObserver: (@Sendable (AWSCallOutcome) -> Void)? = nil
        ) {
            self.retry = retry
            self.timeout = timeout
            self.userAgent = userAgent
            self.callObserver = callObserver
        }
    }

    /// How one call ended, for whoever counts calls.
    public struct AWSCallOutcome: Sendable, Hashable {
        public var service: String
        public var operation: String
        /// The AWS error code, or nil for a success.
        public var errorCode: String?
    }

    public let service: AWSService
    public let region: String
    public let endpoint: AWSEndpoint
    public let mode: Mode
    public let configuration: Configuration
    /// The account whose pacing bucket calls draw from.
    public let account: String

    let credentials: any AWSCredentialProvider
    let transport: any HTTPTransport
    let signer: SigV4Signer
    let quota: RetryQuota
    let pacer: RequestPacer?
    let clock: ElapsedTime
    let jitter: @Sendable () -> Double
    let logger: Logger

    public init(
        service: AWSService,
        region: String,
        endpoint: AWSEndpoint,
        credentials: any AWSCredentialProvider,
        account: String = "",
        mode: Mode = .live,
        configuration: Configuration = Configuration(),
        transport: any HTTPTransport = AsyncHTTPClientTransport(),
        quota: RetryQuota = RetryQuota(),
        pacer: RequestPacer? = nil,
        clock: some Clock<Duration> = ContinuousClock(),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger = Logger(label: "remedy.aws"),
        signingKeys: SigningKeyCache = SigningKeyCache()
    ) throws(AWSError) {
        self.service = service
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.account = account
        self.mode = mode
        self.configuration = configuration
        self.transport = transport
        self.quota = quota
        self.pacer = pacer
        self.clock = ElapsedTime(clock)
        self.jitter = jitter
        self.logger = logger
        let rules: SigningRules = service.signingName == "s3" ? .s3(signPayload: true) : .standard
        do {
            signer = try SigV4Signer(
                service: service.signingName,
                region: endpoint.signingRegion,
                rules: rules,
                keyCache: signingKeys
            )
        } catch {
            throw AWSError(
                service: service.id,
                operation: "(client)",
                statusCode: nil,
                code: "InvalidSigningScope",
                message: error.description,
                kind: .permanent
            )
        }
    }

    /// Sends `call` and returns the successful response; an AWS error response is thrown as `AWSError`.
    public func perform(_ call: AWSCall) async throws(AWSError) -> HTTPResponseData {
        guard let observer = configuration.callObserver else { return try await performObserved(call) }
        do {
            let response = try await performObserved(call)
            observer(AWSCallOutcome(service: service.id, operation: call.operation, errorCode: nil))
            return response
        } catch {
            observer(AWSCallOutcome(service: service.id, operation: call.operation, errorCode: error.code))
            throw error
        }
    }

    private func performObserved(_ call: AWSCall) async throws(AWSError) -> HTTPResponseData {
        var call = call
        if call.effect.isMutating, mode == .dryRun {
            guard service.wireProtocol == .ec2, call.dryRun == .evaluate else {
                throw AWSError(
                    service: service.id,
                    operation: call.operation,
                    statusCode: nil,
                    code: "DryRunRefused",
                    message: "dry-run: \(call.operation) changes the account, so it is not sent",
                    kind: .refused
                )
            }
            call.body = FormParameters.appendingDryRun(to: call.body)
        }

        let invocationID = RandomUUID.make()
        let maximumAttempts = configuration.retry.maximumAttempts
        var retryCosts = 0
        var attempt = 1
        while true {
            let outcome = await attemptOnce(
                call,
                attempt: attempt,
                maximumAttempts: maximumAttempts,
                invocationID: invocationID
            )
            switch outcome {
            case .success(let response):
                await quota.release(retryCosts == 0 ? 1 : retryCosts)
                await pacer?.succeeded(pacingKey)
                return response
            case .failure(let failure):
                let throttled = failure.error.kind == .throttling
                // Throttling slows the whole bucket and earns more attempts, without spending the retry budget
                // other errors draw on: the request was not performed, so asking again later is safe.
                if throttled { await pacer?.throttled(pacingKey) }
                let attempts = throttled ? configuration.retry.maximumThrottledAttempts : maximumAttempts
                let cost = failure.isTimeout ? RetryQuota.timeoutRetryCost : RetryQuota.retryCost
                guard attempt < attempts, failure.isRetryable(for: call.effect) else { throw failure.error }
                if !throttled {
                    guard await quota.acquire(cost) else { throw failure.error }
                }
                if !throttled { retryCosts += cost }
                let delay = configuration.retry.delay(afterAttempt: attempt, fraction: jitter())
                logger.debug(
                    "retrying",
                    metadata: [
                        "aws.service": "\(service.id)", "aws.operation": "\(call.operation)",
                        "aws.error": "\(failure.error.code)", "aws.attempt": "\(attempt)",
                    ]
                )
                do {
                    try await clock.sleep(delay)
                } catch {
                    throw failure.error
                }
                attempt += 1
            }
        }
    }

    struct Failure: Error {
        var error: AWSError
        var isTimeout: Bool
        /// The request certainly did not reach AWS (connection refused, throttled before acting).
        var certainlyNotPerformed: Bool

        func isRetryable(for effect: AWSCall.Effect) -> Bool {
            switch error.kind {
            case .throttling: return true
            case .transient:
                // A mutation that may have happened is retried only when doing it twice is harmless.
                if case .mutating(idempotent: false) = effect { return certainlyNotPerformed }
                return true
            default: return false
            }
        }
    }

    /// What a transport failure means for the call, before the low-level cause.
    static func describe(_ error: TransportError, timeout: Duration) -> String {
        switch error.kind {
        case .connect: "AWS did not receive the request (\(error.message))"
        case .timeout: "no answer within \(timeout.components.seconds) s (\(error.message))"
        case .connection: "the connection broke before AWS answered (\(error.message))"
        }
    }

    /// The pacer's bucket: calls to one service, in one region, for one account.
    private var pacingKey: String { "\(service.id)/\(region)/\(account)" }

    private func attemptOnce(
        _ call: AWSCall,
        attempt: Int,
        maximumAttempts: Int,
        invocationID: String
    ) async
        -> Result<HTTPResponseData, Failure>
    {
        if let pacer {
            do {
                try await pacer.acquire(pacingKey, service: service.id)
            } catch {
                return .failure(
                    Failure(
                        error: localError(call, "Cancelled", "the call was cancelled while paced"),
                        isTimeout: false,
                        certainlyNotPerformed: true
                    )
                )
            }
        }
        let request: HTTPRequestData
        do {
            request = try await signedRequest(
                call,
                attempt: attempt,
                maximumAttempts: maximumAttempts,
                invocationID: invocationID
            )
        } catch {
            return .failure(Failure(error: error, isTimeout: false, certainlyNotPerformed: true))
        }
        let response: HTTPResponseData
        do {
            response = try await transport.send(request, timeout: configuration.timeout)
        } catch {
            let kind: AWSError.Kind = .transient
            return .failure(
                Failure(
                    error: AWSError(
                        service: service.id,
                        operation: call.operation,
                        statusCode: nil,
                        code: error.kind == .timeout ? "RequestTimeout" : "ConnectionError",
                        message: Self.describe(error, timeout: configuration.timeout),
                        kind: kind
                    ),
                    isTimeout: error.kind == .timeout,
                    certainlyNotPerformed: error.kind == .connect
                )
            )
        }
        guard (200..<300).contains(response.status) else {
            let error = AWSErrorDecoder(service: service, operation: call.operation).decode(response)
            return .failure(Failure(error: error, isTimeout: false, certainlyNotPerformed: error.kind == .throttling))
        }
        return .success(response)
    }

    func signedRequest(
        _ call: AWSCall,
        attempt: Int,
        maximumAttempts: Int,
        invocationID: String
    ) async throws(AWSError)
        -> HTTPRequestData
    {
        var host = endpoint.host
        if let prefix = call.hostPrefix, !endpoint.isOverride { host = "\(prefix).\(host)" }
        let path = endpoint.basePath + (call.path.isEmpty ? "/" : call.path)
        var headers = call.headers
        headers.append(("User-Agent", configuration.userAgent))
        let unsigned = SigV4Request(
            method: call.method,
            scheme: endpoint.scheme,
            host: host,
            port: endpoint.port,
            path: path,
            query: call.query,
            headers: headers,
            payload: .bytes(call.body)
        )
        var wireHeaders: [(name: String, value: String)]
        if call.isSigned {
            let current: AWSCredentials
            do {
                current = try await credentials.credentials()
            } catch {
                throw localError(call, "NoCredentials", "could not obtain credentials: \(error)")
            }
            do {
                wireHeaders = try signer.sign(unsigned, credentials: current, at: SigV4Timestamp(Date())).headers
            } catch {
                throw localError(call, "SigningFailed", error.description)
            }
        } else {
            wireHeaders = unsigned.headers
        }
        // Added after signing, as botocore does: they change between attempts.
        wireHeaders.append(("amz-sdk-invocation-id", invocationID))
        wireHeaders.append(("amz-sdk-request", "attempt=\(attempt); max=\(maximumAttempts)"))
        let authority = endpoint.port.map { "\(host):\($0)" } ?? host
        let url = "\(endpoint.scheme)://\(authority)\(path)\(call.query.isEmpty ? "" : "?" + call.query)"
        return HTTPRequestData(method: call.method, url: url, headers: wireHeaders, body: call.body)
    }

    func localError(_ call: AWSCall, _ code: String, _ message: String) -> AWSError {
        AWSError(
            service: service.id,
            operation: call.operation,
            statusCode: nil,
            code: code,
            message: message,
            kind: .permanent
        )
    }
}

extension FormParameters {
    /// The body with `DryRun=true` set, replacing any `DryRun` value already there.
    static func appendingDryRun(to body: [UInt8]) -> [UInt8] {
        let pairs = body.split(separator: UInt8(ascii: "&")).filter { !$0.starts(with: Array("DryRun=".utf8)) }
        var result = Array(pairs.joined(separator: [UInt8(ascii: "&")]))
        result += Array("&DryRun=true".utf8)
        return result
    }
}
