import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

@testable import RemedyServer

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the server, for requests no HTTP client would send.
final class RawConnection: Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw HarnessError("connect failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(descriptor, $0.baseAddress, $0.count - 1, 0) }
    }

    /// What the server has sent so far (at least one read, up to 15 s).
    func readSome() -> String {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
    }

    /// Stops sending (a FIN), as a client that gives up on its body does.
    func finishSending() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Everything the server sends until it closes the connection (or 15 s pass: then `closed` is false).
    ///
    /// A close is an orderly one or a reset: a client still sending when the server closes gets a reset.
    func readUntilClosed() -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                received += buffer.prefix(count)
            } else {
                return (String(decoding: received, as: UTF8.self), count == 0 || errno == ECONNRESET)
            }
        }
    }
}

/// The webhook under hostile load: slow, idle and abandoned connections are closed by the server, and normal clients
/// keep getting their answers.
@Suite(.serialized) struct HostileConnectionTests {
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    /// `serverSockets(port:)` once it reaches 0, or after two seconds: closing takes the server a moment.
    static func serverSocketsOnceSettled(port: Int) async throws -> Int {
        var held = try serverSockets(port: port)
        for _ in 0..<100 where held > 0 {
            try await Task.sleep(for: .milliseconds(20))
            held = try serverSockets(port: port)
        }
        return held
    }

    /// The connections on `port` this process holds a descriptor for (established, or half-closed by the client):
    /// the kernel's table joined with the process's descriptors, so neither other suites' sockets nor connections
    /// still waiting in the listen queue count.
    static func serverSockets(port: Int) throws -> Int {
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        let inodes = Set(
            descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
                .filter { $0.hasPrefix("socket:[") }.map { $0.dropFirst(8).dropLast() }.map(String.init)
        )
        // Read to the end by hand: /proc files report size 0, and a reader that trusts the size stops at a page.
        let descriptor = open("/proc/self/net/tcp", O_RDONLY)
        guard descriptor >= 0 else { throw HarnessError("cannot read /proc/self/net/tcp") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while case let count = read(descriptor, &buffer, buffer.count), count > 0 { bytes += buffer.prefix(count) }
        let table = String(decoding: bytes, as: UTF8.self)
        let local = String(format: ":%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9 else { return false }
            return fields[1].hasSuffix(local) && (fields[3] == "01" || fields[3] == "08")
                && inodes.contains(String(fields[9]))
        }.count
    }

    static let quick = ServerHarness.configuration {
        $0.server.limits.idleTimeout = .seconds(1)
        $0.server.limits.bodyTimeout = .seconds(1)
        $0.server.limits.maximumBodyBytes = 16_384
    }

    @Test func idleAndTrickledHeaderConnectionsAreClosedAndAClientStillGetsItsAnswer() async throws {
        try await ServerHarness.with(configuration: Self.quick) { harness in
            let idle = try RawConnection(port: harness.port)
            let trickle = try RawConnection(port: harness.port)
            let start = ContinuousClock.now
            let trickling = Task.detached {
                // One header byte every 200 ms: never a complete request part
                for byte in "POST /v1/events HTTP/1.1\r\nHost: remedy\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaa".map(
                    String.init
                ) {
                    trickle.send(byte)
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            // A normal client meanwhile
            let answer = try await harness.postEvent(try ServerHarness.fixture(IntakeTests.backdoor))
            #expect(answer.status == 202)
            let idleEnd = idle.readUntilClosed()
            let trickleEnd = trickle.readUntilClosed()
            trickling.cancel()
            #expect(idleEnd.closed)
            #expect(trickleEnd.closed)
            #expect(ContinuousClock.now - start < .seconds(10))
        }
    }

    @Test func aTrickledBodyIsAnswered408AndTheConnectionClosed() async throws {
        try await ServerHarness.with(configuration: Self.quick) { harness in
            let connection = try RawConnection(port: harness.port)
            connection.send(
                "POST /v1/events HTTP/1.1\r\nHost: remedy\r\nAuthorization: Bearer \(ServerHarness.bearerToken)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            )
            let trickling = Task.detached {
                for _ in 0..<40 {
                    connection.send("{")
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            let end = connection.readUntilClosed()
            trickling.cancel()
            #expect(end.text.hasPrefix("HTTP/1.1 408"), "\(end.text)")
            #expect(end.closed)
        }
    }

    @Test func abandonedOversizeBodiesLeaveNoDescriptorBehind() async throws {
        // The idle timeout left at its 30 s: nothing but the 413's own handling may close these connections
        let configuration = ServerHarness.configuration { $0.server.limits.maximumBodyBytes = 16_384 }
        try await ServerHarness.with(configuration: configuration) { harness in
            for index in 0..<150 {
                // A body over the limit, announced or sent chunked, of which the client sends a part, then gives up
                // and closes normally
                let connection = try RawConnection(port: harness.port)
                let head = "POST /v1/events HTTP/1.1\r\nHost: remedy\r\nContent-Type: application/json\r\n"
                if index.isMultiple(of: 2) {
                    connection.send(head + "Content-Length: 1000000\r\n\r\n" + String(repeating: "x", count: 4_000))
                } else {
                    let chunk = String(repeating: "x", count: 8_192)
                    connection.send(head + "Transfer-Encoding: chunked\r\n\r\n")
                    for _ in 0..<3 { connection.send("2000\r\n\(chunk)\r\n") }
                }
                connection.finishSending()
                let end = connection.readUntilClosed()
                #expect(end.text.hasPrefix("HTTP/1.1 413"))
                // Closed by the server at once, not left half-closed until a timeout
                #expect(end.closed)
            }
            // And the server holds none of them (the issue saw 149 of 150 stay half-closed with their descriptor)
            let held = try await Self.serverSocketsOnceSettled(port: harness.port)
            #expect(held == 0, "the server still holds \(held) connections")
        }
    }

    @Test func clientsThatReadThe413AndHangUpLeaveNothingHalfClosed() async throws {
        let configuration = ServerHarness.configuration { $0.server.limits.maximumBodyBytes = 16_384 }
        try await ServerHarness.with(configuration: configuration) { harness in
            var connections: [RawConnection] = []
            for _ in 0..<150 {
                // The client announces a large body, sends a part, reads the 413 and then closes its socket
                let connection = try RawConnection(port: harness.port)
                connection.send(
                    "POST /v1/events HTTP/1.1\r\nHost: remedy\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000000\r\n\r\n" + String(repeating: "x", count: 4_000)
                )
                #expect(connection.readSome().hasPrefix("HTTP/1.1 413"))
                connections.append(connection)
            }
            connections.removeAll()
            let held = try await Self.serverSocketsOnceSettled(port: harness.port)
            #expect(held == 0, "the server still holds \(held) connections")
        }
    }

    @Test func aConnectionFloodIsCappedAndTheServerRecovers() async throws {
        let capped = ServerHarness.configuration {
            $0.server.limits.idleTimeout = .seconds(1)
            $0.server.limits.maximumConnections = 16
        }
        try await ServerHarness.with(configuration: capped) { harness in
            // 40 idle connections against a cap of 16: the server accepts (and holds descriptors for) 16 of them
            let flood = try (0..<40).map { _ in try RawConnection(port: harness.port) }
            try await Task.sleep(for: .milliseconds(300))
            let accepted = try Self.serverSockets(port: harness.port)

            // (one pass of the accept loop, up to NIO's 4 accepts per read, may go past the cap before the delegate
            // stops it reading; seen 17 and 19)
            #expect(accepted <= 20, "the server holds \(accepted) connections")
            #expect(accepted >= 8, "accepted \(accepted)")
            // A normal client is answered once the idle ones are closed, and the server holds at most the cap
            let answer = try await harness.postEvent(try ServerHarness.fixture(IntakeTests.backdoor))
            #expect(answer.status == 202)
            #expect(try await harness.send("GET", "/healthz").status == 200)
            _ = flood
        }
    }

    @Test func aWrongMethodIs405WithAllowAndAnUnknownMediaTypeIs415() async throws {
        try await ServerHarness.with { harness in
            let get = try await harness.send("GET", "/v1/events")
            #expect(get.status == 405)
            #expect(get.header("Allow") == "POST")
            let delete = try await harness.send("DELETE", "/v1/runs/run-1/approvals")
            #expect(delete.status == 405)
            #expect(delete.header("Allow") == "POST")
            let xml = try await harness.send(
                "POST",
                "/v1/events",
                headers: [
                    ("Authorization", "Bearer \(ServerHarness.bearerToken)"), ("Content-Type", "application/xml"),
                ],
                body: try ServerHarness.fixture(IntakeTests.backdoor)
            )
            #expect(xml.status == 415)
            #expect(xml.json["error"] == "unsupported-media-type")
            #expect(try await harness.runCount() == 0)
            // SNS's text/plain is taken
            let plain = try await harness.send(
                "POST",
                "/v1/events",
                headers: [
                    ("Authorization", "Bearer \(ServerHarness.bearerToken)"),
                    ("Content-Type", "text/plain; charset=UTF-8"),
                ],
                body: try ServerHarness.fixture(IntakeTests.backdoor)
            )
            #expect(plain.status == 202)
        }
    }
}
