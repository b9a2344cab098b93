import AsyncHTTPClient
import Foundation

/// Small HTTP exchanges with the container and instance metadata endpoints, with a short deadline each.
struct MetadataHTTP: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    /// How an exchange failed before any HTTP status arrived.
    enum Failure: Error, Sendable {
        case timedOut
        case unreachable(any Error & Sendable)
    }

    enum Method: Sendable {
        case get
        case put
    }

    let client: HTTPClient
    let timeout: Duration

    /// Sends one request; never reads more than 64 KiB of body.
    func send(_ method: Method, _ url: String, headers: [(String, String)] = []) async throws(Failure) -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method == .put ? .PUT : .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let nanoseconds = Int64(timeout.timeInterval * 1e9)
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(nanoseconds))
            var body = try await response.body.collect(upTo: 64 * 1024)
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            return Response(status: Int(response.status.code), body: Data(bytes))
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .connectTimeout || error == .readTimeout
        {
            throw .timedOut
        } catch {
            throw .unreachable(error)
        }
    }
}

extension MetadataHTTP.Failure {
    /// `timed out after 1 s` or `unreachable (connection refused)`: for messages.
    func describe(timeout: Duration) -> String {
        switch self {
        case .timedOut: "timed out after \(timeout.secondsText)"
        case .unreachable(let error): "unreachable (\(error))"
        }
    }
}
