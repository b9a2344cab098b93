import Foundation
import RemedyCore
import Synchronization

/// Runs plans journal-first: every fact is on disk before the executor acts on it, so any process can pick a run up
/// where a crash left it.
///
/// ```swift
/// let executor = RunExecutor(journal: journal, invoker: invoker, catalog: .standard)
/// let start = try await executor.start(plan: plan, finding: finding, initiator: caller, mode: .live)
/// ```
///
/// Before a mutating call: `step.started` with the idempotency key `runID/stepID`; after it, `step.succeeded` or
/// `step.failed`. A step started with no result is in doubt and the action's probe decides whether it happened
/// before anything is retried: no call is made twice for one step.
public struct RunExecutor: Sendable {
    /// Limits on what runs at once.
    public struct Configuration: Sendable, Hashable {
        /// Runs executing at once across all resources, parked runs not counted: 8 by default.
        public var maximumConcurrentRuns: Int
        /// How long one action call may take when its step names no `timeout`: 10 minutes by default.
        public var defaultStepTimeout: Duration
        /// How long a claim on a run lasts without renewal: 60 seconds by default.
        ///
        /// Another host waits this long before taking over a run whose process died; a process that died on this
        /// host is taken over at once.
        public var leaseDuration: Duration
        /// The most this executor may do: `.live` by default.
        ///
        /// A `.dryRun` executor (a process started with `--dry-run`) neither creates nor drives a live run, whatever
        /// the journal says: it leaves live runs to a live process.
        public var mode: ExecutionMode

        /// How long after a live run of a playbook on a resource a new finding about it joins that run's case
        /// (`cases.window`); zero starts a case for every run.
        public var caseWindow: Duration

        public init(
            maximumConcurrentRuns: Int = 8,
            defaultStepTimeout: Duration = .seconds(600),
            leaseDuration: Duration = .seconds(60),
            mode: ExecutionMode = .live,
            caseWindow: Duration = .seconds(86_400)
        ) {
            self.maximumConcurrentRuns = maximumConcurrentRuns
            self.defaultStepTimeout = defaultStepTimeout
            self.leaseDuration = leaseDuration
            self.mode = mode
            self.caseWindow = caseWindow
        }
    }

    /// What became of a request to start a run.
    public enum Start: Sendable, Hashable {
        case started(RunReport)
        /// The finding (same id and update time) already has a run: nothing was started.
        case duplicate(existingRunID: String)
    }

    let journal: any RunJournal
    let invoker: any ActionInvoker
    let catalog: ActionCatalog
    let approvers: any ApproverDirectory
    let time: TimeSource
    let makeRunID: @Sendable () -> String
    let observer: RecordObserver?
    let admission: RunAdmission
    let defaultStepTimeout: Duration
    let leaseDuration: Duration
    /// `Configuration.caseWindow`.
    let caseWindow: Duration
    /// `Configuration.mode`: a dry-run executor never touches a live run.
    public let mode: ExecutionMode
    /// Names this executor in run leases.
    let leaseHolder = LeaseHolder.thisProcess()
    /// Once set, runs stop before their next call and stay active in the journal for a later resume.
    let drain: RunDrain?
    /// The runs this executor created or left active, so taking one up again reads only the journal's news.
    let states = RunStateCache()

    /// Sees each record this executor journals, once it is on disk: for progress shown as it happens.
    public typealias RecordObserver = @Sendable (JournalRecord) -> Void

    /// A new run's id: `run-` and a time-ordered UUID, so ids sort in the order runs were created.
    @Sendable public static func newRunID() -> String { "run-\(RandomUUID.makeTimeOrdered())" }

    /// - Parameters:
    ///   - time: what retries wait on, what step timeouts and lease renewals run on, and the wall clock approvals
    ///     expire by (stored in the journal, so every process agrees).
    ///   - makeRunID: names new runs.
    ///   - observer: called with every record this executor appends, after it is durable.
    public init(
        journal: any RunJournal,
        invoker: any ActionInvoker,
        catalog: ActionCatalog,
        approvers: any ApproverDirectory = StaticApproverDirectory(),
        configuration: Configuration = Configuration(),
        time: TimeSource = .system,
        makeRunID: @escaping @Sendable () -> String = RunExecutor.newRunID,
        observer: RecordObserver? = nil,
        drain: RunDrain? = nil
    ) {
        self.drain = drain
        self.journal = journal
        self.invoker = invoker
        self.catalog = catalog
        self.approvers = approvers
        self.time = time
        self.makeRunID = makeRunID
        self.observer = observer
        admission = RunAdmission(limit: configuration.maximumConcurrentRuns)
        defaultStepTimeout = configuration.defaultStepTimeout
        leaseDuration = configuration.leaseDuration
        caseWindow = configuration.caseWindow
        self.mode = configuration.mode
    }

    /// Whether this executor may create or drive a run of `mode`: a dry-run executor only drives dry-runs.
    public func mayDrive(_ mode: ExecutionMode) -> Bool { self.mode == .live || mode == .dryRun }

    /// What became of a request to create a run.
    public enum Creation: Sendable, Hashable {
        /// The run is journaled (`run.created`, at `sequence`, is durable) and waits to be driven.
        case created(runID: String, sequence: Int64, caseID: String?)
        /// The finding (same id and update time) already has a run: nothing was created.
        case duplicate(existingRunID: String)
    }

    /// Creates a run of `plan` for `finding` and executes it until it completes or parks at a gate.
    ///
    /// A finding delivered again (same `Finding.dedupeKey`) starts no second run of the same playbook and names the
    /// existing run.
    public func start(plan: Plan, finding: Finding, initiator: String, mode: ExecutionMode) async throws -> Start {
        switch try await journalRun(of: plan, for: finding, initiator: initiator, mode: mode) {
        case .duplicate(let existing):
            return .duplicate(existingRunID: existing)
        case .created(let definition, _):
            // The resource is known from the definition: the run's records are read once, under the lease.
            let report = try await withRunReturning(definition.runID, resource: definition.resource) { machine in
                try await advance(&machine)
            }.report
            return .started(report)
        }
    }

    /// Journals a run of `plan` for `finding` without executing anything: what a webhook answers after.
    ///
    /// Any process can then drive it with `resume(runID:)`.
    public func create(plan: Plan, finding: Finding, initiator: String, mode: ExecutionMode) async throws -> Creation {
        switch try await journalRun(of: plan, for: finding, initiator: initiator, mode: mode) {
        case .duplicate(let existing): .duplicate(existingRunID: existing)
        case .created(let definition, let sequence):
            .created(runID: definition.runID, sequence: sequence, caseID: definition.caseID)
        }
    }

    private enum Journaled {
        case created(RunDefinition, sequence: Int64)
        case duplicate(String)
    }

    /// Writes `run.created` with the run's dedupe key, unless this delivery of the finding already has a run of
    /// the playbook.
    ///
    /// The journal checks the key in the transaction that would write the run, so there is no read before it.
    private func journalRun(
        of plan: Plan,
        for finding: Finding,
        initiator: String,
        mode: ExecutionMode
    ) async throws -> Journaled {
        var definition = RunDefinition(
            plan: plan,
            finding: finding,
            initiator: initiator,
            mode: mode,
            runID: makeRunID(),
            startedAt: Timestamp.format(time.now)
        )
        guard mayDrive(mode) else { throw RunError.liveRunInDryRunProcess(definition.runID) }
        if mode == .live { try await assignCase(&definition) }
        let entry = RunEvent.runCreated(definition).entry(runID: definition.runID)
        switch try await journal.createRun(entry, dedupeKey: definition.dedupeKey) {
        case .duplicate(let existing):
            return .duplicate(existing)
        case .created(let record):
            // Whoever takes the run up in this process starts from here instead of reading the finding back.
            states.keep(try RunStateMachine(records: [record], catalog: catalog))
            return .created(definition, sequence: record.sequence)
        }
    }

    /// A live run joins the case of the newest live run of its playbook on its resource within the case window.
    ///
    /// Otherwise it starts its own. Two findings arriving at the same moment may each start one: the case is a
    /// grouping and a shortcut, never what keeps a run from acting twice (dedupe and leases do that).
    private func assignCase(_ definition: inout RunDefinition) async throws {
        let window = caseWindow
        if window > .zero,
            let earlier = try await journal.latestLiveRun(
                ofPlaybook: definition.playbook,
                resource: definition.resource,
                account: definition.account,
                since: time.now.addingTimeInterval(-window.seconds)
            )
        {
            definition.caseID = earlier.caseID
            definition.joinedRun = earlier.runID
        } else {
            definition.caseID = "case-" + definition.runID.replacingOccurrences(of: "run-", with: "")
        }
    }

    /// Continues a run from its journal alone: in-doubt steps are probed, completed steps are not repeated.
    public func resume(runID: String) async throws -> RunReport {
        try await withRun(runID) { machine in try await advance(&machine) }
    }

    /// Continues every active run (after a restart); parked runs whose gate expired fail closed.
    ///
    /// Runs another live process is driving are left to it and not reported; so are live runs when this executor
    /// is a dry-run one.
    public func resumeAll() async throws -> [RunReport] {
        var active: [String] = []
        try await journal.forEachUnfinishedRun { run in
            let machine = try RunStateMachine(records: try await journal.records(ofRun: run.runID), catalog: catalog)
            guard machine.state.status.isActive, mayDrive(machine.state.definition.mode) else { return }
            active.append(run.runID)
            // Taken up below from here: only what is written meanwhile is read again.
            states.keep(machine)
        }
        return try await withThrowingTaskGroup(of: RunReport?.self) { group in
            for runID in active {
                group.addTask {
                    do {
                        return try await resume(runID: runID)
                    } catch let error as RunError where error == .runBusy {
                        return nil
                    }
                }
            }
            var reports: [RunReport] = []
            for try await report in group { report.map { reports.append($0) } }
            return reports.sorted { $0.runID < $1.runID }
        }
    }

    /// Where a run stands, from the journal.
    public func report(runID: String) async throws -> RunReport {
        let records = try await journal.records(ofRun: runID)
        guard !records.isEmpty else { throw RunError.unknownRun(runID) }
        return RunReport(try RunState(records: records))
    }
}
