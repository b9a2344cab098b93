import Crypto
import Foundation
import RemedyAWS
import RemedyCore
import RemedyTestSupport
import Synchronization
import Testing
import X509
import _CryptoExtras

@testable import RemedyServer

/// SNS HTTP deliveries verified by signature against a certificate and key this test makes, served by a local
/// stub standing in for `https://sns.us-east-1.amazonaws.com`.
@Suite struct SNSTests {
    /// A signing key, its self-signed certificate, and the stub that serves it.
    struct Signer: Sendable {
        let key: _RSA.Signing.PrivateKey
        let certificatePEM: String

        init(validFor hours: Double = 1) throws {
            key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let certificateKey = Certificate.PrivateKey(key)
            let name = try DistinguishedName { CommonName("sns.amazonaws.com") }
            let now = Date()
            let certificate = try Certificate(
                version: .v3,
                serialNumber: .init(),
                publicKey: certificateKey.publicKey,
                notValidBefore: now.addingTimeInterval(-3_600),
                notValidAfter: now.addingTimeInterval(hours * 3_600),
                issuer: name,
                subject: name,
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: Certificate.Extensions(),
                issuerPrivateKey: certificateKey
            )
            certificatePEM = try certificate.serializeAsPEM().pemString
        }

        /// An SNS message with `fields`, signed (SignatureVersion `version`) over its canonical string.
        func sign(_ fields: [String: String], version: String = "2") throws -> [UInt8] {
            var fields = fields
            fields["SignatureVersion"] = version
            fields["SigningCertURL"] =
                fields["SigningCertURL"] ?? "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"
            let message = try SNSMessage(.object(fields.mapValues(JSONValue.string).merging(["Signature": "x"]) { $1 }))
            let canonical = Array(message.canonicalString.utf8)
            let signature =
                version == "1"
                ? try key.signature(for: Insecure.SHA1.hash(data: canonical), padding: .insecurePKCS1v1_5)
                : try key.signature(for: SHA256.hash(data: canonical), padding: .insecurePKCS1v1_5)
            fields["Signature"] = signature.rawRepresentation.base64EncodedString()
            return Array(JSONValue.object(fields.mapValues(JSONValue.string)).jsonText().utf8)
        }
    }

    /// Sends requests for `https://sns.us-east-1.amazonaws.com/...` to the local stub instead, and records them.
    struct StubbedSNSWeb: SNSWebAccess {
        let stub: LocalHTTPServer
        let transport = AsyncHTTPClientTransport()

        func get(_ url: String) async throws -> [UInt8] {
            let prefix = "https://sns.us-east-1.amazonaws.com"
            guard url.hasPrefix(prefix) else { throw HarnessError("unexpected SNS URL \(url)") }
            let response = try await transport.send(
                HTTPRequestData(
                    method: "GET",
                    url: stub.url(String(url.dropFirst(prefix.count))),
                    headers: [],
                    body: []
                ),
                timeout: .seconds(10)
            )
            guard response.status == 200 else { throw HarnessError("stub answered \(response.status)") }
            return response.body
        }
    }

    static func notification(message: String, topic: String = ServerHarness.topic) -> [String: String] {
        [
            "Type": "Notification", "MessageId": UUID().uuidString, "TopicArn": topic, "Subject": "GuardDuty",
            "Message": message, "Timestamp": "2026-11-29T06:00:00.000Z",
        ]
    }

    func withSNSServer(_ signer: Signer, _ body: (ServerHarness, LocalHTTPServer) async throws -> Void) async throws {
        let pem = signer.certificatePEM
        let snsEndpoint: LocalHTTPServer.Handler = { request in
            request.uri.hasSuffix(".pem") ? LocalHTTPResponse(text: pem) : .json("<ConfirmSubscriptionResponse/>")
        }
        try await withLocalHTTPServer(snsEndpoint) { stub in
            try await ServerHarness.with(snsWeb: StubbedSNSWeb(stub: stub)) { harness in
                try await body(harness, stub)
            }
        }
    }

    @Test(arguments: ["1", "2"])
    func aSignedNotificationFromAnAllowedTopicStartsARun(version: String) async throws {
        let signer = try Signer()
        let event = String(decoding: try ServerHarness.fixture(IntakeTests.backdoor), as: UTF8.self)
        try await withSNSServer(signer) { harness, stub in
            let answer = try await harness.postEvent(
                try signer.sign(Self.notification(message: event), version: version),
                headers: []
            )
            #expect(answer.status == 202, "\(answer.text)")
            let runID = try #require(answer.json["runs"]?[0]?["runId"]?.stringValue)
            let created = try #require(try await harness.journal.records(ofRun: runID).first)
            #expect(created.payload["initiator"] == .string("feed:sns:\(ServerHarness.topic)"))
            #expect(stub.requests.map(\.uri) == ["/SimpleNotificationService-test.pem"])

            // The certificate is cached: a second message fetches nothing.
            let other = String(
                decoding: try ServerHarness.fixture("eventbridge/guardduty-tor-client.json"),
                as: UTF8.self
            )
            _ = try await harness.postEvent(
                try signer.sign(Self.notification(message: other), version: version),
                headers: []
            )
            #expect(stub.requests.count == 1)
        }
    }

    @Test func forgedOrMisdirectedNotificationsGet401() async throws {
        let signer = try Signer()
        let impostor = try Signer()
        let event = String(decoding: try ServerHarness.fixture(IntakeTests.backdoor), as: UTF8.self)
        try await withSNSServer(signer) { harness, stub in
            // Signed by another key than the certificate's.
            var answer = try await harness.postEvent(try impostor.sign(Self.notification(message: event)), headers: [])
            #expect(answer.status == 401)

            // A message altered after signing.
            let signed = String(decoding: try signer.sign(Self.notification(message: event)), as: UTF8.self)
            answer = try await harness.postEvent(
                Array(signed.replacingOccurrences(of: "GuardDuty", with: "GuardDutx").utf8),
                headers: []
            )
            #expect(answer.status == 401)

            // A topic that is not allowed, correctly signed.
            let otherTopic = "arn:aws:sns:us-east-1:123456789012:someone-elses"
            answer = try await harness.postEvent(
                try signer.sign(Self.notification(message: event, topic: otherTopic)),
                headers: []
            )
            #expect(answer.status == 401)

            // Certificates from anywhere but the SNS endpoint of the topic's region are never fetched.
            for url in [
                "https://evil.example.com/cert.pem", "http://sns.us-east-1.amazonaws.com/cert.pem",
                "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
                "https://sns.eu-west-1.amazonaws.com/cert.pem",
                "https://sns.us-east-1.amazonaws.com/cert.txt",
            ] {
                var fields = Self.notification(message: event)
                fields["SigningCertURL"] = url
                answer = try await harness.postEvent(try signer.sign(fields), headers: [])
                #expect(answer.status == 401, "\(url)")
            }
            #expect(stub.requests.count == 1)
            #expect(try await harness.runCount() == 0)
        }
    }

    /// Serves one certificate slowly and counts what is fetched.
    actor CountingSNSWeb: SNSWebAccess {
        let pem: String?
        private(set) var fetched: [String] = []

        init(pem: String?) { self.pem = pem }

        func get(_ url: String) async throws -> [UInt8] {
            fetched.append(url)
            try await Task.sleep(for: .milliseconds(200))
            guard let pem else { throw HarnessError("503 from \(url)") }
            return Array(pem.utf8)
        }
    }

    @Test func aCertificateIsFetchedOnceHoweverManyMessagesArriveForIt() async throws {
        let signer = try Signer()
        let web = CountingSNSWeb(pem: signer.certificatePEM)
        let cache = SNSCertificateCache(web: web)
        let url = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { _ = try await cache.key(for: url, topic: ServerHarness.topic, at: Date()) }
            }
            try await group.waitForAll()
        }
        #expect(await web.fetched == [url])
    }

    @Test func aFailedFetchIsNotRepeatedAtOnceAndATopicNamesFewCertificateURLs() async throws {
        let web = CountingSNSWeb(pem: nil)
        let cache = SNSCertificateCache(web: web)
        let now = Date()
        let url = "https://sns.us-east-1.amazonaws.com/bad.pem"
        // A URL that failed is not fetched again within the cooldown, however often it is named
        for _ in 0..<5 {
            await #expect(throws: Rejection.self) { _ = try await cache.key(for: url, topic: "t", at: now) }
        }
        #expect(await web.fetched == [url])
        await #expect(throws: Rejection.self) { _ = try await cache.key(for: url, topic: "t", at: now + 31) }
        #expect(await web.fetched.count == 2)
        // And a topic names at most 4 distinct certificate URLs an hour: the 5th is refused unfetched
        for index in 2...6 {
            let other = "https://sns.us-east-1.amazonaws.com/\(index).pem"
            let refusal = await #expect(throws: Rejection.self) {
                _ = try await cache.key(for: other, topic: "t", at: now + 40)
            }
            if index == 5 || index == 6 {
                #expect(refusal?.message.contains("more than 4 signing certificate URLs") == true)
            }
        }
        #expect(await web.fetched.count == 5)
        // Another topic has its own allowance, and an hour later the topic's is renewed
        await #expect(throws: Rejection.self) {
            _ = try await cache.key(for: "https://sns.us-east-1.amazonaws.com/x.pem", topic: "u", at: now + 40)
        }
        await #expect(throws: Rejection.self) {
            _ = try await cache.key(for: "https://sns.us-east-1.amazonaws.com/y.pem", topic: "t", at: now + 3_700)
        }
        #expect(await web.fetched.count == 7)
    }

    @Test func aFailedConfirmationNeverShowsTheSubscriptionToken() async throws {
        // Given SNS refusing the confirmation, and a transport whose own error would name the URL
        struct Refusing: HTTPTransport {
            let fails: Bool
            func send(_ request: HTTPRequestData, timeout: Duration) async throws(TransportError) -> HTTPResponseData {
                if fails { throw TransportError(.connection, "reset while reading \(request.url)") }
                return HTTPResponseData(status: 403, body: Array("denied \(request.url)".utf8))
            }
        }
        let message = try SNSMessage([
            "Type": "SubscriptionConfirmation", "MessageId": "m-1", "TopicArn": .string(ServerHarness.topic),
            "Token": "secret-token-123", "Message": "subscribe", "Timestamp": "2026-11-29T06:00:00.000Z",
            "SignatureVersion": "2", "Signature": "x", "SigningCertURL": "https://sns.us-east-1.amazonaws.com/c.pem",
            "SubscribeURL": .string(
                "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=\(ServerHarness.topic)"
                    + "&Token=secret-token-123"
            ),
        ])
        for fails in [false, true] {
            let verifier = SNSMessageVerifier(
                allowedTopics: [ServerHarness.topic],
                web: TransportSNSWebAccess(transport: Refusing(fails: fails))
            )
            // Then the refusal names the endpoint, never the token
            let refusal = await #expect(throws: Rejection.self) { try await verifier.confirmSubscription(message) }
            #expect(refusal?.status == .badGateway)
            #expect(
                refusal?.message.contains("https://sns.us-east-1.amazonaws.com/") == true,
                "\(String(describing: refusal))"
            )
            #expect(refusal?.message.contains("secret-token") == false)
        }
    }

    @Test func aSubscriptionConfirmationIsConfirmedForAnAllowedTopicOnly() async throws {
        let signer = try Signer()
        try await withSNSServer(signer) { harness, stub in
            func confirmation(_ topic: String) -> [String: String] {
                [
                    "Type": "SubscriptionConfirmation", "MessageId": UUID().uuidString, "TopicArn": topic,
                    "Token": "token-123", "Message": "You have chosen to subscribe",
                    "SubscribeURL":
                        "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=\(topic)&Token=token-123",
                    "Timestamp": "2026-11-29T06:00:00.000Z",
                ]
            }
            let confirmed = try await harness.postEvent(try signer.sign(confirmation(ServerHarness.topic)), headers: [])
            #expect(confirmed.status == 200, "\(confirmed.text)")
            #expect(stub.requests.contains { $0.uri.hasPrefix("/?Action=ConfirmSubscription") })

            let before = stub.requests.count
            let refused = try await harness.postEvent(
                try signer.sign(confirmation("arn:aws:sns:us-east-1:123456789012:not-ours")),
                headers: []
            )
            #expect(refused.status == 401)
            #expect(stub.requests.count == before)
            #expect(try await harness.runCount() == 0)
        }
    }
}
