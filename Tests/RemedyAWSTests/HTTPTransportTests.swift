import RemedyAWS
import RemedyTestSupport
import Synchronization
import Testing

/// The real transport's connection settings, against a loopback server.
@Suite struct HTTPTransportTests {
    private let transport = AsyncHTTPClientTransport()

    private func post(_ url: String) -> HTTPRequestData {
        HTTPRequestData(
            method: "POST",
            url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("Action=CreateTags&Version=2016-11-15".utf8)
        )
    }

    @Test func aRedirectIsReturnedAndNeverFollowed() async throws {
        try await withLocalHTTPServer { request in
            request.path == "/"
                ? LocalHTTPResponse(status: 307, headers: [("Location", "/elsewhere")], text: "")
                : .status(200)
        } body: { server in
            let response = try await transport.send(post(server.url("/")), timeout: .seconds(10))
            #expect(response.status == 307)
            #expect(response.header("Location") == "/elsewhere")
            // A signed mutating call sent again elsewhere could act twice: the server saw it once.
            #expect(server.requests.map(\.description) == ["POST /"])
        }
    }

    @Test func concurrentCallsToOneHostEachGetAConnection() async throws {
        let callers = 24
        let inFlight = Mutex(0)
        let mostInFlight = Mutex(0)
        // Each answer waits until every caller's request is in (or 5 s pass): with fewer connections than callers,
        // the server never sees them all at once.
        try await withLocalHTTPServer { _ in
            let now = inFlight.withLock { count in
                count += 1
                return count
            }
            defer { inFlight.withLock { $0 -= 1 } }
            mostInFlight.withLock { $0 = max($0, now) }
            for _ in 0..<500 where mostInFlight.withLock({ $0 }) < callers {
                try await Task.sleep(for: .milliseconds(10))
            }
            return .status(200)
        } body: { server in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<callers {
                    group.addTask { try await transport.send(post(server.url("/")), timeout: .seconds(30)).status }
                }
                for try await status in group { #expect(status == 200) }
            }
        }
        #expect(mostInFlight.withLock { $0 } == callers)
    }
}
