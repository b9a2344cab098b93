import Foundation
import RemedyAWS

/// Fetches SNS signing certificates and subscription confirmations over remedy's HTTP transport (TLS verified).
///
/// Errors name the host and path only: a SubscribeURL's query holds the subscription's token, which must appear in
/// no log line and no answer.
public struct TransportSNSWebAccess: SNSWebAccess {
    /// A certificate or confirmation answer is small; anything larger is refused.
    static let maximumBytes = 64 << 10

    let transport: any HTTPTransport

    public init(transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.transport = transport
    }

    public func get(_ url: String) async throws -> [UInt8] {
        let shown = Self.withoutQuery(url)
        let response: HTTPResponseData
        do {
            response = try await transport.send(
                HTTPRequestData(method: "GET", url: url, headers: [], body: []),
                timeout: .seconds(10)
            )
        } catch {
            throw SNSWebError("no answer from \(shown) (\(error.kind))")
        }
        guard (200..<300).contains(response.status) else { throw SNSWebError("HTTP \(response.status) from \(shown)") }
        guard response.body.count <= Self.maximumBytes else { throw SNSWebError("answer over 64 KiB from \(shown)") }
        return response.body
    }

    /// `scheme://host/path` of `url`, its query and fragment left out.
    static func withoutQuery(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "the SNS URL" }
        return "\(components.scheme ?? "https")://\(host)\(components.path)"
    }
}

struct SNSWebError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
