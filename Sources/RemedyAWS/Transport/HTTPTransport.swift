import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP exchange, the seam between remedy's AWS client and the network.
///
/// The real implementation uses AsyncHTTPClient; tests substitute recording or failing transports, and `remedy
/// exercise` puts its simulated account here (`SimulatedTransport` in RemedyExercise), so the real clients' signed
/// wire requests are what the simulation decodes and answers.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequestData, timeout: Duration) async throws(TransportError) -> HTTPResponseData
}

/// An HTTP request ready for the wire: everything already encoded and signed.
public struct HTTPRequestData: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// An HTTP response as received.
public struct HTTPResponseData: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A failure below HTTP: the request may or may not have reached the server.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No connection was made: the request certainly did not reach the server.
        case connect
        /// Connected, but no complete answer came in time: the request may have been processed.
        case timeout
        /// The connection broke, or the response could not be read.
        case connection
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The transport over AsyncHTTPClient, with TLS verification on.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// Largest response body read, so a misbehaving endpoint cannot exhaust memory.
    public static let maximumResponseBytes = 16 << 20

    /// The process's client for remedy's calls, never shut down (as `HTTPClient.shared`).
    ///
    /// It is configured unlike the shared one:
    /// - redirects are returned, not followed: a signed request must never be sent again, elsewhere, by the HTTP
    ///   layer (a mutating call could happen twice), a certificate fetch must stay on the host that was checked, and
    ///   a credentials endpoint's token must not be sent on to wherever its answer points (botocore does not follow
    ///   them either);
    /// - up to 64 connections per host, as many as the default `concurrency.max_runs`, so concurrent runs do not
    ///   queue behind AsyncHTTPClient's default of 8 while AWS takes tens of milliseconds per call;
    /// - no decompression (remedy never asks for compressed answers) and no tracing spans (nothing reads them).
    public static let processClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64),
            decompression: .disabled
        )
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    private let client: HTTPClient

    public init(client: HTTPClient = processClient) {
        self.client = client
    }

    public func send(_ request: HTTPRequestData, timeout: Duration) async throws(TransportError) -> HTTPResponseData {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let seconds = timeout.components.seconds
        let attoseconds = timeout.components.attoseconds
        let deadline = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(outgoing, timeout: deadline)
            var body = try await response.body.collect(upTo: Self.maximumResponseBytes)
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            return HTTPResponseData(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: bytes
            )
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw TransportError(.connect, "could not connect to \(Self.hostDescription(request.url)) in time")
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw TransportError(.timeout, "no answer from \(Self.hostDescription(request.url)) in time")
        } catch let error as NIOConnectionError {
            throw TransportError(.connect, "could not connect to \(Self.hostDescription(request.url)): \(error)")
        } catch {
            throw TransportError(.connection, "request to \(Self.hostDescription(request.url)) failed: \(error)")
        }
    }

    /// Scheme, host and port only: the URL may carry a presigned query.
    static func hostDescription(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "the endpoint" }
        let rest = url[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" }
        return String(url[..<schemeEnd.upperBound]) + host
    }
}
