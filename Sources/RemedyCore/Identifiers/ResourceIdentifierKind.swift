/// The formats of AWS resource identifiers that reach API calls.
///
/// Every identifier taken from a finding is checked against its format before it becomes a parameter, so a hostile
/// finding (quotes, `&Action=`, newlines, look-alike letters) is refused instead of reaching the wire.
public enum ResourceIdentifierKind: String, Sendable, Hashable, CaseIterable {
    case instanceID = "instance-id"
    case securityGroupID = "security-group-id"
    case volumeID = "volume-id"
    case snapshotID = "snapshot-id"
    case imageID = "image-id"
    case vpcID = "vpc-id"
    case subnetID = "subnet-id"
    case networkACLID = "network-acl-id"
    case accessKeyID = "access-key-id"
    case bucketName = "bucket-name"
    case iamUserName = "iam-user-name"
    case iamRoleName = "iam-role-name"
    case iamPrincipalName = "iam-principal-name"
    case principalID = "principal-id"
    case arn
    case roleARN = "role-arn"
    case accountID = "account-id"
    case region
    case lambdaFunction = "lambda-function"
    case dbInstanceIdentifier = "db-instance-identifier"
    case eksClusterName = "eks-cluster-name"
    case dbClusterIdentifier = "db-cluster-identifier"
    case dynamoDBTable = "dynamodb-table"
    case ecrRepository = "ecr-repository"
    case logGroupName = "log-group-name"
    case dbSnapshotIdentifier = "db-snapshot-identifier"
    case redshiftCluster = "redshift-cluster"
    case ssmDocumentName = "ssm-document-name"
    case transitGatewayID = "transit-gateway-id"
    case sqsQueueName = "sqs-queue-name"
    case cacheClusterID = "cache-cluster-id"
    case athenaWorkGroup = "athena-workgroup"
    case apiGatewayStage = "api-gateway-stage"
    case codeBuildProject = "codebuild-project"
    case kmsKey = "kms-key"
    case trailName = "trail-name"
    case ipAddress = "ip-address"
    case findingID = "finding-id"
    case detectorID = "detector-id"
    case secretID = "secret-id"
    case topicARN = "topic-arn"
    case autoScalingGroupName = "auto-scaling-group-name"
    case webACLIPSetARN = "wafv2-ip-set-arn"

    /// What a responder reads in an error: "EC2 instance id".
    public var displayName: String {
        switch self {
        case .instanceID: "EC2 instance id"
        case .securityGroupID: "security group id"
        case .volumeID: "EBS volume id"
        case .snapshotID: "EBS snapshot id"
        case .imageID: "AMI id"
        case .vpcID: "VPC id"
        case .subnetID: "subnet id"
        case .networkACLID: "network ACL id"
        case .accessKeyID: "access key id"
        case .bucketName: "S3 bucket name"
        case .iamUserName: "IAM user name"
        case .iamRoleName: "IAM role name"
        case .iamPrincipalName: "IAM user or role name"
        case .principalID: "IAM unique principal id (AIDA... of a user, AROA...:session of a role session)"
        case .arn: "ARN"
        case .roleARN: "IAM role ARN"
        case .accountID: "AWS account id"
        case .region: "AWS region"
        case .lambdaFunction: "Lambda function name or ARN"
        case .dbInstanceIdentifier: "RDS DB instance identifier"
        case .eksClusterName: "EKS cluster name"
        case .dbClusterIdentifier: "RDS DB cluster identifier"
        case .dynamoDBTable: "DynamoDB table name"
        case .ecrRepository: "ECR repository name"
        case .logGroupName: "CloudWatch Logs log group name"
        case .dbSnapshotIdentifier: "RDS DB snapshot identifier"
        case .redshiftCluster: "Redshift cluster identifier"
        case .ssmDocumentName: "Systems Manager document name"
        case .transitGatewayID: "transit gateway id"
        case .sqsQueueName: "SQS queue name"
        case .cacheClusterID: "ElastiCache cluster or replication group id"
        case .athenaWorkGroup: "Athena workgroup name"
        case .apiGatewayStage: "API Gateway REST API stage (API_ID/STAGE)"
        case .codeBuildProject: "CodeBuild project name"
        case .kmsKey: "KMS key id or ARN"
        case .trailName: "CloudTrail trail name or ARN"
        case .ipAddress: "IP address"
        case .findingID: "finding id"
        case .detectorID: "GuardDuty detector id"
        case .secretID: "Secrets Manager secret name or ARN"
        case .topicARN: "SNS topic ARN"
        case .autoScalingGroupName: "Auto Scaling group name"
        case .webACLIPSetARN: "WAFv2 IP set ARN"
        }
    }

    /// Why `value` is not an identifier of this kind, or nil when it is one.
    public func problem(with value: String) -> String? {
        let valid: Bool =
            switch self {
            case .instanceID: Self.isPrefixedHexID(value, prefix: "i-")
            case .securityGroupID: Self.isPrefixedHexID(value, prefix: "sg-")
            case .volumeID: Self.isPrefixedHexID(value, prefix: "vol-")
            case .snapshotID: Self.isPrefixedHexID(value, prefix: "snap-")
            case .imageID: Self.isPrefixedHexID(value, prefix: "ami-")
            case .vpcID: Self.isPrefixedHexID(value, prefix: "vpc-")
            case .subnetID: Self.isPrefixedHexID(value, prefix: "subnet-")
            case .networkACLID: Self.isPrefixedHexID(value, prefix: "acl-")
            case .accessKeyID: Self.isAccessKeyID(value)
            case .bucketName: Self.bucketNameProblem(value) == nil
            case .iamUserName, .iamRoleName, .iamPrincipalName: Self.isIAMName(value)
            case .principalID: Self.isPrincipalID(value)
            case .arn: ARN(value) != nil
            case .roleARN: ARN(value).map { $0.service == "iam" && $0.resource.hasPrefix("role/") } ?? false
            case .accountID: value.utf8.count == 12 && value.utf8.allSatisfy(Self.isDigit)
            case .region: Self.isRegion(value)
            case .lambdaFunction: Self.isLambdaFunction(value)
            case .dbInstanceIdentifier: Self.isRDSIdentifier(value, maximumLength: 63)
            case .eksClusterName: Self.isEKSClusterName(value)
            case .dbClusterIdentifier: Self.isRDSIdentifier(value, maximumLength: 63)
            case .dynamoDBTable: Self.isDynamoDBTableName(value)
            case .ecrRepository: Self.isECRRepositoryName(value)
            case .logGroupName: Self.isLogGroupName(value)
            case .dbSnapshotIdentifier: Self.isRDSIdentifier(value, maximumLength: 255)
            case .redshiftCluster: Self.isRDSIdentifier(value, maximumLength: 63) && value == value.lowercased()
            case .ssmDocumentName:
                (3...128).contains(value.utf8.count)
                    && value.utf8.allSatisfy { Self.isAlnum($0) || "_-.".utf8.contains($0) }
            case .transitGatewayID: Self.isPrefixedHexID(value, prefix: "tgw-")
            case .cacheClusterID: Self.isRDSIdentifier(value, maximumLength: 50)
            case .apiGatewayStage: Self.isAPIGatewayStage(value)
            case .codeBuildProject:
                (2...255).contains(value.utf8.count) && value.utf8.first.map(Self.isAlnum) == true
                    && value.utf8.allSatisfy { Self.isAlnum($0) || "_-".utf8.contains($0) }
            case .athenaWorkGroup:
                (1...128).contains(value.utf8.count)
                    && value.utf8.allSatisfy { Self.isAlnum($0) || "._-".utf8.contains($0) }
            case .sqsQueueName:
                (1...80).contains(value.utf8.count)
                    && value.utf8.allSatisfy { Self.isAlnum($0) || "_-.".utf8.contains($0) }
            case .kmsKey: Self.isKMSKey(value)
            case .trailName: Self.isTrailName(value)
            case .ipAddress: IPAddress(value) != nil
            case .findingID: Self.isFindingID(value)
            case .detectorID: (1...300).contains(value.utf8.count) && value.utf8.allSatisfy(Self.isLowerAlnum)
            case .secretID: Self.isSecretID(value)
            case .topicARN: ARN(value).map { $0.service == "sns" } ?? false
            case .autoScalingGroupName: Self.isPrintableName(value, maximumLength: 255)
            case .webACLIPSetARN: ARN(value).map { $0.service == "wafv2" && $0.resource.contains("/ipset/") } ?? false
            }
        if valid { return nil }
        if self == .bucketName, let reason = Self.bucketNameProblem(value) {
            return "\(Self.quoted(value)) is not a valid \(displayName): \(reason)"
        }
        return "\(Self.quoted(value)) is not a valid \(displayName)"
    }

    /// The value, escaped so that control characters and look-alikes show in an error message.
    public static func quoted(_ value: String) -> String {
        let shown = value.count > 80 ? String(value.prefix(80)) + "…" : value
        var output = "'"
        for scalar in shown.unicodeScalars {
            if scalar.isASCII, scalar.value >= 0x20, scalar.value < 0x7F {
                output.unicodeScalars.append(scalar)
            } else {
                output += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return output + "'"
    }

    // MARK: Formats

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLowerHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte >= 0x61 && byte <= 0x66) }
    static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isLowerAlnum(_ byte: UInt8) -> Bool { isDigit(byte) || isLower(byte) }
    static func isAlnum(_ byte: UInt8) -> Bool { isDigit(byte) || isLower(byte) || isUpper(byte) }

    /// EC2 ids: a prefix then 8 or 17 lowercase hex digits.
    static func isPrefixedHexID(_ value: String, prefix: String) -> Bool {
        guard value.hasPrefix(prefix) else { return false }
        let digits = value.utf8.dropFirst(prefix.utf8.count)
        return (digits.count == 8 || digits.count == 17) && digits.allSatisfy(isLowerHex)
    }

    /// An IAM unique id as `aws:userid` reads it.
    ///
    /// A user's `AIDA...`, or a role session's `AROA...:session-name` (the name as STS allows it). Never a wildcard:
    /// a Deny keyed on it must name one principal.
    static func isPrincipalID(_ value: String) -> Bool {
        let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let id = parts[0].utf8
        guard (16...128).contains(id.count), id.allSatisfy({ isUpper($0) || isDigit($0) }) else { return false }
        if parts[0].hasPrefix("AIDA") { return parts.count == 1 }
        guard parts[0].hasPrefix("AROA"), parts.count == 2 else { return false }
        let session = parts[1].utf8
        return (2...64).contains(session.count) && session.allSatisfy { isAlnum($0) || "_+=,.@-".utf8.contains($0) }
    }

    /// RDS identifiers (instances, snapshots): a letter, then letters, digits and single hyphens, not ending in one.
    static func isRDSIdentifier(_ value: String, maximumLength: Int) -> Bool {
        let bytes = Array(value.utf8)
        guard (1...maximumLength).contains(bytes.count), let first = bytes.first, isLower(first) || isUpper(first),
            bytes.last != UInt8(ascii: "-"), !value.contains("--")
        else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// EKS cluster names: 1-100 letters, digits, hyphens and underscores, starting with a letter or digit.
    static func isEKSClusterName(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard (1...100).contains(bytes.count), let first = bytes.first, isAlnum(first) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// DynamoDB table names: 3-255 letters, digits, `_`, `-` and `.`.
    static func isDynamoDBTableName(_ value: String) -> Bool {
        (3...255).contains(value.utf8.count)
            && value.utf8.allSatisfy { isAlnum($0) || "_-.".utf8.contains($0) }
    }

    /// ECR repository names: 2-256 lowercase letters, digits and `._-/` separators, starting with a letter or
    /// digit (namespaces such as `team/app`).
    static func isECRRepositoryName(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard (2...256).contains(bytes.count), let first = bytes.first, isLowerAlnum(first) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || "._-/".utf8.contains($0) }
    }

    /// CloudWatch Logs group names: 1-512 letters, digits and `_-/.#`.
    static func isLogGroupName(_ value: String) -> Bool {
        (1...512).contains(value.utf8.count)
            && value.utf8.allSatisfy { isAlnum($0) || "_-/.#".utf8.contains($0) }
    }

    /// `API_ID/STAGE`: a REST API id (10 lowercase letters and digits) and a stage name (letters, digits, `_`, `-`).
    static func isAPIGatewayStage(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 10, parts[0].utf8.allSatisfy(isLowerAlnum),
            (1...128).contains(parts[1].utf8.count)
        else { return false }
        return parts[1].utf8.allSatisfy { isAlnum($0) || "_-".utf8.contains($0) }
    }

    static func isAccessKeyID(_ value: String) -> Bool {
        let bytes = value.utf8
        guard (16...128).contains(bytes.count), value.hasPrefix("AKIA") || value.hasPrefix("ASIA") else {
            return false
        }
        return bytes.allSatisfy { isUpper($0) || isDigit($0) }
    }

    /// IAM user and role names: `[\w+=,.@-]{1,64}`.
    static func isIAMName(_ value: String) -> Bool {
        (1...64).contains(value.utf8.count)
            && value.utf8.allSatisfy { isAlnum($0) || "_+=,.@-".utf8.contains($0) }
    }

    static func isRegion(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard (3...5).contains(parts.count), let last = parts.last, last.utf8.allSatisfy(isDigit), !last.isEmpty
        else { return false }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy(isLower) }
    }

    static func isLambdaFunction(_ value: String) -> Bool {
        if let arn = ARN(value) { return arn.service == "lambda" && arn.resource.hasPrefix("function:") }
        return (1...64).contains(value.utf8.count) && value.utf8.allSatisfy { isAlnum($0) || $0 == 0x2D || $0 == 0x5F }
    }

    static func isKMSKey(_ value: String) -> Bool {
        if let arn = ARN(value) { return arn.service == "kms" }
        if value.hasPrefix("alias/") { return isPrintableName(value, maximumLength: 256) && !value.contains(" ") }
        // Key ids are UUIDs (or mrk- multi-Region keys).
        let body = value.hasPrefix("mrk-") ? value.dropFirst(4) : Substring(value)
        return (32...36).contains(body.utf8.count) && body.utf8.allSatisfy { isLowerHex($0) || $0 == 0x2D }
    }

    static func isTrailName(_ value: String) -> Bool {
        if let arn = ARN(value) { return arn.service == "cloudtrail" }
        return (3...128).contains(value.utf8.count)
            && value.utf8.allSatisfy { isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    static func isSecretID(_ value: String) -> Bool {
        if let arn = ARN(value) { return arn.service == "secretsmanager" }
        return (1...512).contains(value.utf8.count)
            && value.utf8.allSatisfy { isAlnum($0) || "/_+=.@-".utf8.contains($0) }
    }

    /// Finding ids are opaque but printable: GuardDuty's are hex, Security Hub's are ARNs or URLs.
    static func isFindingID(_ value: String) -> Bool {
        isPrintableName(value, maximumLength: 512) && !value.contains(" ")
    }

    static func isPrintableName(_ value: String, maximumLength: Int) -> Bool {
        (1...maximumLength).contains(value.utf8.count) && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
            && !value.utf8.contains { "\"'<>\\`".utf8.contains($0) }
    }

    /// S3's naming rules for general purpose buckets; nil when the name follows them.
    static func bucketNameProblem(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        guard (3...63).contains(bytes.count) else { return "bucket names are 3 to 63 characters long" }
        guard bytes.allSatisfy({ isLowerAlnum($0) || $0 == 0x2E || $0 == 0x2D }) else {
            return "bucket names use only lowercase letters, digits, dots and hyphens"
        }
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else {
            return "bucket names begin and end with a letter or digit"
        }
        guard !value.contains("..") else { return "bucket names do not contain two adjacent dots" }
        guard IPAddress(value) == nil else { return "bucket names are not formatted as IP addresses" }
        guard !value.hasPrefix("xn--"), !value.hasPrefix("sthree-"), !value.hasSuffix("-s3alias"),
            !value.hasSuffix("--ol-s3")
        else { return "bucket names do not use reserved prefixes or suffixes" }
        return nil
    }
}
