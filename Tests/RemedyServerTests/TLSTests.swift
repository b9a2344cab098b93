import AsyncHTTPClient
import Crypto
import Foundation
import NIOSSL
import RemedyAWS
import RemedyCore
import RemedyTestSupport
import Testing
import X509

/// With `server.tls`, the server speaks HTTPS with the configured certificate and key, and only HTTPS.
@Suite struct TLSTests {
    @Test func theServerSpeaksHTTPSWithTheConfiguredCertificate() async throws {
        try await withTemporaryDirectory { directory in
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName { CommonName("localhost") }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: .init(),
                publicKey: .init(key.publicKey),
                notValidBefore: Date().addingTimeInterval(-60),
                notValidAfter: Date().addingTimeInterval(3_600),
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName("localhost")]) },
                issuerPrivateKey: .init(key)
            )
            let certificatePEM = try certificate.serializeAsPEM().pemString
            let tlsFiles = RemedyConfiguration.Server.TLS(
                certificate: try directory.write("tls.pem", certificatePEM),
                key: try directory.write("tls.key", key.pemRepresentation)
            )
            let configuration = ServerHarness.configuration { $0.server.tls = tlsFiles }
            try await ServerHarness.with(configuration: configuration) { harness in
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)])
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                do {
                    let response = try await client.execute(
                        HTTPClientRequest(url: "https://localhost:\(harness.port)/healthz"),
                        timeout: .seconds(10)
                    )
                    #expect(response.status == .ok)
                    // Plain HTTP on the TLS port gets no answer: the connection is closed on it.
                    let refused = await #expect(throws: TransportError.self) {
                        _ = try await harness.send("GET", "/healthz")
                    }
                    #expect(refused?.kind == .connection, "\(String(describing: refused))")
                } catch {
                    try await client.shutdown()
                    throw error
                }
                try await client.shutdown()
            }
        }
    }
}
