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
    let now: @Sendable () -> Date

    init(allowedTopics: [String], web: any SNSWebAccess, now: @escaping @Sendable () -> Date = { Date() }) {
        self.allowedTopics = Set(allowedTopics)
        self.web = web
        certificates = SNSCertificateCache(web: web)
        self.now = now
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
        let key = try await certificates.key(for: message.signingCertURL, at: now())
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
actor SNSCertificateCache {
    private let web: any SNSWebAccess
    private var keys: [String: (key: _RSA.Signing.PublicKey, notAfter: Date, notBefore: Date)] = [:]
    /// Most certificates kept: SNS rotates them rarely, and a flood of distinct URLs cannot grow this.
    private static let capacity = 64

    init(web: any SNSWebAccess) {
        self.web = web
    }

    func key(for url: String, at now: Date) async throws(Rejection) -> _RSA.Signing.PublicKey {
        if let cached = keys[url], cached.notBefore <= now, now <= cached.notAfter { return cached.key }
        let certificate: Certificate
        do {
            let pem = try await web.get(url)
            certificate = try Certificate(pemEncoded: String(decoding: pem, as: UTF8.self))
        } catch {
            throw .unauthenticated("the SNS signing certificate could not be fetched or read: \(error)")
        }
        guard certificate.notValidBefore <= now, now <= certificate.notValidAfter else {
            throw .unauthenticated("the SNS signing certificate is outside its validity dates")
        }
        guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
            throw .unauthenticated("the SNS signing certificate does not hold an RSA key")
        }
        if keys.count >= Self.capacity { keys.removeAll() }
        keys[url] = (key, certificate.notValidAfter, certificate.notValidBefore)
        return key
    }
}
