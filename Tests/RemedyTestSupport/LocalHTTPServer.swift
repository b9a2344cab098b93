import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request as the local server received it.
public struct RecordedRequest: Sendable, CustomStringConvertible {
    /// The HTTP method, upper case (`GET`, `PUT`).
    public var method: String
    /// The request target as sent: path and query (`/latest/api/token`, `/v2/credentials/abc?x=1`).
    public var uri: String
    /// The header fields in the order they arrived.
    public var headers: [(name: String, value: String)]
    /// The body bytes (empty when there was none).
    public var body: [UInt8]

    public init(method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// The path without the query.
    public var path: String { String(uri.prefix { $0 != "?" }) }

    /// The body decoded as UTF-8.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var description: String { "\(method) \(uri)" }
}

/// What the local server answers to one request.
public struct LocalHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], text: String) {
        self.init(status: status, headers: headers, body: Array(text.utf8))
    }

    /// A JSON body with `Content-Type: application/json`.
    public static func json(_ text: String, status: Int = 200) -> LocalHTTPResponse {
        LocalHTTPResponse(status: status, headers: [("Content-Type", "application/json")], text: text)
    }

    /// An empty answer with only a status code.
    public static func status(_ code: Int) -> LocalHTTPResponse { LocalHTTPResponse(status: code) }
}

/// An HTTP/1.1 server on `127.0.0.1` and a free port that records every request and answers from a closure.
///
/// Create it only through ``withLocalHTTPServer(_:body:)``, which stops it on every path:
///
///     let answer: LocalHTTPServer.Handler = { request in .json(#"{"ok":true}"#) }
///     try await withLocalHTTPServer(answer) { server in
///         let url = server.url("/v1/thing")  // http://127.0.0.1:PORT/v1/thing
///         ...
///         #expect(server.requests.map(\.description) == ["GET /v1/thing"])
///     }
///
/// The handler runs once per request, concurrently for concurrent connections; a handler that sleeps simulates
/// a server that does not answer (it is cancelled when the server stops).
public final class LocalHTTPServer: Sendable {
    public typealias Handler = @Sendable (RecordedRequest) async throws -> LocalHTTPResponse

    /// The port the server listens on.
    public let port: Int
    private let recorded = Mutex<[RecordedRequest]>([])

    init(port: Int) { self.port = port }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `baseURL` followed by `path` (which should start with `/`).
    public func url(_ path: String) -> String { baseURL + path }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] { recorded.withLock { $0 } }

    fileprivate func record(_ request: RecordedRequest) { recorded.withLock { $0.append(request) } }
}

/// Runs `body` with a ``LocalHTTPServer`` answering from `handler`, then stops the server and its connections.
public func withLocalHTTPServer<Result: Sendable>(
    _ handler: @escaping LocalHTTPServer.Handler,
    body: (LocalHTTPServer) async throws -> Result
) async throws -> Result {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                return try Connection(wrappingChannelSynchronously: channel)
            }
        }
    guard let port = listener.channel.localAddress?.port else {
        try? await listener.channel.close()
        throw LocalHTTPServerError(message: "the listening socket has no local port")
    }
    let server = LocalHTTPServer(port: port)

    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await withThrowingDiscardingTaskGroup { connections in
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        connections.addTask { await serve(connection, server: server, handler: handler) }
                    }
                }
            }
        }
        // Whatever `body` does, the listener and every open connection are closed before returning: cancelling
        // the group ends the accept loop and each connection loop (and any handler still sleeping).
        do {
            let result = try await body(server)
            listener.channel.close(promise: nil)
            group.cancelAll()
            try? await group.waitForAll()
            return result
        } catch {
            listener.channel.close(promise: nil)
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// Why the local server could not start.
public struct LocalHTTPServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "LocalHTTPServer: \(message)" }
}

private func serve(
    _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
    server: LocalHTTPServer,
    handler: LocalHTTPServer.Handler
) async {
    try? await connection.executeThenClose { inbound, outbound in
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        for try await part in inbound {
            switch part {
            case .head(let requestHead):
                head = requestHead
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let requestHead = head else { continue }
                let request = RecordedRequest(
                    method: requestHead.method.rawValue,
                    uri: requestHead.uri,
                    headers: requestHead.headers.map { (name: $0.name, value: $0.value) },
                    body: body
                )
                server.record(request)
                let response = try await handler(request)
                var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
                headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
                if !requestHead.isKeepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
                let responseHead = HTTPResponseHead(
                    version: requestHead.version,
                    status: HTTPResponseStatus(statusCode: response.status),
                    headers: headers
                )
                try await outbound.write(.head(responseHead))
                if !response.body.isEmpty {
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
                }
                try await outbound.write(.end(nil))
                if !requestHead.isKeepAlive { return }
                head = nil
            }
        }
    }
}
