import Hummingbird
import Logging
import NIOCore
import RemedyCore

/// The request context: Hummingbird's, plus the client's address for rate limits and logs, and the connection.
struct ServerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientAddress: String
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }
}

/// The server's routes.
///
/// `POST /v1/events` in order: rate limit, size limit, authentication, decoding, journaling; a refusal at any stage
/// is counted by reason and logged, and nothing of the request reaches the journal.
struct ServerRoutes {
    let server: RemedyServer

    /// One route: what the router serves and what `MethodAndMediaCheck` answers `405` from, declared once.
    struct Route: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var handle: @Sendable (Request, ServerRequestContext) async throws -> Response
    }

    var routes: [Route] {
        [
            Route(method: .get, path: "/healthz") { _, _ in JSONResponse.make(.ok, ["status": "up"]) },
            Route(method: .get, path: "/readyz") { _, _ in try await readiness() },
            Route(method: .get, path: "/metrics") { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(bytes: server.metrics.exposition()))
                )
            },
            Route(method: .post, path: "/v1/events") { request, context in try await events(request, context) },
            Route(method: .get, path: "/v1/runs") { request, _ in try await server.runsAPI.list(request) },
            Route(method: .get, path: "/v1/runs/:run") { request, context in
                try await server.runsAPI.show(request, runID: try context.parameters.require("run"))
            },
            Route(method: .post, path: "/v1/runs/:run/approvals") { request, context in
                try await server.runsAPI.decide(request, runID: try context.parameters.require("run"))
            },
        ]
    }

    func router() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        let routes = routes
        router.add(middleware: RejectionCounter(metrics: server.metrics, logger: server.environment.logger))
        router.add(middleware: MethodAndMediaCheck(routes: routes))
        for route in routes { router.on(RouterPath(route.path), method: route.method, use: route.handle) }
        return router
    }

    /// Anyone may ask: the answer says what is wrong in general terms, and the details go to the log.
    private func readiness() async throws -> Response {
        if let problem = await server.environment.journalProblem() {
            server.environment.logger.error(
                "not ready: the journal cannot take writes",
                metadata: ["error.message": .string(problem)]
            )
            throw Rejection(.serviceUnavailable, "journal-unavailable", "the journal cannot take writes", retryAfter: 5)
        }
        guard server.workersRunning.isRunning, !server.drain.isDraining else {
            throw Rejection(
                .serviceUnavailable,
                "workers-not-running",
                "the workers are not taking runs",
                retryAfter: 5
            )
        }
        return JSONResponse.make(.ok, ["status": "ready", "queued": .number(Double(server.queue.depth))])
    }

    private func events(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        if server.drain.isDraining {
            throw Rejection(.serviceUnavailable, "shutting-down", "the server is shutting down", retryAfter: 10)
        }
        let client = server.clientAddress.bucket(peer: context.clientAddress, headers: request.headers)
        if let wait = await server.rateLimiter.admit(client) {
            throw Rejection(
                .tooManyRequests,
                "rate-limited",
                "over \(server.settings.limits.requestsPerSecond) requests per second from this client",
                retryAfter: wait
            )
        }
        let body = try await collectBody(request)
        if server.requests.carriesCredentials(request.headers) {
            // Credentials are checked before the body is parsed: an unauthenticated client costs no JSON parsing.
            let authenticated = try await server.requests.authenticate(request.headers, body: body)
            return try await server.requests.settle(authenticated) {
                try await accept(try parse(body), from: authenticated.feed)
            }
        }
        // Without credentials headers, only a signed SNS message is accepted.
        guard let parsed = try? parse(body), SNSMessageVerifier.looksLikeSNS(parsed) else {
            throw Rejection.noCredentials
        }
        let message = try await server.sns.verify(parsed)
        switch message.type {
        case "SubscriptionConfirmation":
            try await server.sns.confirmSubscription(message)
            server.environment.logger.info(
                "SNS subscription confirmed",
                metadata: ["sns.topic": .string(message.topicARN)]
            )
            return JSONResponse.make(.ok, ["confirmed": .string(message.topicARN)])
        case "UnsubscribeConfirmation":
            return JSONResponse.make(.ok, ["ignored": "UnsubscribeConfirmation"])
        case "Notification":
            return try await accept(parsed, from: FeedIdentity(method: .sns, name: message.topicARN))
        default:
            throw Rejection(.badRequest, "invalid-sns-message", "SNS message type '\(message.type)' is not handled")
        }
    }

    /// Every finding of the request journaled (a finding already journaled, by an earlier try of the same request,
    /// is named as a duplicate), then `202`.
    private func accept(_ document: JSONValue, from feed: FeedIdentity) async throws -> Response {
        let findings = try server.intake.findings(in: document)
        return JSONResponse.make(.accepted, try await server.intake.accept(findings, from: feed))
    }

    private func parse(_ body: [UInt8]) throws(Rejection) -> JSONValue {
        do {
            return try JSONParser(limits: server.jsonLimits).parse(body)
        } catch {
            throw Rejection(.badRequest, "invalid-json", "the body is not JSON within the limits: \(error)")
        }
    }

    private func collectBody(_ request: Request) async throws -> [UInt8] {
        try await Self.collect(
            request,
            limit: server.settings.limits.maximumBodyBytes,
            deadline: server.settings.limits.bodyTimeout
        )
    }

    /// The request's body, refused (`413`) past `limit` bytes and (`408`) when it takes longer than `deadline` to
    /// arrive: a client trickling a body cannot hold a connection and its memory open.
    static func collect(_ request: Request, limit: Int, deadline: Duration) async throws -> [UInt8] {
        let tooLarge = Rejection(.contentTooLarge, "body-too-large", "the body is over \(limit) bytes")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        let body = request.body
        do {
            return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask { Array(buffer: try await body.collect(upTo: limit)) }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let collected = first else {
                    throw Rejection(.requestTimeout, "body-timeout", "the body took longer than \(deadline) to arrive")
                }
                return collected
            }
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }
}

/// `405` with `Allow` for a known path asked with another method, and `415` for a posted body that is neither JSON
/// nor SNS's `text/plain` (a missing Content-Type is taken as either).
struct MethodAndMediaCheck: RouterMiddleware {
    typealias Context = ServerRequestContext

    /// The routes' methods, by path pattern (a `:name` segment matches any one segment).
    let allowed: [(pattern: [Substring], methods: [HTTPRequest.Method])]

    init(routes: [ServerRoutes.Route]) {
        var allowed: [(pattern: [Substring], methods: [HTTPRequest.Method])] = []
        for route in routes {
            let pattern = route.path.split(separator: "/")
            if let index = allowed.firstIndex(where: { $0.pattern == pattern }) {
                allowed[index].methods.append(route.method)
            } else {
                allowed.append((pattern, [route.method]))
            }
        }
        self.allowed = allowed
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let segments = request.uri.path.split(separator: "/")
        if let route = allowed.first(where: { Self.matches($0.pattern, segments) }),
            !route.methods.contains(request.method)
        {
            let allow = route.methods.map(\.rawValue).joined(separator: ", ")
            throw Rejection(
                .methodNotAllowed,
                "method-not-allowed",
                "\(request.uri.path) takes \(allow)",
                headers: [.allow: allow]
            )
        }
        if request.method == .post, let type = request.headers[.contentType] {
            let media = type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard media == "application/json" || media == "text/plain" || media.hasSuffix("+json") else {
                throw Rejection(
                    .unsupportedMediaType,
                    "unsupported-media-type",
                    "Content-Type must be application/json (or text/plain from SNS), not \(media)"
                )
            }
        }
        return try await next(request, context)
    }

    static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}

/// Counts and logs every refused request by reason; the log line names the client and the reason, never a
/// credential or the body.
struct RejectionCounter: RouterMiddleware {
    typealias Context = ServerRequestContext

    let metrics: ServerMetrics
    let logger: Logger

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let rejection as Rejection {
            if rejection.status == .requestTimeout {
                // A body too slow to wait for is not read further: the connection ends once the answer is out. (A
                // 413 is not ended so: a client still sending its body would lose the answer to a reset; the rest of
                // its body is read and dropped, within the idle timeout.)
                context.channel.close(mode: .input, promise: nil)
            }
            metrics.requestRejected(rejection)
            let level: Logger.Level = rejection.status == .unauthorized ? .warning : .info
            logger.log(
                level: level,
                "request refused",
                metadata: [
                    "http.path": .string(request.uri.path), "http.status": "\(rejection.status.code)",
                    "http.client": .string(context.clientAddress),
                    "http.rejection": .string(rejection.reason), "error.message": .string(rejection.message),
                ]
            )
            throw rejection
        }
    }
}
