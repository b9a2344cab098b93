/// A playbook resolved against one finding: ordered steps with every parameter known or marked as known later.
public struct Plan: Sendable, Hashable {
    public var playbook: String
    public var playbookLocation: SourceLocation?
    public var findingID: String
    public var targetRole: PlanValue?
    public var inputs: [String: PlanValue]
    public var pendingChecks: [PendingCheck]
    public var steps: [PlannedStep]

    public init(
        playbook: String,
        playbookLocation: SourceLocation? = nil,
        findingID: String,
        targetRole: PlanValue? = nil,
        inputs: [String: PlanValue] = [:],
        pendingChecks: [PendingCheck] = [],
        steps: [PlannedStep]
    ) {
        self.playbook = playbook
        self.playbookLocation = playbookLocation
        self.findingID = findingID
        self.targetRole = targetRole
        self.inputs = inputs
        self.pendingChecks = pendingChecks
        self.steps = steps
    }
}

/// A value in a plan: known now, or known only once earlier steps have run.
public enum PlanValue: Sendable, Hashable {
    case known(JSONValue)
    /// The value as written, and the path that is not known before the run.
    case deferred(template: JSONValue, waitingFor: String)
}

/// One step of a plan.
public struct PlannedStep: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case action(
            name: String,
            parameters: [String: PlanValue],
            isMutating: Bool,
            isReversible: Bool,
            permissions: [String]
        )
        case approval(approvers: [String], minimumApprovals: Int, timeout: Duration, message: PlanValue?)
    }

    public enum Disposition: Sendable, Hashable {
        /// The step will run.
        case will
        /// The step's condition depends on what earlier steps produce; it is decided during the run.
        case decidedAtRunTime(condition: String)
        /// The step's condition is false for this finding.
        case skipped(reason: String)
    }

    public var id: String
    public var kind: Kind
    public var disposition: Disposition
    /// Approval steps that must pass before this one runs.
    public var gatedBy: [String]
    public var onFailure: FailurePolicy
    /// How often a retryable failure is tried again; nil means one attempt.
    public var retry: RetryPolicy?
    /// How long one attempt may take before it is abandoned as in doubt; nil means the executor's default.
    public var timeout: Duration?

    public init(
        id: String,
        kind: Kind,
        disposition: Disposition,
        gatedBy: [String],
        onFailure: FailurePolicy,
        retry: RetryPolicy? = nil,
        timeout: Duration? = nil
    ) {
        self.id = id
        self.kind = kind
        self.disposition = disposition
        self.gatedBy = gatedBy
        self.onFailure = onFailure
        self.retry = retry
        self.timeout = timeout
    }
}

extension PlannedStep.Disposition {
    public var isSkipped: Bool {
        if case .skipped = self { return true }
        return false
    }
}
