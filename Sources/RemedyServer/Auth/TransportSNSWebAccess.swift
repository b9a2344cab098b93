import RemedyAWS

/// Fetches SNS signing certificates and subscription confirmations over remedy's HTTP transport (TLS verified).
public struct TransportSNSWebAccess: SNSWebAccess {
    /// A certificate or confirmation answer is small; anything larger is refused.
    static let maximumBytes = 64 << 10

    let transport: any HTTPTransport

    public init(transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.transport = transport
    }

    public func get(_ url: String) async throws -> [UInt8] {
        let response = try await transport.send(
            HTTPRequestData(method: "GET", url: url, headers: [], body: []),
            timeout: .seconds(10)
        )
        guard (200..<300).contains(response.status) else { throw SNSWebError("HTTP \(response.status) from \(url)") }
        guard response.body.count <= Self.maximumBytes else { throw SNSWebError("answer over 64 KiB from \(url)") }
        return response.body
    }
}

struct SNSWebError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
