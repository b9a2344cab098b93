/// A playbook: which findings it handles and the ordered steps that remediate them.
public struct Playbook: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var match: FindingFilter
    /// The IAM role the steps run as, usually a template over the finding's account and partition.
    public var targetRole: Template?
    public var inputs: [Input]
    public var limits: PlaybookLimits
    public var approvalPolicy: ApprovalPolicy
    public var steps: [Step]
    /// Where the playbook was read from.
    public var location: SourceLocation?

    public init(
        name: String,
        description: String? = nil,
        match: FindingFilter,
        targetRole: Template? = nil,
        inputs: [Input] = [],
        limits: PlaybookLimits = PlaybookLimits(),
        approvalPolicy: ApprovalPolicy = .none,
        steps: [Step],
        location: SourceLocation? = nil
    ) {
        self.name = name
        self.description = description
        self.match = match
        self.targetRole = targetRole
        self.inputs = inputs
        self.limits = limits
        self.approvalPolicy = approvalPolicy
        self.steps = steps
        self.location = location
    }

    /// A named value computed once from the finding, for steps to share.
    public struct Input: Sendable, Hashable {
        public var name: String
        public var value: TemplateValue
        public var location: SourceLocation?

        public init(name: String, value: TemplateValue, location: SourceLocation? = nil) {
            self.name = name
            self.value = value
            self.location = location
        }
    }

    /// Which steps must sit behind an approval gate.
    public enum ApprovalPolicy: String, Sendable, Hashable, CaseIterable {
        /// No requirement beyond the gates the playbook declares.
        case none
        /// Every disruptive action (stop, quarantine, deny-all, ...) needs an earlier approval.
        case destructive
        /// Every mutating action needs an earlier approval.
        case mutating
    }

    public func step(withID id: String) -> Step? { steps.first { $0.id == id } }
}

/// Caps on how much a playbook may do; over a cap, runs park for approval instead of executing.
public struct PlaybookLimits: Sendable, Hashable {
    public var maximumRunsPerHour: Int?
    public var maximumConcurrentRuns: Int?
    /// Who may let a run over a cap go on; empty means the approvers of the playbook's own gates.
    public var approvers: [String]
    /// How long a run over a cap waits for that approval before it fails closed: one hour by default.
    public var approvalTimeout: Duration

    public init(
        maximumRunsPerHour: Int? = nil,
        maximumConcurrentRuns: Int? = nil,
        approvers: [String] = [],
        approvalTimeout: Duration = .seconds(3600)
    ) {
        self.maximumRunsPerHour = maximumRunsPerHour
        self.maximumConcurrentRuns = maximumConcurrentRuns
        self.approvers = approvers
        self.approvalTimeout = approvalTimeout
    }

    /// Whether any cap is set.
    public var isCapped: Bool { maximumRunsPerHour != nil || maximumConcurrentRuns != nil }
}
