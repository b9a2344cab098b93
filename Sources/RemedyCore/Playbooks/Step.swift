/// One step of a playbook: an action to perform or an approval gate to pass.
public struct Step: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case action(ActionInvocation)
        case approval(ApprovalGate)
    }

    public var id: String
    public var kind: Kind
    /// Runs the step only when this condition holds.
    public var condition: Template?
    public var onFailure: FailurePolicy
    public var retry: RetryPolicy?
    public var timeout: Duration?
    public var location: SourceLocation?

    public init(
        id: String,
        kind: Kind,
        condition: Template? = nil,
        onFailure: FailurePolicy = .abort,
        retry: RetryPolicy? = nil,
        timeout: Duration? = nil,
        location: SourceLocation? = nil
    ) {
        self.id = id
        self.kind = kind
        self.condition = condition
        self.onFailure = onFailure
        self.retry = retry
        self.timeout = timeout
        self.location = location
    }

    public var action: ActionInvocation? {
        if case .action(let invocation) = kind { return invocation }
        return nil
    }

    public var approval: ApprovalGate? {
        if case .approval(let gate) = kind { return gate }
        return nil
    }
}

/// An action by name with its parameters as written.
public struct ActionInvocation: Sendable, Hashable {
    public var name: String
    public var parameters: [String: TemplateValue]
    /// Where each parameter was written, for diagnostics.
    public var parameterLocations: [String: SourceLocation]

    public init(
        name: String,
        parameters: [String: TemplateValue],
        parameterLocations: [String: SourceLocation] = [:]
    ) {
        self.name = name
        self.parameters = parameters
        self.parameterLocations = parameterLocations
    }
}

/// A gate that pauses a run until enough authorised people approve it.
public struct ApprovalGate: Sendable, Hashable {
    /// IAM principal ARNs, or `group:NAME` / `role:NAME` references to groups in the config file.
    public var approvers: [String]
    public var minimumApprovals: Int
    /// After this long without quorum the gate fails closed.
    public var timeout: Duration
    public var message: Template?
    public var scope: ApprovalScope

    public init(
        approvers: [String],
        minimumApprovals: Int = 1,
        timeout: Duration,
        message: Template? = nil,
        scope: ApprovalScope = .run
    ) {
        self.approvers = approvers
        self.minimumApprovals = minimumApprovals
        self.timeout = timeout
        self.message = message
        self.scope = scope
    }
}

/// Which runs one approver's decision at a gate approves.
public enum ApprovalScope: Sendable, Hashable {
    /// The run it is made on.
    case run
    /// Also every other live run of the same playbook at the same gate that asked within `window` before the
    /// decision, and every one that reaches the gate within `window` after it: a campaign across fifty instances is
    /// one decision. Each run still applies its own rules (the initiator cannot approve it). A denial stays on its run.
    case campaign(window: Duration)

    /// The campaign's window; nil for a gate each run passes on its own.
    public var campaignWindow: Duration? {
        if case .campaign(let window) = self { return window }
        return nil
    }
}

/// What happens to the rest of the run when a step fails.
public enum FailurePolicy: String, Sendable, Hashable, CaseIterable {
    /// Stop the run; no later step runs.
    case abort
    /// Record the failure and go on with the next step.
    case `continue`
    /// Stop and reverse the run's completed reversible steps, newest first.
    case undo
}

/// How often a failing step is tried again, and how long to wait in between.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, the first included.
    public var attempts: Int
    public var initialBackoff: Duration
    public var backoffMultiplier: Double

    public init(attempts: Int, initialBackoff: Duration = .seconds(1), backoffMultiplier: Double = 2) {
        self.attempts = attempts
        self.initialBackoff = initialBackoff
        self.backoffMultiplier = backoffMultiplier
    }
}
