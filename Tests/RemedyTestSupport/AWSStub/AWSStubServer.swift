import Foundation
import RemedyCore
import Synchronization

/// A loopback stand-in for AWS operations moto does not implement.
///
/// Each request is matched to a route, checked against the route's botocore model (``BotocoreShapeChecker``) and
/// its SigV4 credential scope, and answered 400 `ValidationException` with the problems when it does not conform,
/// otherwise with the route's canned reply, shaped like the real API's.
///
///     try await withAWSStubServer([.guardDutyGetFindings()]) { stub in
///         let client = try AWSClient(service: .guardDuty, ..., endpoint: stub.endpoint(region: "us-east-1"), ...)
///         ...
///         #expect(stub.exchanges.map(\.problems) == [[]])
///     }
public final class AWSStubServer: Sendable {
    public let server: LocalHTTPServer
    private let router: AWSStubRouter

    init(server: LocalHTTPServer, router: AWSStubRouter) {
        self.server = server
        self.router = router
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { server.baseURL }

    /// Every request with the route that took it and what the checker found, in arrival order.
    public var exchanges: [AWSStubExchange] { router.exchanges }

    /// The requests of one operation (`guardduty.GetFindings`), in arrival order.
    public func requests(for qualifiedName: String) -> [RecordedRequest] {
        exchanges.filter { $0.operation == qualifiedName }.map(\.request)
    }
}

/// One request the stub received.
public struct AWSStubExchange: Sendable {
    public var request: RecordedRequest
    /// The operation it was routed to (`iam.SimulatePrincipalPolicy`), nil when no route took it.
    public var operation: String?
    /// What did not conform; empty when the request was answered with the canned reply.
    public var problems: [ShapeProblem]
    public var status: Int
}

/// Runs `body` with a stub answering the operations of `routes`, then stops it.
public func withAWSStubServer<Result: Sendable>(
    _ routes: [AWSStubRoute],
    body: (AWSStubServer) async throws -> Result
) async throws -> Result {
    let router = AWSStubRouter(routes: routes)
    return try await withLocalHTTPServer(router.answer) { server in
        try await body(AWSStubServer(server: server, router: router))
    }
}

/// Routes, checks and answers requests; shared by the server's connections.
final class AWSStubRouter: Sendable {
    let routes: [AWSStubRoute]
    private let log = Mutex<[AWSStubExchange]>([])

    init(routes: [AWSStubRoute]) {
        self.routes = routes
    }

    var exchanges: [AWSStubExchange] { log.withLock { $0 } }

    func answer(_ request: RecordedRequest) async throws -> LocalHTTPResponse {
        guard let route = routes.first(where: { $0.checker.isCall(request) }) else {
            record(AWSStubExchange(request: request, operation: nil, problems: [], status: 404))
            return .json(
                #"{"__type":"UnknownOperationException","message":"the stub has no route for \#(request.method) \#(request.path)"}"#,
                status: 404
            )
        }
        let operation = route.checker.operation
        let problems = route.checker.problems(in: request) + Self.signingProblems(request, operation)
        guard problems.isEmpty else {
            record(
                AWSStubExchange(request: request, operation: operation.qualifiedName, problems: problems, status: 400)
            )
            return Self.validationError(problems, operation)
        }
        let reply = route.respond(AWSStubRequest(request, operation: operation, checker: route.checker))
        record(
            AWSStubExchange(request: request, operation: operation.qualifiedName, problems: [], status: reply.status)
        )
        return reply
    }

    private func record(_ exchange: AWSStubExchange) {
        log.withLock { $0.append(exchange) }
    }

    /// A request AWS would refuse before looking at it: unsigned, or signed for another service.
    static func signingProblems(_ request: RecordedRequest, _ operation: BotocoreOperation) -> [ShapeProblem] {
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("AWS4-HMAC-SHA256 ") else {
            return [ShapeProblem("Authorization", "missing or not AWS4-HMAC-SHA256")]
        }
        var problems: [ShapeProblem] = []
        let scope = authorization.split(separator: "Credential=").dropFirst().first?
            .prefix { $0 != "," }
            .split(separator: "/")
        if scope?.count != 5 || scope?[3] != Substring(operation.signingName) || scope?[4] != "aws4_request" {
            problems.append(
                ShapeProblem(
                    "Authorization",
                    "credential scope \(scope?.joined(separator: "/") ?? "missing") is not for \(operation.signingName)"
                )
            )
        }
        if request.header("X-Amz-Date") == nil { problems.append(ShapeProblem("X-Amz-Date", "missing")) }
        return problems
    }

    /// 400 with the problems: JSON for the JSON protocols, query XML for the query protocol.
    static func validationError(_ problems: [ShapeProblem], _ operation: BotocoreOperation) -> LocalHTTPResponse {
        let message = problems.map(\.description).joined(separator: "; ")
        if operation.wireProtocol == "query" {
            return LocalHTTPResponse(
                status: 400,
                headers: [("Content-Type", "text/xml")],
                text: """
                    <ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>\
                    <Message>\(XMLText.escape(message))</Message></Error>\
                    <RequestId>stub-request</RequestId></ErrorResponse>
                    """
            )
        }
        let body: JSONValue = ["__type": "ValidationException", "message": .string(message)]
        return LocalHTTPResponse(
            status: 400,
            headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", "ValidationException")],
            text: body.jsonText()
        )
    }
}

/// A request the checker accepted, decoded for a route's reply.
public struct AWSStubRequest: Sendable {
    public let recorded: RecordedRequest
    public let operation: BotocoreOperation
    /// The JSON body (`{}` when there is none or it is not JSON).
    public let json: JSONValue
    /// The form parameters of a query protocol body.
    public let form: FormBody
    /// The URI labels of a rest protocol path.
    public let labels: [String: String]

    init(_ recorded: RecordedRequest, operation: BotocoreOperation, checker: BotocoreShapeChecker) {
        self.recorded = recorded
        self.operation = operation
        json = (try? JSONParser(limits: .init(maximumBytes: 16 << 20, maximumDepth: 256)).parse(recorded.body)) ?? [:]
        form = FormBody(recorded.body)
        labels = operation.wireProtocol.hasPrefix("rest-") ? checker.uriLabels(in: recorded.path) ?? [:] : [:]
    }

    /// The values of the query protocol list `name` (`name.member.1`, `name.member.2`, ...), in index order.
    public func formList(_ name: String) -> [String] {
        let prefix = "\(name).member."
        return form.pairs.compactMap { pair -> (Int, String)? in
            guard pair.name.hasPrefix(prefix), let index = Int(pair.name.dropFirst(prefix.count)) else { return nil }
            return (index, pair.value)
        }
        .sorted { $0.0 < $1.0 }
        .map(\.1)
    }

    /// The value of a query string parameter.
    public func queryItem(_ name: String) -> String? {
        let query = recorded.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        return FormBody(query: query).first(name)
    }
}

/// Escaping for text inside XML elements.
enum XMLText {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
