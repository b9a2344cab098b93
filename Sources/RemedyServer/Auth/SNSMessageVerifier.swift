import Crypto
import Foundation
import RemedyCore
import X509
import _CryptoExtras

/// Verifies SNS HTTP(S) deliveries by their signature, as AWS documents it, and confirms subscriptions of allowed
/// topics.
///
/// The signing certificate is fetched only from `https://sns.<region>.amazonaws.com/...pem` (a message cannot send
/// the server elsewhere), must be within its validity dates, and is cached per URL. SignatureVersion 1 is
/// SHA1withRSA, 2 is SHA256withRSA, both over the documented canonical string.
struct SNSMessageVerifier: Sendable {
    let allowedTopics: Set<String>
    let web: any SNSWebAccess
    let certificates: SNSCertificateCache
    let wallClock: WallClock

    init(allowedTopics: [String], web: any SNSWebAccess, wallClock: WallClock = .system) {
        self.allowedTopics = Set(allowedTopics)
        self.web = web
        certificates = SNSCertificateCache(web: web)
        self.wallClock = wallClock
    }

    /// Whether `document` looks like an SNS message (then it must verify).
    static func looksLikeSNS(_ document: JSONValue) -> Bool {
        document["Type"]?.stringValue != nil && document["TopicArn"]?.stringValue != nil
            && document["SignatureVersion"] != nil
    }

    /// Checks the message's topic and signature; returns the verified message.
    func verify(_ document: JSONValue) async throws(Rejection) -> SNSMessage {
        let message = try SNSMessage(document)
        guard allowedTopics.contains(message.topicARN) else {
            throw .unauthenticated("SNS topic \(message.topicARN) is not among server.auth.sns_topics")
        }
        guard let certificateURL = Self.checkedAmazonURL(message.signingCertURL, pathSuffix: ".pem") else {
            throw .unauthenticated("SigningCertURL must be an https://sns.<region>.amazonaws.com/ .pem URL")
        }
        guard certificateURL.host == "sns.\(message.region).amazonaws.com" else {
            throw .unauthenticated("SigningCertURL is not the SNS endpoint of the topic's region \(message.region)")
        }
        guard let signature = Data(base64Encoded: message.signature) else {
            throw .unauthenticated("the SNS Signature is not base64")
        }
        let key = try await certificates.key(for: message.signingCertURL, topic: message.topicARN, at: wallClock.now)
        let canonical = Array(message.canonicalString.utf8)
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let valid: Bool
        switch message.signatureVersion {
        case "1":
            valid = key.isValidSignature(
                rsaSignature,
                for: Insecure.SHA1.hash(data: canonical),
                padding: .insecurePKCS1v1_5
            )
        case "2":
            valid = key.isValidSignature(rsaSignature, for: SHA256.hash(data: canonical), padding: .insecurePKCS1v1_5)
        default:
            throw .unauthenticated("SNS SignatureVersion must be 1 or 2")
        }
        guard valid else { throw .unauthenticated("the SNS message signature does not verify") }
        return message
    }

    /// Confirms a verified SubscriptionConfirmation by visiting its SubscribeURL.
    func confirmSubscription(_ message: SNSMessage) async throws(Rejection) {
        guard let subscribeURL = message.subscribeURL,
            let url = Self.checkedAmazonURL(subscribeURL, pathSuffix: nil),
            url.host == "sns.\(message.region).amazonaws.com",
            url.queryItems?.contains(where: { $0.name == "Action" && $0.value == "ConfirmSubscription" }) == true
        else {
            throw Rejection(.badRequest, "invalid-subscribe-url", "SubscribeURL is not an SNS ConfirmSubscription URL")
        }
        do {
            _ = try await web.get(subscribeURL)
        } catch let error as SNSWebError {
            throw Rejection(.badGateway, "subscription-not-confirmed", "SNS did not confirm the subscription: \(error)")
        } catch {
            // Another web access may say anything, the URL and its token included: say nothing of it.
            throw Rejection(.badGateway, "subscription-not-confirmed", "SNS did not confirm the subscription")
        }
    }

    /// `text` as URL components when it is `https://sns.<region>.amazonaws.com/...` with nothing unusual in it.
    static func checkedAmazonURL(_ text: String, pathSuffix: String?) -> URLComponents? {
        guard let url = URLComponents(string: text), url.scheme == "https", url.port == nil, url.user == nil,
            url.password == nil, let host = url.host
        else { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count == 4, labels[0] == "sns", labels[2] == "amazonaws", labels[3] == "com",
            !labels[1].isEmpty, labels[1].allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" })
        else { return nil }
        if let pathSuffix, !url.path.hasSuffix(pathSuffix) { return nil }
        return url
    }
}

/// The fields of an SNS message that are signed.
struct SNSMessage: Sendable, Hashable {
    var type: String
    var messageID: String
    var topicARN: String
    var subject: String?
    var message: String
    var timestamp: String
    var signatureVersion: String
    var signature: String
    var signingCertURL: String
    var subscribeURL: String?
    var token: String?

    init(_ document: JSONValue) throws(Rejection) {
        func field(_ name: String) throws(Rejection) -> String {
            guard let value = document[name]?.stringValue else {
                throw Rejection(.badRequest, "invalid-sns-message", "the SNS message has no \(name)")
            }
            return value
        }
        type = try field("Type")
        messageID = try field("MessageId")
        topicARN = try field("TopicArn")
        subject = document["Subject"]?.stringValue
        message = try field("Message")
        timestamp = try field("Timestamp")
        signatureVersion = try field("SignatureVersion")
        signature = try field("Signature")
        signingCertURL = try field("SigningCertURL")
        subscribeURL = document["SubscribeURL"]?.stringValue
        token = document["Token"]?.stringValue
        guard region != "" else {
            throw Rejection(.badRequest, "invalid-sns-message", "TopicArn is not an SNS topic ARN")
        }
    }

    /// The topic's region, from its ARN.
    var region: String {
        let parts = topicARN.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sns" else { return "" }
        return String(parts[3])
    }

    /// The string SNS signs: name and value lines, in this order, for the fields of the message's type.
    var canonicalString: String {
        var pairs: [(String, String?)]
        if type == "Notification" {
            pairs = [
                ("Message", message), ("MessageId", messageID), ("Subject", subject), ("Timestamp", timestamp),
                ("TopicArn", topicARN), ("Type", type),
            ]
        } else {
            pairs = [
                ("Message", message), ("MessageId", messageID), ("SubscribeURL", subscribeURL),
                ("Timestamp", timestamp), ("Token", token), ("TopicArn", topicARN), ("Type", type),
            ]
        }
        return pairs.compactMap { name, value in value.map { "\(name)\n\($0)\n" } }.joined()
    }
}

/// What the server fetches from SNS: signing certificates and subscription confirmations.
public protocol SNSWebAccess: Sendable {
    func get(_ url: String) async throws -> [UInt8]
}

/// Signing keys by certificate URL, fetched once.
///
/// Anyone can post an SNS-shaped body naming an allowed topic, so what such a body can make the server fetch is
/// bounded: one fetch in flight per URL (others wait for it), a failed URL is not fetched again for
/// `failureCooldown`, and each topic may name at most `urlsPerTopic` distinct certificate URLs per `urlWindow` (SNS
/// signs a region's messages with one certificate, rotated rarely); past that, new URLs are refused unfetched.
actor SNSCertificateCache {
    typealias Key = _RSA.Signing.PublicKey

    private struct Entry: Sendable {
        var key: Key
        var notBefore: Date
        var notAfter: Date
    }

    static let urlsPerTopic = 4
    static let urlWindow: TimeInterval = 3_600
    static let failureCooldown: TimeInterval = 30
    /// Most certificates kept.
    private static let capacity = 64

    private let web: any SNSWebAccess
    private var keys: [String: Entry] = [:]
    private var failures: [String: (until: Date, reason: String)] = [:]
    private var inFlight: [String: Task<Entry, any Error>] = [:]
    /// The certificate URLs each topic has named, with when each was first named.
    private var urlsByTopic: [String: [String: Date]] = [:]
    /// How many fetches were started: for tests.
    private(set) var fetches = 0

    init(web: any SNSWebAccess) {
        self.web = web
    }

    func key(for url: String, topic: String, at now: Date) async throws(Rejection) -> Key {
        if let cached = keys[url], cached.notBefore <= now, now <= cached.notAfter { return cached.key }
        if let failure = failures[url], now < failure.until {
            throw .unauthenticated("the SNS signing certificate could not be fetched or read: \(failure.reason)")
        }
        try admit(url, for: topic, at: now)
        let fetch: Task<Entry, any Error>
        if let running = inFlight[url] {
            fetch = running
        } else {
            fetches += 1
            let web = web
            fetch = Task { try await Self.fetch(url, web: web, at: now) }
            inFlight[url] = fetch
        }
        let outcome = await fetch.result
        inFlight[url] = nil
        switch outcome {
        case .success(let entry):
            guard entry.notBefore <= now, now <= entry.notAfter else {
                let reason = "the SNS signing certificate is outside its validity dates"
                failures[url] = (now.addingTimeInterval(Self.failureCooldown), reason)
                throw .unauthenticated(reason)
            }
            if keys[url] == nil, keys.count >= Self.capacity,
                let oldest = keys.min(by: { $0.value.notAfter < $1.value.notAfter })
            {
                keys[oldest.key] = nil
            }
            keys[url] = entry
            failures[url] = nil
            return entry.key
        case .failure(let error):
            let reason = (error as? Rejection)?.message ?? "\(error)"
            failures[url] = (now.addingTimeInterval(Self.failureCooldown), reason)
            throw error as? Rejection
                ?? .unauthenticated("the SNS signing certificate could not be fetched or read: \(reason)")
        }
    }

    /// Counts `url` against `topic`'s distinct certificate URLs; refuses a new one past the cap.
    private func admit(_ url: String, for topic: String, at now: Date) throws(Rejection) {
        var urls = urlsByTopic[topic, default: [:]].filter { now.timeIntervalSince($0.value) < Self.urlWindow }
        if urls[url] == nil {
            guard urls.count < Self.urlsPerTopic else {
                urlsByTopic[topic] = urls
                throw .unauthenticated(
                    "topic \(topic) named more than \(Self.urlsPerTopic) signing certificate URLs within an hour; "
                        + "this one is not fetched"
                )
            }
            urls[url] = now
        }
        urlsByTopic[topic] = urls
    }

    private static func fetch(_ url: String, web: any SNSWebAccess, at now: Date) async throws -> Entry {
        let certificate: Certificate
        do {
            let pem = try await web.get(url)
            certificate = try Certificate(pemEncoded: String(decoding: pem, as: UTF8.self))
        } catch {
            throw Rejection.unauthenticated("the SNS signing certificate could not be fetched or read: \(error)")
        }
        guard let key = Key(certificate.publicKey) else {
            throw Rejection.unauthenticated("the SNS signing certificate does not hold an RSA key")
        }
        return Entry(key: key, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
    }
}
