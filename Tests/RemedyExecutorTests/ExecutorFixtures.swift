import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Synchronization

@testable import RemedyExecutor

/// Actions the executor tests use: what matters is mutating, reversible and the parameter types.
let testCatalog = ActionCatalog([
    ActionDescriptor(
        name: "ec2.tag",
        summary: "tag",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "instance")],
        isMutating: true,
        isReversible: true
    ),
    ActionDescriptor(
        name: "ec2.snapshot_volumes",
        summary: "snapshot",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "instance")],
        outputs: [OutputSpec("snapshot_ids", .list(.identifier(.snapshotID)), summary: "snapshots")],
        isMutating: true
    ),
    ActionDescriptor(
        name: "ec2.share_snapshots",
        summary: "share",
        parameters: [
            ParameterSpec("snapshots", .list(.identifier(.snapshotID)), summary: "snapshots"),
            ParameterSpec("note", .string, required: false, summary: "note"),
        ],
        isMutating: true
    ),
    ActionDescriptor(
        name: "ec2.quarantine",
        summary: "quarantine",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "instance")],
        outputs: [OutputSpec("role_name", .string, summary: "role")],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    ),
    ActionDescriptor(
        name: "ec2.describe",
        summary: "describe",
        parameters: [ParameterSpec("instance", .identifier(.instanceID), summary: "instance")],
        isMutating: false
    ),
])

let instance = "i-0123456789abcdef0"
let initiator = "arn:aws:iam::111122223333:user/responder"
let ana = "arn:aws:iam::111122223333:user/ana"
let bob = "arn:aws:iam::111122223333:user/bob"
let cleo = "arn:aws:iam::111122223333:user/cleo"
let mallory = "arn:aws:iam::111122223333:user/mallory"

func finding(
    id: String = "finding-1",
    updatedAt: String = "2025-01-01T00:00:00Z",
    resource: String = instance
) -> Finding {
    Finding(
        id: id,
        source: .guardduty,
        types: ["Backdoor:EC2/C&CActivity.B"],
        severity: Severity(score: 80),
        account: "111122223333",
        region: "eu-west-1",
        partition: .aws,
        resources: [FindingResource(type: "AwsEc2Instance", id: resource)],
        updatedAt: updatedAt,
        raw: [:]
    )
}

func action(
    _ id: String,
    _ name: String,
    _ parameters: [String: PlanValue] = ["instance": .known(.string(instance))],
    disposition: PlannedStep.Disposition = .will,
    onFailure: FailurePolicy = .abort,
    retry: RetryPolicy? = nil,
    timeout: Duration? = nil
) -> PlannedStep {
    let descriptor = testCatalog.action(named: name)
    return PlannedStep(
        id: id,
        kind: .action(
            name: name,
            parameters: parameters,
            isMutating: descriptor?.isMutating ?? true,
            isReversible: descriptor?.isReversible ?? false,
            permissions: []
        ),
        disposition: disposition,
        gatedBy: [],
        onFailure: onFailure,
        retry: retry,
        timeout: timeout
    )
}

func gate(
    _ id: String,
    approvers: [String],
    minimumApprovals: Int = 1,
    timeout: Duration = .seconds(1800),
    message: PlanValue? = nil,
    scope: ApprovalScope = .run
) -> PlannedStep {
    PlannedStep(
        id: id,
        kind: .approval(
            PlannedGate(
                approvers: approvers,
                minimumApprovals: minimumApprovals,
                timeout: timeout,
                message: message,
                scope: scope
            )
        ),
        disposition: .will,
        gatedBy: [],
        onFailure: .abort
    )
}

/// A plan of `steps`, each gated by the approval steps before it, as the planner gates them.
func plan(_ steps: PlannedStep...) -> Plan {
    Plan(playbook: "test-playbook", findingID: "finding-1", steps: gated(steps))
}

func gated(_ steps: [PlannedStep]) -> [PlannedStep] {
    var gates: [String] = []
    return steps.map { step in
        var step = step
        step.gatedBy = gates
        if case .approval = step.kind, !step.disposition.isSkipped { gates.append(step.id) }
        return step
    }
}

/// Names runs run-1, run-2, ...
final class RunNumbers: Sendable {
    private let next = Mutex(0)

    func make() -> String {
        next.withLock {
            $0 += 1
            return "run-\($0)"
        }
    }
}

/// One journal, one scripted invoker, one clock: executors made from it share the journal like processes sharing
/// the database file.
struct Harness {
    let journal: JournalDatabase
    let invoker = ScriptedActionInvoker()
    let time = TestClock()
    let numbers = RunNumbers()

    init() throws {
        journal = try JournalDatabase(inMemory: nil)
    }

    func executor(
        journal: (any RunJournal)? = nil,
        invoker: (any ActionInvoker)? = nil,
        groups: [String: [String]] = [:],
        identities: ApproverIdentities = ApproverIdentities(),
        maximumConcurrentRuns: Int = 8,
        leaseDuration: Duration = .seconds(60),
        mode: ExecutionMode = .live,
        caseWindow: Duration = .seconds(86_400)
    ) -> RunExecutor {
        let time = time
        let numbers = numbers
        return RunExecutor(
            journal: journal ?? self.journal,
            invoker: invoker ?? self.invoker,
            catalog: testCatalog,
            approvers: StaticApproverDirectory(groups: groups, identities: identities),
            configuration: .init(
                maximumConcurrentRuns: maximumConcurrentRuns,
                leaseDuration: leaseDuration,
                mode: mode,
                caseWindow: caseWindow
            ),
            time: TimeSource(clock: ContinuousClock(), wallClock: time.wallClock),
            makeRunID: { numbers.make() }
        )
    }

    /// The run's records as `kind` or `kind step` (or `kind gate`), in order.
    func trail(_ runID: String) async throws -> [String] {
        try await journal.records(ofRun: runID).map { record in
            let subject = record.payload["step"]?.stringValue ?? record.payload["gate"]?.stringValue
            return subject.map { "\(record.kind) \($0)" } ?? record.kind
        }
    }

    func records(_ runID: String, _ kind: RunEventKind) async throws -> [JournalRecord] {
        try await journal.records(ofRun: runID).filter { $0.kind == kind.rawValue }
    }

    /// Whether another executor on this host gets the run's lease now (the test clock stands still, so a lease
    /// still held has not expired).
    func leaseIsFree(_ runID: String) async throws -> Bool {
        try await journal.claimLease(runID: runID, holder: .thisProcess(), now: time.date, duration: .seconds(60))
            == .acquired
    }
}

extension RunExecutor.Start {
    var report: RunReport? {
        if case .started(let report) = self { return report }
        return nil
    }
}

/// A journal that dies like a process: after writing a chosen record, or just before writing it.
actor CrashingJournal: WrappingJournal {
    enum Moment {
        case after
        case before
    }

    struct Crash: Error {}

    let base: any RunJournal
    private var trigger: (kind: RunEventKind, step: String, moment: Moment)?

    init(_ base: any RunJournal, crash moment: Moment, _ kind: RunEventKind, step: String) {
        self.base = base
        trigger = (kind, step, moment)
    }

    func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] {
        guard let trigger,
            entries.contains(where: {
                $0.kind == trigger.kind.rawValue && $0.payload["step"]?.stringValue == trigger.step
            })
        else { return try await base.append(entries) }
        self.trigger = nil
        if trigger.moment == .after { _ = try await base.append(entries) }
        throw Crash()
    }
}

/// What the executor did, in order: each journal transaction once it is durable (`write a + b`), each call as it
/// starts (`call step`, `probe step`).
actor EventLog {
    private(set) var events: [String] = []

    func add(_ event: String) { events.append(event) }
}

/// A journal that counts reads of a whole run and of a run's newer records.
actor ReadCountingJournal: WrappingJournal {
    let base: any RunJournal
    private(set) var counts = (whole: 0, newer: 0)

    init(base: any RunJournal) {
        self.base = base
    }

    func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] { try await base.append(entries) }

    func records(ofRun runID: String) async throws -> [JournalRecord] {
        counts.whole += 1
        return try await base.records(ofRun: runID)
    }

    func records(ofRun runID: String, after sequence: Int64) async throws -> RunRecordsSince {
        counts.newer += 1
        return try await base.records(ofRun: runID, after: sequence)
    }
}

/// A journal that notes each transaction in an `EventLog` once it is durable.
struct LoggingJournal: WrappingJournal {
    let base: any RunJournal
    let log: EventLog

    func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] {
        let records = try await base.append(entries)
        await log.add("write " + describe(entries).joined(separator: " + "))
        return records
    }

    func append(
        _ entries: [JournalEntry],
        releasingLeaseOf runID: String,
        holder: LeaseHolder
    ) async throws -> [JournalRecord] {
        let records = try await base.append(entries, releasingLeaseOf: runID, holder: holder)
        await log.add("write " + (describe(entries) + ["lease released"]).joined(separator: " + "))
        return records
    }

    private func describe(_ entries: [JournalEntry]) -> [String] {
        entries.map { entry in
            let subject = entry.payload["step"]?.stringValue ?? entry.payload["gate"]?.stringValue
            return subject.map { "\(entry.kind) \($0)" } ?? entry.kind
        }
    }
}

/// A journal whose lease renewals (every claim after the first) take `delay` to arrive, even when cancelled: a
/// renewal already on its way when the lease is given up.
actor SlowRenewalJournal: WrappingJournal {
    let base: any RunJournal
    let delay: Duration
    private(set) var claims = 0

    init(base: any RunJournal, delay: Duration) {
        self.base = base
        self.delay = delay
    }

    func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] { try await base.append(entries) }

    func claimLease(runID: String, holder: LeaseHolder, now: Date, duration: Duration) async throws -> LeaseClaim {
        claims += 1
        if claims > 1 {
            let arrival = ContinuousClock.now + delay
            while ContinuousClock.now < arrival { try? await Task.sleep(until: arrival) }
        }
        return try await base.claimLease(runID: runID, holder: holder, now: now, duration: duration)
    }
}

/// An invoker whose actions journal `priorState` before acting, as `ec2.quarantine` does, and note each call in
/// an `EventLog`; its probe finds the work done and hands back the captured state it was given.
struct CapturingInvoker: ActionInvoker {
    let log: EventLog
    let priorState: JSONValue

    func execute(
        _ request: ActionRequest,
        recordingPriorState record: @escaping PriorStateRecorder
    ) async throws(ActionFailure) -> ActionResult {
        try await record(priorState)
        await log.add("call \(request.stepID)")
        return ActionResult(priorState: priorState, verified: true)
    }

    func probe(_ request: ActionRequest) async throws(ActionFailure) -> ProbeResult {
        await log.add("probe \(request.stepID) with \(request.capturedPriorState?.jsonText() ?? "nothing")")
        return .done(ActionResult(priorState: request.capturedPriorState, verified: true))
    }

    func undo(_ request: ActionRequest, priorState: JSONValue) async throws(ActionFailure) {
        await log.add("undo \(request.stepID) to \(priorState.jsonText())")
    }
}
