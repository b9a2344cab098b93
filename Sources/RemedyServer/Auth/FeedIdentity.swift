/// The feed a request was authenticated as: what the journal records as a webhook run's initiator.
public struct FeedIdentity: Sendable, Hashable, CustomStringConvertible {
    public enum Method: String, Sendable, Hashable {
        case bearer
        case hmac
        case sns
    }

    public var method: Method
    /// The feed's name in the configuration, or the SNS topic ARN.
    public var name: String

    public init(method: Method, name: String) {
        self.method = method
        self.name = name
    }

    /// `feed:bearer:eventbridge-prod`, `feed:sns:arn:aws:sns:...`.
    public var description: String { "feed:\(method.rawValue):\(name)" }
}
