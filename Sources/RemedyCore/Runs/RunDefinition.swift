import Foundation

/// What a run is, as journaled in `run.created`: another process resumes the run from this alone.
public struct RunDefinition: Sendable, Hashable {
    public var runID: String
    public var playbook: String
    public var findingID: String
    /// `dedupeKey(of:playbook:mode:runID:)`: a finding delivered again starts no second live run of the same
    /// playbook.
    public var dedupeKey: String
    /// The principal (or channel) that started the run; it cannot approve it.
    public var initiator: String
    public var mode: ExecutionMode
    public var account: String
    public var region: String
    /// The resource runs are serialised on: the finding's first resource.
    public var resource: String
    public var targetRole: String?
    /// Why the playbook's target role could not be resolved when the run was created: the run then fails before
    /// any call rather than act as the caller's own identity.
    public var targetRoleProblem: String?
    /// The finding as expressions read it (`Finding.expressionValue`).
    public var finding: JSONValue
    /// Playbook inputs, resolved when the run was created.
    public var inputs: [String: JSONValue]
    /// When the run was created (ISO 8601), readable as `run.started_at`.
    public var startedAt: String
    public var steps: [PlannedStep]
    /// The playbook's caps, checked once the run exists.
    public var limits: RunLimits?
    /// The case the run belongs to: recurring findings about one resource for one playbook are one case.
    public var caseID: String?
    /// The earlier run of the case this run joined: its containment is checked before this run does anything.
    public var joinedRun: String?

    public init(
        runID: String,
        playbook: String,
        findingID: String,
        dedupeKey: String,
        initiator: String,
        mode: ExecutionMode,
        account: String,
        region: String,
        resource: String,
        targetRole: String? = nil,
        targetRoleProblem: String? = nil,
        finding: JSONValue,
        inputs: [String: JSONValue] = [:],
        startedAt: String,
        steps: [PlannedStep],
        limits: RunLimits? = nil,
        caseID: String? = nil,
        joinedRun: String? = nil
    ) {
        self.runID = runID
        self.playbook = playbook
        self.findingID = findingID
        self.dedupeKey = dedupeKey
        self.initiator = initiator
        self.mode = mode
        self.account = account
        self.region = region
        self.resource = resource
        self.targetRole = targetRole
        self.targetRoleProblem = targetRoleProblem
        self.finding = finding
        self.inputs = inputs
        self.startedAt = startedAt
        self.steps = steps
        self.limits = limits
        self.caseID = caseID
        self.joinedRun = joinedRun
    }

    public func step(withID id: String) -> PlannedStep? { steps.first { $0.id == id } }

    /// `startedAt` as a date (nil if it does not parse).
    public var startedAtDate: Date? { Timestamp.parse(startedAt) }

    /// Whether the run is of a sample finding (`Finding.isSample`, journaled with the finding): a live run of one
    /// fails before any call.
    public var isSample: Bool { finding["sample"]?.boolValue == true }
}

extension RunDefinition {
    /// One delivery of a finding (`Finding.dedupeKey`) for one playbook: a finding two playbooks match gets a run
    /// of each, and a redelivery gets neither again.
    ///
    /// Only live runs dedupe. A dry-run's key is its own (it carries the run id), so a rehearsal never stands in for
    /// the live run that follows it, and rehearsing again runs again against the account as it is now.
    public static func dedupeKey(of finding: Finding, playbook: String, mode: ExecutionMode, runID: String) -> String {
        let key = finding.dedupeKey + "|" + playbook
        return switch mode {
        case .live: key
        case .dryRun: key + "|dry-run|" + runID
        }
    }
}
