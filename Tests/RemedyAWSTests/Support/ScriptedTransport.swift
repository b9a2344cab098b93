import RemedyAWS
import RemedyTestSupport
import Synchronization

/// A transport that records every request and answers from a script, for tests of what goes on the wire.
final class ScriptedTransport: HTTPTransport {
    private let state: Mutex<(requests: [HTTPRequestData], replies: [Result<HTTPResponseData, TransportError>])>
    private let fallback: HTTPResponseData

    init(
        replies: [Result<HTTPResponseData, TransportError>] = [],
        fallback: HTTPResponseData = HTTPResponseData(status: 200, body: [])
    ) {
        state = Mutex((requests: [], replies: replies))
        self.fallback = fallback
    }

    var requests: [HTTPRequestData] { state.withLock { $0.requests } }

    func send(_ request: HTTPRequestData, timeout: Duration) async throws(TransportError) -> HTTPResponseData {
        let reply = state.withLock { state -> Result<HTTPResponseData, TransportError> in
            state.requests.append(request)
            return state.replies.isEmpty ? .success(fallback) : state.replies.removeFirst()
        }
        return try reply.get()
    }
}

extension HTTPResponseData {
    static func xml(_ text: String, status: Int = 200) -> HTTPResponseData {
        HTTPResponseData(status: status, headers: [("Content-Type", "text/xml")], body: Array(text.utf8))
    }

    static func json(
        _ text: String,
        status: Int = 200,
        headers: [(name: String, value: String)] = []
    ) -> HTTPResponseData {
        HTTPResponseData(status: status, headers: headers, body: Array(text.utf8))
    }
}

extension HTTPRequestData {
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

enum TestCredentials {
    static let valid = AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
}

extension AWSClient {
    /// A client for tests: fixed credentials, an endpoint on loopback unless given, a scripted transport.
    static func testing(
        _ service: AWSService,
        transport: any HTTPTransport,
        region: String = "us-east-1",
        endpoint: AWSEndpoint? = nil,
        mode: Mode = .live,
        clock: some Clock<Duration> = TestClock(),
        quota: RetryQuota = RetryQuota(),
        credentials: AWSCredentials = TestCredentials.valid
    ) throws -> AWSClient {
        let resolved = try endpoint ?? EndpointResolver(environment: [:]).endpoint(for: service, region: region)
        return try AWSClient(
            service: service,
            region: region,
            endpoint: resolved,
            credentials: StaticCredentialProvider(credentials),
            mode: mode,
            transport: transport,
            quota: quota,
            clock: clock,
            jitter: { 0.5 }
        )
    }
}
