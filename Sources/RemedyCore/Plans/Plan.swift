/// A playbook resolved against one finding: ordered steps with every parameter known or marked as known later.
public struct Plan: Sendable, Hashable {
    public var playbook: String
    public var playbookLocation: SourceLocation?
    public var findingID: String
    public var targetRole: PlanValue?
    public var inputs: [String: PlanValue]
    public var pendingChecks: [PendingCheck]
    public var steps: [PlannedStep]
    /// The playbook's caps, checked when the run starts; nil when it has none.
    public var limits: RunLimits?

    public init(
        playbook: String,
        playbookLocation: SourceLocation? = nil,
        findingID: String,
        targetRole: PlanValue? = nil,
        inputs: [String: PlanValue] = [:],
        pendingChecks: [PendingCheck] = [],
        steps: [PlannedStep],
        limits: RunLimits? = nil
    ) {
        self.playbook = playbook
        self.playbookLocation = playbookLocation
        self.findingID = findingID
        self.targetRole = targetRole
        self.inputs = inputs
        self.pendingChecks = pendingChecks
        self.steps = steps
        self.limits = limits
    }
}

/// A playbook's caps as a run carries them: over either, the run parks for the approvers' decision.
public struct RunLimits: Sendable, Hashable {
    public var maximumRunsPerHour: Int?
    public var maximumConcurrentRuns: Int?
    /// Approver references (ARNs, `group:NAME`), resolved like a gate's.
    public var approvers: [String]
    public var timeout: Duration

    public init(maximumRunsPerHour: Int?, maximumConcurrentRuns: Int?, approvers: [String], timeout: Duration) {
        self.maximumRunsPerHour = maximumRunsPerHour
        self.maximumConcurrentRuns = maximumConcurrentRuns
        self.approvers = approvers
        self.timeout = timeout
    }

    /// The approval gate a run over a cap waits at.
    ///
    /// Its id holds a `:`, which playbook step ids cannot, so it never collides with one.
    public static let gateID = "limits:over-cap"

    /// Why `usage` is over a cap, or nil when it is within them.
    public func excess(_ usage: PlaybookUsage) -> String? {
        if let cap = maximumRunsPerHour, usage.runsInLastHour >= cap {
            return
                "\(usage.runsInLastHour) run(s) of this playbook started in the last hour; max_runs_per_hour is \(cap)"
        }
        if let cap = maximumConcurrentRuns, usage.openRuns >= cap {
            return "\(usage.openRuns) run(s) of this playbook are still open; max_concurrent_runs is \(cap)"
        }
        return nil
    }
}

/// How much a playbook is in use, counted before one run: the runs of it created earlier.
public struct PlaybookUsage: Sendable, Hashable {
    /// Live runs created in the hour before.
    public var runsInLastHour: Int
    /// Live runs created before that have not finished (parked ones included).
    public var openRuns: Int

    public init(runsInLastHour: Int, openRuns: Int) {
        self.runsInLastHour = runsInLastHour
        self.openRuns = openRuns
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
        case approval(PlannedGate)
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

/// An approval gate of a plan: who decides, how many must, for how long, about what, and for which runs.
public struct PlannedGate: Sendable, Hashable {
    /// IAM principal ARNs, or `group:NAME` / `role:NAME` references resolved when approval is requested.
    public var approvers: [String]
    public var minimumApprovals: Int
    public var timeout: Duration
    public var message: PlanValue?
    public var scope: ApprovalScope

    public init(
        approvers: [String],
        minimumApprovals: Int = 1,
        timeout: Duration,
        message: PlanValue? = nil,
        scope: ApprovalScope = .run
    ) {
        self.approvers = approvers
        self.minimumApprovals = minimumApprovals
        self.timeout = timeout
        self.message = message
        self.scope = scope
    }
}

extension PlannedStep.Disposition {
    public var isSkipped: Bool {
        if case .skipped = self { return true }
        return false
    }
}
