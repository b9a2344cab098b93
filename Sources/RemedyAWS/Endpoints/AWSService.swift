/// What remedy needs to know about an AWS service to call it: names, protocol and API version.
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    /// The wire protocol of the service (botocore's `metadata.protocol`).
    public enum WireProtocol: Sendable, Hashable {
        case ec2
        case query
        case restXML
        case restJSON
        /// JSON over POST with `X-Amz-Target: <targetPrefix>.<Operation>`.
        case json(version: String, targetPrefix: String)
    }

    /// Short identifier (`ec2`, `s3control`), also used in logs and errors.
    public var id: String
    /// Name in `AWS_ENDPOINT_URL_<NAME>` (`EC2`, `S3_CONTROL`).
    public var environmentName: String
    /// Credential scope service name (`s3` for S3 Control).
    public var signingName: String
    /// First label of the default host name (`s3-control`).
    public var endpointPrefix: String
    public var wireProtocol: WireProtocol
    public var apiVersion: String
    /// One endpoint per partition (IAM) rather than per region.
    public var isGlobal: Bool

    public var description: String { id }

    public static let ec2 = AWSService(
        id: "ec2",
        environmentName: "EC2",
        signingName: "ec2",
        endpointPrefix: "ec2",
        wireProtocol: .ec2,
        apiVersion: "2016-11-15",
        isGlobal: false
    )
    public static let iam = AWSService(
        id: "iam",
        environmentName: "IAM",
        signingName: "iam",
        endpointPrefix: "iam",
        wireProtocol: .query,
        apiVersion: "2010-05-08",
        isGlobal: true
    )
    public static let sts = AWSService(
        id: "sts",
        environmentName: "STS",
        signingName: "sts",
        endpointPrefix: "sts",
        wireProtocol: .query,
        apiVersion: "2011-06-15",
        isGlobal: false
    )
    public static let sns = AWSService(
        id: "sns",
        environmentName: "SNS",
        signingName: "sns",
        endpointPrefix: "sns",
        wireProtocol: .query,
        apiVersion: "2010-03-31",
        isGlobal: false
    )
    public static let autoScaling = AWSService(
        id: "autoscaling",
        environmentName: "AUTO_SCALING",
        signingName: "autoscaling",
        endpointPrefix: "autoscaling",
        wireProtocol: .query,
        apiVersion: "2011-01-01",
        isGlobal: false
    )
    public static let rds = AWSService(
        id: "rds",
        environmentName: "RDS",
        signingName: "rds",
        endpointPrefix: "rds",
        wireProtocol: .query,
        apiVersion: "2014-10-31",
        isGlobal: false
    )
    public static let elasticLoadBalancingV2 = AWSService(
        id: "elasticloadbalancing",
        environmentName: "ELASTIC_LOAD_BALANCING_V2",
        signingName: "elasticloadbalancing",
        endpointPrefix: "elasticloadbalancing",
        wireProtocol: .query,
        apiVersion: "2015-12-01",
        isGlobal: false
    )
    public static let s3 = AWSService(
        id: "s3",
        environmentName: "S3",
        signingName: "s3",
        endpointPrefix: "s3",
        wireProtocol: .restXML,
        apiVersion: "2006-03-01",
        isGlobal: false
    )
    public static let s3Control = AWSService(
        id: "s3control",
        environmentName: "S3_CONTROL",
        signingName: "s3",
        endpointPrefix: "s3-control",
        wireProtocol: .restXML,
        apiVersion: "2018-08-20",
        isGlobal: false
    )
    public static let securityHub = AWSService(
        id: "securityhub",
        environmentName: "SECURITYHUB",
        signingName: "securityhub",
        endpointPrefix: "securityhub",
        wireProtocol: .restJSON,
        apiVersion: "2018-10-26",
        isGlobal: false
    )
    public static let guardDuty = AWSService(
        id: "guardduty",
        environmentName: "GUARDDUTY",
        signingName: "guardduty",
        endpointPrefix: "guardduty",
        wireProtocol: .restJSON,
        apiVersion: "2017-11-28",
        isGlobal: false
    )
    public static let dynamoDB = AWSService(
        id: "dynamodb",
        environmentName: "DYNAMODB",
        signingName: "dynamodb",
        endpointPrefix: "dynamodb",
        wireProtocol: .json(version: "1.0", targetPrefix: "DynamoDB_20120810"),
        apiVersion: "2012-08-10",
        isGlobal: false
    )
    public static let ecr = AWSService(
        id: "ecr",
        environmentName: "ECR",
        signingName: "ecr",
        endpointPrefix: "api.ecr",
        wireProtocol: .json(version: "1.1", targetPrefix: "AmazonEC2ContainerRegistry_V20150921"),
        apiVersion: "2015-09-21",
        isGlobal: false
    )
    public static let cloudWatchLogs = AWSService(
        id: "logs",
        environmentName: "CLOUDWATCH_LOGS",
        signingName: "logs",
        endpointPrefix: "logs",
        wireProtocol: .json(version: "1.1", targetPrefix: "Logs_20140328"),
        apiVersion: "2014-03-28",
        isGlobal: false
    )
    public static let cloudWatch = AWSService(
        id: "monitoring",
        environmentName: "CLOUDWATCH",
        signingName: "monitoring",
        endpointPrefix: "monitoring",
        wireProtocol: .query,
        apiVersion: "2010-08-01",
        isGlobal: false
    )
    public static let redshift = AWSService(
        id: "redshift",
        environmentName: "REDSHIFT",
        signingName: "redshift",
        endpointPrefix: "redshift",
        wireProtocol: .query,
        apiVersion: "2012-12-01",
        isGlobal: false
    )
    public static let ssm = AWSService(
        id: "ssm",
        environmentName: "SSM",
        signingName: "ssm",
        endpointPrefix: "ssm",
        wireProtocol: .json(version: "1.1", targetPrefix: "AmazonSSM"),
        apiVersion: "2014-11-06",
        isGlobal: false
    )
    public static let elastiCache = AWSService(
        id: "elasticache",
        environmentName: "ELASTICACHE",
        signingName: "elasticache",
        endpointPrefix: "elasticache",
        wireProtocol: .query,
        apiVersion: "2015-02-02",
        isGlobal: false
    )
    public static let athena = AWSService(
        id: "athena",
        environmentName: "ATHENA",
        signingName: "athena",
        endpointPrefix: "athena",
        wireProtocol: .json(version: "1.1", targetPrefix: "AmazonAthena"),
        apiVersion: "2017-05-18",
        isGlobal: false
    )
    public static let macie = AWSService(
        id: "macie2",
        environmentName: "MACIE2",
        signingName: "macie2",
        endpointPrefix: "macie2",
        wireProtocol: .restJSON,
        apiVersion: "2020-01-01",
        isGlobal: false
    )
    public static let apiGateway = AWSService(
        id: "apigateway",
        environmentName: "API_GATEWAY",
        signingName: "apigateway",
        endpointPrefix: "apigateway",
        wireProtocol: .restJSON,
        apiVersion: "2015-07-09",
        isGlobal: false
    )
    public static let config = AWSService(
        id: "config",
        environmentName: "CONFIG_SERVICE",
        signingName: "config",
        endpointPrefix: "config",
        wireProtocol: .json(version: "1.1", targetPrefix: "StarlingDoveService"),
        apiVersion: "2014-11-12",
        isGlobal: false
    )
    public static let applicationAutoScaling = AWSService(
        id: "application-autoscaling",
        environmentName: "APPLICATION_AUTO_SCALING",
        signingName: "application-autoscaling",
        endpointPrefix: "application-autoscaling",
        wireProtocol: .json(version: "1.1", targetPrefix: "AnyScaleFrontendService"),
        apiVersion: "2016-02-06",
        isGlobal: false
    )
    public static let tagging = AWSService(
        id: "tagging",
        environmentName: "RESOURCE_GROUPS_TAGGING_API",
        signingName: "tagging",
        endpointPrefix: "tagging",
        wireProtocol: .json(version: "1.1", targetPrefix: "ResourceGroupsTaggingAPI_20170126"),
        apiVersion: "2017-01-26",
        isGlobal: false
    )
    public static let codeBuild = AWSService(
        id: "codebuild",
        environmentName: "CODEBUILD",
        signingName: "codebuild",
        endpointPrefix: "codebuild",
        wireProtocol: .json(version: "1.1", targetPrefix: "CodeBuild_20161006"),
        apiVersion: "2016-10-06",
        isGlobal: false
    )
    public static let eks = AWSService(
        id: "eks",
        environmentName: "EKS",
        signingName: "eks",
        endpointPrefix: "eks",
        wireProtocol: .restJSON,
        apiVersion: "2017-11-01",
        isGlobal: false
    )
    public static let lambda = AWSService(
        id: "lambda",
        environmentName: "LAMBDA",
        signingName: "lambda",
        endpointPrefix: "lambda",
        wireProtocol: .restJSON,
        apiVersion: "2015-03-31",
        isGlobal: false
    )
    public static let sqs = AWSService(
        id: "sqs",
        environmentName: "SQS",
        signingName: "sqs",
        endpointPrefix: "sqs",
        wireProtocol: .json(version: "1.0", targetPrefix: "AmazonSQS"),
        apiVersion: "2012-11-05",
        isGlobal: false
    )
    public static let kms = AWSService(
        id: "kms",
        environmentName: "KMS",
        signingName: "kms",
        endpointPrefix: "kms",
        wireProtocol: .json(version: "1.1", targetPrefix: "TrentService"),
        apiVersion: "2014-11-01",
        isGlobal: false
    )
    public static let wafv2 = AWSService(
        id: "wafv2",
        environmentName: "WAFV2",
        signingName: "wafv2",
        endpointPrefix: "wafv2",
        wireProtocol: .json(version: "1.1", targetPrefix: "AWSWAF_20190729"),
        apiVersion: "2019-07-29",
        isGlobal: false
    )
    public static let cloudTrail = AWSService(
        id: "cloudtrail",
        environmentName: "CLOUDTRAIL",
        signingName: "cloudtrail",
        endpointPrefix: "cloudtrail",
        wireProtocol: .json(
            version: "1.1",
            targetPrefix: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
        ),
        apiVersion: "2013-11-01",
        isGlobal: false
    )
    public static let secretsManager = AWSService(
        id: "secretsmanager",
        environmentName: "SECRETS_MANAGER",
        signingName: "secretsmanager",
        endpointPrefix: "secretsmanager",
        wireProtocol: .json(version: "1.1", targetPrefix: "secretsmanager"),
        apiVersion: "2017-10-17",
        isGlobal: false
    )
}
