/// An Amazon Resource Name, parsed strictly: `arn:partition:service:region:account:resource`.
public struct ARN: Sendable, Hashable, CustomStringConvertible {
    public var partition: Partition
    public var service: String
    public var region: String
    public var account: String
    public var resource: String

    /// Parses `text`, or returns nil when it is not a well-formed ARN of a known partition.
    public init?(_ text: String) {
        // The resource part may itself contain colons, so split at most five times.
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", let partition = Partition(rawValue: String(parts[1])) else {
            return nil
        }
        let service = parts[2]
        let region = parts[3]
        let account = parts[4]
        let resource = parts[5]
        guard !service.isEmpty, service.utf8.allSatisfy({ ResourceIdentifierKind.isLowerAlnum($0) || $0 == 0x2D }),
            region.isEmpty || ResourceIdentifierKind.isRegion(String(region)),
            account.isEmpty || account == "aws"
                || (account.utf8.count == 12 && account.utf8.allSatisfy(ResourceIdentifierKind.isDigit)),
            (1...1600).contains(resource.utf8.count), resource.utf8.allSatisfy(Self.isResourceByte)
        else { return nil }
        self.partition = partition
        self.service = String(service)
        self.region = String(region)
        self.account = String(account)
        self.resource = String(resource)
    }

    public var description: String { "arn:\(partition.rawValue):\(service):\(region):\(account):\(resource)" }

    /// Printable ASCII that cannot break out of a parameter: no spaces, quotes, `&`, `?`, `#`, `%` or backslash.
    static func isResourceByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && !"\"'&?#%\\<>`{}|^".utf8.contains(byte)
    }
}

/// The AWS partitions remedy knows.
public enum Partition: String, Sendable, Hashable, CaseIterable, Codable {
    case aws
    case awsChina = "aws-cn"
    case awsGovCloud = "aws-us-gov"

    /// The partition a region belongs to.
    public init(region: String) {
        if region.hasPrefix("cn-") {
            self = .awsChina
        } else if region.hasPrefix("us-gov-") {
            self = .awsGovCloud
        } else {
            self = .aws
        }
    }
}
