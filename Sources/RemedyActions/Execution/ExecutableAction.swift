import Foundation
import RemedyAWS
import RemedyCore

/// An action remedy can perform: the catalogue entry plus what it does against AWS.
///
/// Every call goes through `ActionContext.clients`, which carry the run's mode: in dry-run the transport refuses
/// mutations whatever the action does.
public protocol ExecutableAction: RemediationAction {
    /// Performs the action once, capturing the prior state `undo` needs.
    static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    /// Whether the action already happened for this step (after a crash).
    static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    /// Reads the post-condition back after `execute`: whether the account is now as the action promises.
    static func verify(
        _ parameters: ActionParameters,
        result: ActionResult,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> Bool
    /// Restores the prior state captured by `execute`.
    static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
}

extension ExecutableAction {
    /// By default the post-condition is what the probe looks for.
    public static func verify(
        _ parameters: ActionParameters,
        result: ActionResult,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> Bool
    {
        if case .done = try await probe(parameters, in: context) { return true }
        return false
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        throw ActionFailure(.permanent, code: "NotReversible", message: "\(descriptor.name) cannot be undone")
    }
}

/// An action whose calls answering success is its post-condition, so nothing is read back to verify it.
///
/// For synchronous APIs that set the state outright and apply it before answering: a read-back could only disagree
/// through the service's eventual consistency. Each conformance says why its answer is enough (docs/playbooks.md).
public protocol AnswerVerifiedAction: ExecutableAction {}

extension AnswerVerifiedAction {
    public static func verify(
        _ parameters: ActionParameters,
        result: ActionResult,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> Bool
    {
        true
    }
}

/// An action that leaves nothing in the account to find afterwards (a message sent, time waited).
///
/// After a crash its probe says not done, so it is performed again: a notification may then arrive twice, which is
/// acceptable for a notification. Its call succeeding is its post-condition unless it says more.
public protocol TracelessAction: AnswerVerifiedAction {}

extension TracelessAction {
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        .notDone
    }
}

/// What an action runs with: the request and clients for its account, region and role, the clock it waits by, and
/// where notifications go.
public struct ActionContext: Sendable {
    public var request: ActionRequest
    public var clients: ServiceClients
    /// What `wait` and `wait_for` sleep on: the system clock in a run, a virtual one in tests and exercises.
    public var clock: any Clock<Duration>
    /// The time of day, for Object Lock retention dates and evidence timestamps.
    public var wallClock: WallClock
    /// The Slack incoming webhooks `notify.slack` may post to.
    public var slack: SlackWebhooks
    /// The run journal, read by `evidence.collect` for the run's records; nil where actions run without one.
    public var journal: (any RunJournal)?
    /// Journals prior state before the action's first mutating call (the executor's `step.prior_state_captured`);
    /// where actions run without an executor, nothing needs it later and it records nothing.
    public var recordPriorState: PriorStateRecorder
    /// Per-VPC groups already found or created, shared by the invoker's runs.
    public var securityGroups: SecurityGroupCache

    public init(
        request: ActionRequest,
        clients: ServiceClients,
        clock: any Clock<Duration> = ContinuousClock(),
        wallClock: WallClock = .system,
        slack: SlackWebhooks = SlackWebhooks(),
        journal: (any RunJournal)? = nil,
        recordPriorState: @escaping PriorStateRecorder = { _ in },
        securityGroups: SecurityGroupCache = SecurityGroupCache()
    ) {
        self.request = request
        self.clients = clients
        self.clock = clock
        self.wallClock = wallClock
        self.slack = slack
        self.journal = journal
        self.recordPriorState = recordPriorState
        self.securityGroups = securityGroups
    }

    /// Tags remedy puts on what it creates or changes, so people and probes can find the step's work.
    public var stepTags: [String: String] {
        ["remedy:run": request.runID, "remedy:step": request.idempotencyKey]
    }
}

/// Typed AWS clients for one account, region and role, in the run's mode.
public struct ServiceClients: Sendable {
    let context: AWSContext
    let region: String
    let credentials: any AWSCredentialProvider
    let account: String

    public init(context: AWSContext, region: String, credentials: any AWSCredentialProvider, account: String) {
        self.context = context
        self.region = region
        self.credentials = credentials
        self.account = account
    }

    func client(_ service: AWSService) throws(ActionFailure) -> AWSClient {
        do {
            return try context.client(service, region: region, credentials: credentials, account: account)
        } catch {
            throw ActionFailure(error, isMutating: false)
        }
    }

    public func ec2() throws(ActionFailure) -> EC2Client { EC2Client(try client(.ec2)) }
    public func iam() throws(ActionFailure) -> IAMClient { IAMClient(try client(.iam)) }
    public func s3() throws(ActionFailure) -> S3Client { S3Client(try client(.s3)) }
    /// An S3 client whose every bucket call names `owner` as the expected bucket owner.
    public func s3(expectedBucketOwner owner: String) throws(ActionFailure) -> S3Client {
        S3Client(try client(.s3), expectedBucketOwner: owner)
    }
    public func s3Control() throws(ActionFailure) -> S3ControlClient { S3ControlClient(try client(.s3Control)) }
    public func kms() throws(ActionFailure) -> KMSClient { KMSClient(try client(.kms)) }
    public func eks() throws(ActionFailure) -> EKSClient { EKSClient(try client(.eks)) }
    public func dynamoDB() throws(ActionFailure) -> DynamoDBClient { DynamoDBClient(try client(.dynamoDB)) }
    public func ecr() throws(ActionFailure) -> ECRClient { ECRClient(try client(.ecr)) }
    public func redshift() throws(ActionFailure) -> RedshiftClient { RedshiftClient(try client(.redshift)) }
    public func ssm() throws(ActionFailure) -> SSMClient { SSMClient(try client(.ssm)) }
    public func elastiCache() throws(ActionFailure) -> ElastiCacheClient { ElastiCacheClient(try client(.elastiCache)) }
    public func athena() throws(ActionFailure) -> AthenaClient { AthenaClient(try client(.athena)) }
    public func config() throws(ActionFailure) -> ConfigClient { ConfigClient(try client(.config)) }
    public func tagging() throws(ActionFailure) -> TaggingClient { TaggingClient(try client(.tagging)) }
    public func codeBuild() throws(ActionFailure) -> CodeBuildClient { CodeBuildClient(try client(.codeBuild)) }
    public func applicationAutoScaling() throws(ActionFailure) -> ApplicationAutoScalingClient {
        ApplicationAutoScalingClient(try client(.applicationAutoScaling))
    }
    public func apiGateway() throws(ActionFailure) -> APIGatewayClient { APIGatewayClient(try client(.apiGateway)) }
    public func macie() throws(ActionFailure) -> MacieClient { MacieClient(try client(.macie)) }
    public func sqs() throws(ActionFailure) -> SQSClient { SQSClient(try client(.sqs)) }
    public func cloudWatch() throws(ActionFailure) -> CloudWatchClient { CloudWatchClient(try client(.cloudWatch)) }
    public func cloudWatchLogs() throws(ActionFailure) -> CloudWatchLogsClient {
        CloudWatchLogsClient(try client(.cloudWatchLogs))
    }
    public func lambda() throws(ActionFailure) -> LambdaClient { LambdaClient(try client(.lambda)) }
    public func secretsManager() throws(ActionFailure) -> SecretsManagerClient {
        SecretsManagerClient(try client(.secretsManager))
    }
    public func rds() throws(ActionFailure) -> RDSClient { RDSClient(try client(.rds)) }
    public func autoScaling() throws(ActionFailure) -> AutoScalingClient {
        AutoScalingClient(try client(.autoScaling))
    }
    public func elbv2() throws(ActionFailure) -> ELBv2Client { ELBv2Client(try client(.elasticLoadBalancingV2)) }
    public func wafv2() throws(ActionFailure) -> WAFv2Client { WAFv2Client(try client(.wafv2)) }
    public func cloudTrail() throws(ActionFailure) -> CloudTrailClient { CloudTrailClient(try client(.cloudTrail)) }
    public func guardDuty() throws(ActionFailure) -> GuardDutyClient { GuardDutyClient(try client(.guardDuty)) }
    public func securityHub() throws(ActionFailure) -> SecurityHubClient {
        SecurityHubClient(try client(.securityHub))
    }
    public func sns() throws(ActionFailure) -> SNSClient { SNSClient(try client(.sns)) }
}

/// Action parameters as the planner validated them, with typed accessors.
public struct ActionParameters: Sendable, Hashable {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue]) {
        self.values = values
    }

    public func string(_ name: String) throws(ActionFailure) -> String {
        guard let value = values[name]?.stringValue else { throw Self.missing(name, "a string") }
        return value
    }

    public func optionalString(_ name: String) -> String? { values[name]?.stringValue }

    /// A string checked again here against its identifier format: for a value that shapes what a call grants or
    /// denies (a policy's principal), where a request that did not come through the planner must not widen it.
    public func identifier(_ name: String, _ kind: ResourceIdentifierKind) throws(ActionFailure) -> String {
        let value = try string(name)
        if let problem = kind.problem(with: value) {
            throw ActionFailure(.permanent, code: "InvalidParameter", message: "parameter '\(name)': \(problem)")
        }
        return value
    }

    public func integer(_ name: String) throws(ActionFailure) -> Int {
        guard let value = values[name]?.integerValue else { throw Self.missing(name, "a whole number") }
        return value
    }

    public func optionalSeconds(_ name: String) -> Double? { values[name]?.doubleValue }

    /// A duration parameter in seconds: validated parameters hold numbers, unvalidated ones may still say `15m`.
    public func duration(_ name: String, default fallback: Duration) throws(ActionFailure) -> Duration {
        switch values[name] {
        case nil, .null?: return fallback
        case .number(let seconds)?:
            guard let duration = Duration(checkedSeconds: seconds) else { throw Self.missing(name, "a duration") }
            return duration
        case .string(let text)?:
            guard let duration = DurationText.parse(text) else { throw Self.missing(name, "a duration") }
            return duration
        default: throw Self.missing(name, "a duration")
        }
    }

    public func stringList(_ name: String) -> [String] {
        values[name]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    public func stringMap(_ name: String) -> [String: String] {
        values[name]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
    }

    static func missing(_ name: String, _ kind: String) -> ActionFailure {
        ActionFailure(.permanent, code: "InvalidParameter", message: "parameter '\(name)' must be \(kind)")
    }
}

extension ActionFailure {
    /// An AWS error as the executor needs to see it: retry it, give up, or probe first.
    public init(_ error: AWSError, isMutating: Bool) {
        let kind: Kind
        switch error.kind {
        case .throttling: kind = .retryable
        // A fault during a mutation may have taken effect: only a probe can tell.
        case .transient: kind = isMutating ? .inDoubt : .retryable
        case .permanent, .notImplemented, .malformedResponse, .refused: kind = .permanent
        }
        // Said in AWS terms: what happened to the call, and whether it may have taken effect.
        let consequence =
            switch kind {
            case .inDoubt:
                "; the call is in doubt: AWS may have performed it, so its probe checks before anything is repeated"
            case .retryable where error.kind == .throttling: "; AWS throttled it: it was not performed"
            default: ""
            }
        self.init(
            kind,
            code: error.code,
            message: "\(error.service) \(error.operation): \(error.message)\(consequence)",
            requestID: error.requestID
        )
    }
}

/// Runs an AWS call that changes something, turning its error into an `ActionFailure`: one that may have reached
/// AWS leaves the step in doubt, for a probe to settle.
func mutatingCall<T>(_ body: () async throws(AWSError) -> T) async throws(ActionFailure) -> T {
    try await awsCall(isMutating: true, body)
}

/// Runs an AWS call that only reads, turning its error into an `ActionFailure`.
func readingCall<T>(_ body: () async throws(AWSError) -> T) async throws(ActionFailure) -> T {
    try await awsCall(isMutating: false, body)
}

private func awsCall<T>(
    isMutating: Bool,
    _ body: () async throws(AWSError) -> T
) async throws(ActionFailure) -> T {
    do {
        return try await body()
    } catch {
        throw ActionFailure(error, isMutating: isMutating)
    }
}
