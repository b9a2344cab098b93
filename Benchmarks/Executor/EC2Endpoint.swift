import NIOCore
import NIOHTTP1
import NIOPosix

/// A local EC2 endpoint on `127.0.0.1` that answers every request at once: `DescribeInstances` with the asked-for
/// instance (running, tagged `remedy:benchmark=true`) and `CreateTags` with `<return>true</return>`.
///
/// It checks no signature and keeps no state, so what a call costs is remedy's side of it: signing, the HTTP client,
/// parsing the XML.
struct EC2Endpoint {
    let channel: any Channel
    let port: Int

    /// Starts listening on a free port.
    static func start() async throws -> EC2Endpoint {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(EC2Handler())
                }
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

/// Answers one HTTP/1.1 connection's requests as they complete.
private final class EC2Handler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var served = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let requestHead = head else { return }
            served += 1
            let reply = Self.reply(to: form(String(buffer: body)), requestID: served)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/xml;charset=UTF-8")
            headers.add(name: "Content-Length", value: String(reply.utf8.count))
            if !requestHead.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: requestHead.version, status: .ok, headers: headers))),
                promise: nil
            )
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: reply)))), promise: nil)
            if requestHead.isKeepAlive {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            }
            head = nil
        }
    }

    /// The form fields of a query-protocol body (`Action=CreateTags&ResourceId.1=i-...`); values here need no
    /// percent-decoding.
    private func form(_ text: String) -> [Substring: Substring] {
        var fields: [Substring: Substring] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    private static func reply(to fields: [Substring: Substring], requestID: Int) -> String {
        let namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"
        let request = "<requestId>bench-\(requestID)</requestId>"
        switch fields["Action"] {
        case "DescribeInstances":
            let instance = fields["InstanceId.1"] ?? "i-00000000000000000"
            return """
                <?xml version="1.0" encoding="UTF-8"?>
                <DescribeInstancesResponse xmlns="\(namespace)">\(request)<reservationSet><item>\
                <reservationId>r-0123456789abcdef0</reservationId><ownerId>111122223333</ownerId><instancesSet><item>\
                <instanceId>\(instance)</instanceId><instanceState><code>16</code><name>running</name></instanceState>\
                <tagSet><item><key>remedy:benchmark</key><value>true</value></item></tagSet>\
                </item></instancesSet></item></reservationSet></DescribeInstancesResponse>
                """
        default:
            return """
                <?xml version="1.0" encoding="UTF-8"?>
                <CreateTagsResponse xmlns="\(namespace)">\(request)<return>true</return></CreateTagsResponse>
                """
        }
    }
}
