import Hummingbird
import Logging
import NIOCore
import RemedyCore

/// The request context: Hummingbird's, plus the client's address for rate limits and logs.
struct ServerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// The server's routes.
///
/// `POST /v1/events` in order: rate limit, size limit, authentication, decoding, journaling; a refusal at any stage
/// is counted by reason and logged, and nothing of the request reaches the journal.
struct ServerRoutes {
    let server: RemedyServer

    func router() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: RejectionCounter(metrics: server.metrics, logger: server.environment.logger))
        router.get("/healthz") { _, _ in JSONResponse.make(.ok, ["status": "up"]) }
        router.get("/readyz") { _, _ in try await readiness() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: server.metrics.exposition()))
            )
        }
        router.post("/v1/events") { request, context in try await events(request, context) }
        router.get("/v1/runs") { request, _ in try await server.runsAPI.list(request) }
        router.get("/v1/runs/:run") { request, context in
            try await server.runsAPI.show(request, runID: try context.parameters.require("run"))
        }
        router.post("/v1/runs/:run/approvals") { request, context in
            try await server.runsAPI.decide(request, runID: try context.parameters.require("run"))
        }
        return router
    }

    /// Anyone may ask: the answer says what is wrong in general terms, and the details go to the log.
    private func readiness() async throws -> Response {
        if let problem = await server.environment.journalProblem() {
            server.environment.logger.error(
                "not ready: the journal cannot take writes",
                metadata: ["error": .string(problem)]
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
            server.environment.logger.info("SNS subscription confirmed", metadata: ["topic": .string(message.topicARN)])
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
        let limit = server.settings.limits.maximumBodyBytes
        let tooLarge = Rejection(.contentTooLarge, "body-too-large", "the body is over \(limit) bytes")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            return Array(buffer: try await request.body.collect(upTo: limit))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
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
            metrics.requestRejected(rejection)
            let level: Logger.Level = rejection.status == .unauthorized ? .warning : .info
            logger.log(
                level: level,
                "request refused",
                metadata: [
                    "http.path": .string(request.uri.path), "http.status": "\(rejection.status.code)",
                    "client": .string(context.clientAddress),
                    "reason": .string(rejection.reason), "detail": .string(rejection.message),
                ]
            )
            throw rejection
        }
    }
}
