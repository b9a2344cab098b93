/// How the executor asks for an action to be performed, probed or undone, without knowing how actions reach AWS.
///
/// RemedyActions implements it over the real AWS clients; RemedyExercise over a simulated account; tests with fakes.
public protocol ActionInvoker: Sendable {
    /// Performs the action once, journaling through `record` the prior state it captures before its first mutating
    /// call, so that a probe after a crash can still undo (see `ActionRequest.capturedPriorState`). The executor has
    /// journaled `step.started` with the request's idempotency key.
    ///
    /// The only way to execute: an invoker that wraps another cannot drop `record` by forwarding a shorter call.
    func execute(
        _ request: ActionRequest,
        recordingPriorState record: @escaping PriorStateRecorder
    ) async throws(ActionFailure) -> ActionResult
    /// Whether the action already happened (after a crash left a step in doubt): `done` carries the outputs so the
    /// run can go on without repeating the call.
    func probe(_ request: ActionRequest) async throws(ActionFailure) -> ProbeResult
    /// Reverses a completed action from the prior state captured when it ran.
    func undo(_ request: ActionRequest, priorState: JSONValue) async throws(ActionFailure)
    /// How long after a call started its last request may still be sent and take effect: every attempt's timeout
    /// and the waits between them. A process killed mid-call leaves such a request behind it.
    var settlingTime: Duration { get }
}

/// Journals the prior state an action captured, durably, before the action makes its first mutating call.
public typealias PriorStateRecorder = @Sendable (JSONValue) async throws(ActionFailure) -> Void

extension ActionInvoker {
    /// Calls that are over when they return, as a scripted or simulated invoker's are.
    public var settlingTime: Duration { .zero }

    /// Performs the action once where nothing journals its prior state (tests, a step run on its own).
    public func execute(_ request: ActionRequest) async throws(ActionFailure) -> ActionResult {
        try await execute(request, recordingPriorState: { _ in })
    }
}

/// Whether actions may change the account.
public enum ExecutionMode: String, Sendable, Hashable, Codable {
    case live
    /// Read-only calls only; mutating calls are checked for permission, not made.
    case dryRun = "dry-run"
}

/// One action to perform, with everything resolved.
public struct ActionRequest: Sendable, Hashable {
    public var action: String
    /// Validated against the action's parameter types.
    public var parameters: [String: JSONValue]
    public var runID: String
    public var stepID: String
    /// The role to act as, when the playbook names one.
    public var targetRole: String?
    public var account: String
    public var region: String
    public var mode: ExecutionMode
    /// The finding that started the run, as expressions read it (`Finding.expressionValue`), for actions that act
    /// on the finding itself (`securityhub.update_finding`, `guardduty.archive_finding`, `evidence.collect`).
    public var finding: JSONValue?
    /// The prior state an earlier attempt of this step journaled before its first mutating call, if any: a probe
    /// after a crash reads it, and a retry keeps it (the account may already show the step's partial work).
    public var capturedPriorState: JSONValue?

    public init(
        action: String,
        parameters: [String: JSONValue],
        runID: String,
        stepID: String,
        targetRole: String? = nil,
        account: String,
        region: String,
        mode: ExecutionMode,
        finding: JSONValue? = nil,
        capturedPriorState: JSONValue? = nil
    ) {
        self.action = action
        self.parameters = parameters
        self.runID = runID
        self.stepID = stepID
        self.targetRole = targetRole
        self.account = account
        self.region = region
        self.mode = mode
        self.finding = finding
        self.capturedPriorState = capturedPriorState
    }

    /// Identifies this step's one execution: tags on created resources and native idempotency tokens carry it, so a
    /// probe can recognise the step's own work.
    public var idempotencyKey: String { "\(runID)/\(stepID)" }
}

/// What an action did.
public struct ActionResult: Sendable, Hashable {
    /// Values later steps read as `steps.<id>.<name>`.
    public var outputs: [String: JSONValue]
    /// What was there before, for `remedy undo` (original security groups, key status, ...).
    public var priorState: JSONValue?
    /// AWS request ids of the calls made, for the journal and for AWS support.
    public var requestIDs: [String]
    /// The post-condition read back after execution held.
    public var verified: Bool
    /// In dry-run: what the permission check said (`would succeed`, `missing permission ec2:StopInstances`).
    public var dryRunVerdict: String?

    public init(
        outputs: [String: JSONValue] = [:],
        priorState: JSONValue? = nil,
        requestIDs: [String] = [],
        verified: Bool = false,
        dryRunVerdict: String? = nil
    ) {
        self.outputs = outputs
        self.priorState = priorState
        self.requestIDs = requestIDs
        self.verified = verified
        self.dryRunVerdict = dryRunVerdict
    }
}

/// What a probe found.
public enum ProbeResult: Sendable, Hashable {
    /// The action had already happened; these are its outputs.
    case done(ActionResult)
    /// It had not: executing it now is safe.
    case notDone
}

/// Why an action failed, with what a responder needs: the AWS code, message and request id.
public struct ActionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Retrying later may succeed (throttling, transient faults).
        case retryable
        /// Retrying gives the same answer (invalid parameters, access denied, resource missing).
        case permanent
        /// The call may or may not have taken effect: a probe must decide before anything is retried.
        case inDoubt = "in-doubt"
    }

    public var kind: Kind
    public var code: String
    public var message: String
    public var requestID: String?

    public init(_ kind: Kind, code: String, message: String, requestID: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    public var description: String {
        "\(code): \(message)" + (requestID.map { " [request id \($0)]" } ?? "")
    }
}
