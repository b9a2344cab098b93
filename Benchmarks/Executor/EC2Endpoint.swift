import NIOCore
import NIOPosix

/// A local EC2 endpoint on `127.0.0.1` that answers every request at once: `DescribeInstances` with the asked-for
/// instance (running, tagged `remedy:benchmark=true`) and `CreateTags` with `<return>true</return>`.
///
/// It checks no signature and keeps no state, so what a call costs is remedy's side of it: signing, the HTTP client,
/// parsing the XML. It shares the benchmark's two cores, so it reads HTTP/1.1 at the byte level instead of through
/// NIO's HTTP server pipeline: every cycle it spends is one remedy cannot, and AWS's own cost is not remedy's.
struct EC2Endpoint {
    let channel: any Channel
    let port: Int

    /// Starts listening on a free port.
    static func start() async throws -> EC2Endpoint {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(EC2Handler()) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try await channel.close()
            throw BenchmarkError("the endpoint's socket has no local port")
        }
        return EC2Endpoint(channel: channel, port: port)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async throws { try await channel.close() }
}

/// Answers one keep-alive connection's requests in order, as each arrives whole.
private final class EC2Handler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var pending = ByteBuffer()
    private var served = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        var answered = false
        while let body = nextRequestBody() {
            served += 1
            let reply = Self.reply(to: body, requestID: served)
            var response = context.channel.allocator.buffer(capacity: reply.utf8.count + 96)
            response.writeString(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: \(reply.utf8.count)\r\n\r\n"
            )
            response.writeString(reply)
            context.write(wrapOutboundOut(response), promise: nil)
            answered = true
        }
        if answered { context.flush() }
        pending.discardReadBytes()
    }

    /// Takes the next complete request off `pending` and returns its body, or nil until one has arrived whole.
    private func nextRequestBody() -> String? {
        let framing = pending.withUnsafeReadableBytes { bytes -> (head: Int, body: Int)? in
            guard let head = Self.headLength(bytes) else { return nil }
            return (head, Self.contentLength(bytes[..<head]))
        }
        guard let framing, pending.readableBytes >= framing.head + framing.body else { return nil }
        pending.moveReaderIndex(forwardBy: framing.head)
        return pending.readString(length: framing.body)
    }

    /// The length of the head through its blank line, or nil until the blank line has arrived.
    private static func headLength(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for end in 3..<bytes.count
        where bytes[end] == 10 && bytes[end - 1] == 13 && bytes[end - 2] == 10 && bytes[end - 3] == 13 {
            return end + 1
        }
        return nil
    }

    private static let contentLengthName = Array("\r\ncontent-length:".utf8)

    /// The `Content-Length` header's value (0 when absent), matched byte by byte: the endpoint's cycles are not
    /// remedy's, so it does not lower-case and split the head as strings.
    private static func contentLength(_ head: Slice<UnsafeRawBufferPointer>) -> Int {
        let name = contentLengthName
        var index = head.startIndex
        while index + name.count <= head.endIndex {
            let matches = name.indices.allSatisfy { offset in
                let byte = head[index + offset]
                return (byte >= 65 && byte <= 90 ? byte + 32 : byte) == name[offset]
            }
            if matches {
                var value = 0
                for byte in head[(index + name.count)...].drop(while: { $0 == 32 }) {
                    // Digits only, and few enough that the value cannot overflow.
                    guard byte >= 48 && byte <= 57, value < 100_000_000 else { break }
                    value = value * 10 + Int(byte - 48)
                }
                return value
            }
            index += 1
        }
        return 0
    }

    /// The answer to a query-protocol body (`Action=CreateTags&ResourceId.1=i-...`); values here need no
    /// percent-decoding.
    private static func reply(to body: String, requestID: Int) -> String {
        let namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"
        let request = "<requestId>bench-\(requestID)</requestId>"
        let fields = body.split(separator: "&")
        if fields.contains("Action=DescribeInstances") {
            let instance =
                fields.first { $0.hasPrefix("InstanceId.1=") }?.dropFirst("InstanceId.1=".count)
                ?? "i-00000000000000000"
            return """
                <?xml version="1.0" encoding="UTF-8"?>
                <DescribeInstancesResponse xmlns="\(namespace)">\(request)<reservationSet><item>\
                <reservationId>r-0123456789abcdef0</reservationId><ownerId>111122223333</ownerId><instancesSet><item>\
                <instanceId>\(instance)</instanceId><instanceState><code>16</code><name>running</name></instanceState>\
                <tagSet><item><key>remedy:benchmark</key><value>true</value></item></tagSet>\
                </item></instancesSet></item></reservationSet></DescribeInstancesResponse>
                """
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <CreateTagsResponse xmlns="\(namespace)">\(request)<return>true</return></CreateTagsResponse>
            """
    }
}
