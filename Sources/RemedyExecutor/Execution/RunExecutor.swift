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
    let clock: any Clock<Duration>
    /// What step timeouts are measured on.
    let deadlineClock: any Clock<Duration>
    let now: @Sendable () -> Date
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

    /// - Parameters:
    ///   - clock: waits between retries.
    ///   - deadlineClock: what step timeouts run on; `clock` when nil. A virtual clock tells the two apart: a retry's
    ///     wait is the run waiting, a timeout is a timer racing a call.
    ///   - now: the wall clock approvals expire by (stored in the journal, so every process agrees).
    ///   - makeRunID: names new runs.
    ///   - observer: called with every record this executor appends, after it is durable.
    public init(
        journal: any RunJournal,
        invoker: any ActionInvoker,
        catalog: ActionCatalog,
        approvers: any ApproverDirectory = StaticApproverDirectory(),
        configuration: Configuration = Configuration(),
        clock: any Clock<Duration> = ContinuousClock(),
        deadlineClock: (any Clock<Duration>)? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        makeRunID: @escaping @Sendable () -> String = { "run-\(RandomUUID.makeTimeOrdered())" },
        observer: RecordObserver? = nil,
        drain: RunDrain? = nil
    ) {
        self.deadlineClock = deadlineClock ?? clock
        self.drain = drain
        self.journal = journal
        self.invoker = invoker
        self.catalog = catalog
        self.approvers = approvers
        self.clock = clock
        self.now = now
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
        var definition = definition(of: plan, for: finding, initiator: initiator, mode: mode)
        guard mayDrive(mode) else { throw RunError.liveRunInDryRunProcess(definition.runID) }
        if mode == .live { try await assignCase(&definition) }
        let entry = JournalEntry(
            runID: definition.runID,
            kind: RunEventKind.runCreated.rawValue,
            payload: definition.payload
        )
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
                since: now().addingTimeInterval(-window.seconds)
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

    // MARK: Driving a run

    /// Runs `body` on the run's state machine while the run holds its resource.
    func withRun(
        _ runID: String,
        _ body: @Sendable (inout RunStateMachine) async throws -> Void
    ) async throws -> RunReport {
        try await withRunReturning(runID) { (machine: inout RunStateMachine) in try await body(&machine) }.report
    }

    /// Runs `body` on the run's state machine while the run holds its resource; returns what `body` returned.
    ///
    /// With `takesRunSlot` false the run's resource is held without a place among the runs executing at once: for
    /// work that makes no call (an approver's decision), which must not queue behind busy workers. It is still kept
    /// apart from the run's other drivers in this process, which share this executor's lease.
    func withRunReturning<Value: Sendable>(
        _ runID: String,
        resource knownResource: String? = nil,
        takesRunSlot: Bool = true,
        _ body: @Sendable (inout RunStateMachine) async throws -> Value
    ) async throws -> (value: Value, report: RunReport) {
        let left: RunStateMachine?
        if let cached = states.take(runID) {
            left = cached
        } else if knownResource == nil {
            // Read once, for the resource: under the lease only what is written meanwhile is read again.
            let records = try await journal.records(ofRun: runID)
            guard !records.isEmpty else { throw RunError.unknownRun(runID) }
            left = try RunStateMachine(records: records, catalog: catalog)
        } else {
            left = nil
        }
        guard let resource = knownResource ?? left?.state.definition.resource else {
            throw RunError.unknownRun(runID)
        }
        return try await admission.withAdmission(for: resource, withinLimit: takesRunSlot) {
            try await withLease(on: runID) { keeper in
                // Read under the lease: another process may have moved the run on before this one held it.
                var machine = try await current(runID, from: left)
                guard mayDrive(machine.state.definition.mode) else { throw RunError.liveRunInDryRunProcess(runID) }
                let value = try await body(&machine)
                // What the run held back (a step's result, its last records) is written as the lease is given up.
                let held = machine.unwritten.count
                try note(try await keeper.release(appending: machine.unwritten), heldCount: held, in: &machine)
                states.keep(machine)
                return (value, RunReport(machine.state))
            }
        }
    }

    /// The run as the journal has it: the machine left for it brought up to date, or every record read.
    private func current(_ runID: String, from left: RunStateMachine?) async throws -> RunStateMachine {
        if var machine = left,
            try machine.catchUp(with: try await journal.records(ofRun: runID, after: machine.journaled.through))
        {
            return machine
        }
        return try RunStateMachine(records: try await journal.records(ofRun: runID), catalog: catalog)
    }

    /// Moves the run on until it completes, parks or waits.
    ///
    /// Records that lead to no call (a step's result, a skip, the limits counted, an approval requested, the run
    /// parked, resumed or ended) are held and written with the run's next record, or as the lease is given up when
    /// the run stops: one disk sync per step, and one for a run's last records and its lease. Whatever is held is on
    /// disk before the next call goes out, before a wait or a probe, and before the caller hears how the run stands.
    /// When this throws (the journal failed, the lease was lost), what is held is not written: the run continues
    /// from its last durable record, a step is left in doubt as by a crash, and its probe decides.
    ///
    /// With `makingCalls` false it stops before the first call (or wait) instead: what an approver's decision does.
    func advance(_ machine: inout RunStateMachine, makingCalls: Bool = true) async throws {
        while true {
            let decision = machine.next(now: now())
            let definition = machine.state.definition
            if decision.makesCall, !makingCalls || drain?.isDraining == true {
                return  // Stopping for shutdown (or a decision): what is held is written as the lease is given up.
            }
            switch decision {
            case .none, .wait:
                return
            case .run(let call, let backoff):
                if backoff > .zero {
                    try await writeHeld(&machine)
                    try await clock.sleep(for: backoff)
                }
                try await execute(call, of: definition, machine: &machine)
            case .probe(let call):
                try await writeHeld(&machine)
                try await settle(call)
                try await probe(call, of: definition, machine: &machine)
            case .skip(let step, let reason, let verdict):
                var payload: [String: JSONValue] = ["step": .string(step), "reason": .string(reason)]
                if let verdict { payload["verdict"] = .string(verdict) }
                try hold(.stepSkipped, .object(payload), in: &machine)
            case .failBeforeCall(let step, let code, let message):
                try hold(
                    .stepFailed,
                    [
                        "step": .string(step), "code": .string(code), "message": .string(message),
                        "kind": .string(ActionFailure.Kind.permanent.rawValue),
                    ],
                    in: &machine
                )
            case .checkLimits:
                try await checkLimits(&machine)
            case .checkContainment(let joinedRun):
                try await writeHeld(&machine)
                try await checkContainment(of: joinedRun, &machine)
            case .requestApproval(let request):
                try await requestApproval(request, machine: &machine)
            case .park(let gate):
                try hold(.runParked, ["gate": .string(gate), "reason": "awaiting approval"], in: &machine)
            case .expireApproval(let gate):
                try hold(
                    .approvalExpired,
                    ["gate": .string(gate), "at": .string(Timestamp.format(now()))],
                    in: &machine
                )
            case .resume(let gate):
                try hold(.runResumed, ["gate": .string(gate)], in: &machine)
            case .succeed(let failedSteps):
                try hold(.runSucceeded, ["failedSteps": .array(failedSteps.map(JSONValue.string))], in: &machine)
            case .fail(let reason, let step, let code, let thenUndo):
                try hold(
                    .runFailed,
                    [
                        "reason": .string(reason), "step": step.map(JSONValue.string) ?? .null,
                        "code": code.map(JSONValue.string) ?? .null, "undo": .bool(thenUndo),
                    ],
                    in: &machine
                )
            case .startUndo(let reason):
                try hold(.undoStarted, ["reason": .string(reason)], in: &machine)
            case .undo(let call, let priorState):
                try await undo(call, priorState: priorState, of: definition, machine: &machine)
            case .finishUndo(let failedSteps):
                if failedSteps.isEmpty {
                    try hold(.undoSucceeded, [:], in: &machine)
                } else {
                    try hold(.undoFailed, ["failedSteps": .array(failedSteps.map(JSONValue.string))], in: &machine)
                }
            }
        }
    }

    private func execute(
        _ call: RunStateMachine.StepCall,
        of definition: RunDefinition,
        machine: inout RunStateMachine
    ) async throws {
        let request = request(for: call, of: definition)
        try await RunLeaseKeeper.current?.ensureHeld()
        try await append(
            .stepStarted,
            [
                "step": .string(call.step), "attempt": .number(Double(call.attempt)),
                "action": .string(call.action), "idempotencyKey": .string(request.idempotencyKey),
                "parameters": .object(call.parameters), "mode": .string(definition.mode.rawValue),
            ],
            to: &machine
        )
        PausePoint.reach("before-call:\(call.step)")
        let captured = CapturedRecords()
        let record = priorStateRecorder(for: call, of: definition, into: captured)
        let outcome: Result<ActionResult, ActionFailure>
        do throws(ActionFailure) {
            outcome = .success(
                try await deadline(of: call, in: definition).run { [invoker] () async throws(ActionFailure) in
                    try await invoker.execute(request, recordingPriorState: record)
                }
            )
        } catch {
            outcome = .failure(error)
        }
        // Already durable; folded in now because the machine cannot be reached from inside the call.
        for record in captured.take() { try machine.apply(record) }
        PausePoint.reach("after-call:\(call.step)")
        switch outcome {
        case .success(let result):
            var payload = Self.payload(of: result)
            payload["step"] = .string(call.step)
            payload["attempt"] = .number(Double(call.attempt))
            try hold(.stepSucceeded, .object(payload), in: &machine)
        case .failure(let failure):
            var payload = Self.payload(of: failure)
            payload["step"] = .string(call.step)
            payload["attempt"] = .number(Double(call.attempt))
            try hold(.stepFailed, .object(payload), in: &machine)
        }
        PausePoint.reach("after-step:\(call.step)")
    }

    /// Waits, before probing a call that repeats would duplicate (`ActionDescriptor.callsCanDuplicate`), until a
    /// request of it still in flight when its process died can no longer take effect: a probe that looked earlier
    /// could find nothing yet, say "not done", and a second set of snapshots would follow.
    private func settle(_ call: RunStateMachine.StepCall) async throws {
        guard catalog.action(named: call.action)?.callsCanDuplicate == true,
            let started = call.startedAt.flatMap(Timestamp.parse)
        else { return }
        let remaining = started.addingTimeInterval(invoker.settlingTime.seconds).timeIntervalSince(now())
        if remaining > 0 { try await clock.sleep(for: .seconds(remaining)) }
    }

    private func probe(
        _ call: RunStateMachine.StepCall,
        of definition: RunDefinition,
        machine: inout RunStateMachine
    ) async throws {
        var payload: [String: JSONValue]
        let request = request(for: call, of: definition)
        do throws(ActionFailure) {
            switch try await deadline(of: call, in: definition).run({ [invoker] () async throws(ActionFailure) in
                try await invoker.probe(request)
            }) {
            case .done(let result):
                payload = Self.payload(of: result)
                payload["result"] = "done"
            case .notDone:
                payload = ["result": "notDone"]
            }
        } catch {
            payload = Self.payload(of: error)
            payload["result"] = "failed"
        }
        payload["step"] = .string(call.step)
        payload["attempt"] = .number(Double(call.attempt))
        try hold(.stepProbed, .object(payload), in: &machine)
    }

    private func undo(
        _ call: RunStateMachine.StepCall,
        priorState: JSONValue,
        of definition: RunDefinition,
        machine: inout RunStateMachine
    ) async throws {
        let base: [String: JSONValue] = ["step": .string(call.step), "action": .string(call.action)]
        // A reversible action reports prior state with every change it makes (and journals it before the first);
        // a completed step without any changed nothing (the instance was in no Auto Scaling group): nothing to undo.
        guard priorState != .null else {
            try hold(.undoSucceeded, .object(base.merging(["changedNothing": true]) { a, _ in a }), in: &machine)
            return
        }
        try await RunLeaseKeeper.current?.ensureHeld()
        try await append(.undoStarted, .object(base), to: &machine)
        do throws(ActionFailure) {
            try await invoker.undo(request(for: call, of: definition), priorState: priorState)
        } catch {
            try hold(.undoFailed, .object(base.merging(Self.payload(of: error)) { a, _ in a }), in: &machine)
            return
        }
        try hold(.undoSucceeded, .object(base), in: &machine)
    }

    private func checkLimits(_ machine: inout RunStateMachine) async throws {
        let state = machine.state
        guard let limits = state.definition.limits else { return }
        let createdAt = Timestamp.parse(state.definition.startedAt) ?? now()
        let usage = try await journal.usage(
            ofPlaybook: state.definition.playbook,
            before: state.createdSequence,
            since: createdAt.addingTimeInterval(-3600)
        )
        try hold(
            .runLimitsChecked,
            [
                "runsInLastHour": .number(Double(usage.runsInLastHour)), "openRuns": .number(Double(usage.openRuns)),
                "over": limits.excess(usage).map(JSONValue.string) ?? .null,
            ],
            in: &machine
        )
    }

    private func requestApproval(
        _ request: RunStateMachine.ApprovalRequest,
        machine: inout RunStateMachine
    ) async throws {
        var principals: [String] = []
        for reference in request.approvers {
            let resolved = reference.hasPrefix("arn:") ? [reference] : try await approvers.principals(for: reference)
            for principal in resolved where !principals.contains(principal) { principals.append(principal) }
        }
        let requestedAt = now()
        let expiresAt = requestedAt.addingTimeInterval(request.timeout.seconds)
        var payload: [String: JSONValue] = [
            "gate": .string(request.gate),
            "approvers": .array(request.approvers.map(JSONValue.string)),
            "principals": .array(principals.map(JSONValue.string)),
            "minApprovals": .number(Double(request.minimumApprovals)),
            "timeoutSeconds": .number(request.timeout.seconds),
            "requestedAt": .string(Timestamp.format(requestedAt)),
            "expiresAt": .string(Timestamp.format(expiresAt)),
            "message": request.message.map(JSONValue.string) ?? .null,
        ]
        if let window = request.scope.campaignWindow { payload["campaignWindowSeconds"] = .number(window.seconds) }
        try hold(.approvalRequested, .object(payload), in: &machine)
        // A campaign approval given up to the window ago counts here too; the run parks only for what is missing.
        if let window = request.scope.campaignWindow {
            let playbook = machine.state.definition.playbook
            let since = requestedAt.addingTimeInterval(-window.seconds)
            for approval in try await journal.campaignApprovals(ofPlaybook: playbook, gate: request.gate, since: since)
            {
                _ = try take(
                    approval.payload.objectValue ?? [:],
                    madeOn: approval.runID,
                    at: request.gate,
                    in: &machine
                )
            }
        }
    }

    private func append(_ kind: RunEventKind, _ payload: JSONValue, to machine: inout RunStateMachine) async throws {
        try await append(
            [JournalEntry(runID: machine.state.definition.runID, kind: kind.rawValue, payload: payload)],
            to: &machine
        )
    }

    /// The one way a run's records are written: durably, then folded into the machine, then shown to the observer.
    ///
    /// Held records go first, in the same transaction: they were folded in when they were held.
    private func append(_ entries: [JournalEntry], to machine: inout RunStateMachine) async throws {
        let held = machine.unwritten
        try note(try await journal.append(held + entries), heldCount: held.count, in: &machine)
    }

    /// Takes in records just written, the first `heldCount` of them the machine's held ones (already folded in).
    private func note(_ records: [JournalRecord], heldCount: Int, in machine: inout RunStateMachine) throws {
        machine.unwritten = []
        for (index, record) in records.enumerated() {
            if index >= heldCount { try machine.apply(record) } else { machine.noteJournaled(record) }
            observer?(record)
        }
    }

    /// Folds a record into the machine now and leaves it to be written with the run's next record.
    ///
    /// Journal-first still holds: the next mutating call waits for its own `step.started`, which is written in the
    /// same transaction as what is held. A crash before then loses what is held: a step's result leaves the step in
    /// doubt, and its probe decides, as for a crash between the call and its result; any other held record is a
    /// decision the run makes again from its durable records.
    func hold(_ kind: RunEventKind, _ payload: JSONValue, in machine: inout RunStateMachine) throws {
        let entry = JournalEntry(runID: machine.state.definition.runID, kind: kind.rawValue, payload: payload)
        try machine.apply(
            JournalRecord(
                sequence: 0,
                recordedAt: "",
                runID: entry.runID,
                kind: entry.kind,
                payload: entry.payload,
                previousHash: "",
                hash: ""
            )
        )
        machine.unwritten.append(entry)
    }

    /// Writes what is held on its own, before the run waits or calls without a `step.started` of its own.
    func writeHeld(_ machine: inout RunStateMachine) async throws {
        guard !machine.unwritten.isEmpty else { return }
        try await append([], to: &machine)
    }

    /// Journals an action's captured prior state as `step.prior_state_captured`, remembering it for the machine.
    ///
    /// In dry-run nothing is captured: no mutating call follows.
    private func priorStateRecorder(
        for call: RunStateMachine.StepCall,
        of definition: RunDefinition,
        into captured: CapturedRecords
    ) -> PriorStateRecorder {
        { [journal, observer] (priorState: JSONValue) async throws(ActionFailure) in
            guard definition.mode == .live else { return }
            let entry = JournalEntry(
                runID: definition.runID,
                kind: RunEventKind.stepPriorStateCaptured.rawValue,
                payload: [
                    "step": .string(call.step), "attempt": .number(Double(call.attempt)), "priorState": priorState,
                ]
            )
            let records: [JournalRecord]
            do {
                records = try await journal.append([entry])
            } catch {
                // Without the prior state on disk the step must not go on to change anything.
                throw ActionFailure(
                    .permanent,
                    code: "JournalWriteFailed",
                    message: "could not journal the prior state before acting: \(error)"
                )
            }
            captured.add(records)
            for record in records { observer?(record) }
        }
    }

    private func deadline(of call: RunStateMachine.StepCall, in definition: RunDefinition) -> StepDeadline {
        StepDeadline(timeout: definition.step(withID: call.step)?.timeout ?? defaultStepTimeout, clock: deadlineClock)
    }

    func request(for call: RunStateMachine.StepCall, of definition: RunDefinition) -> ActionRequest {
        ActionRequest(
            action: call.action,
            parameters: call.parameters,
            runID: definition.runID,
            stepID: call.step,
            targetRole: definition.targetRole,
            account: definition.account,
            region: definition.region,
            mode: definition.mode,
            finding: definition.finding,
            capturedPriorState: call.capturedPriorState
        )
    }

    private static func payload(of result: ActionResult) -> [String: JSONValue] {
        [
            "outputs": .object(result.outputs),
            "requestIds": .array(result.requestIDs.map(JSONValue.string)),
            "priorState": result.priorState ?? .null,
            "verified": .bool(result.verified),
            "dryRunVerdict": result.dryRunVerdict.map(JSONValue.string) ?? .null,
        ]
    }

    private static func payload(of failure: ActionFailure) -> [String: JSONValue] {
        [
            "code": .string(failure.code),
            "message": .string(failure.message),
            "requestId": failure.requestID.map(JSONValue.string) ?? .null,
            "kind": .string(failure.kind.rawValue),
        ]
    }

    // MARK: Creating a run

    private func definition(
        of plan: Plan,
        for finding: Finding,
        initiator: String,
        mode: ExecutionMode
    ) -> RunDefinition {
        let runID = makeRunID()
        var definition = RunDefinition(
            runID: runID,
            playbook: plan.playbook,
            findingID: finding.id,
            dedupeKey: RunDefinition.dedupeKey(of: finding, playbook: plan.playbook, mode: mode, runID: runID),
            initiator: initiator,
            mode: mode,
            account: finding.account,
            region: finding.region,
            resource: finding.resources.first.map { $0.arn ?? "\(finding.account):\(finding.region):\($0.id)" }
                ?? "\(finding.account):\(finding.region):\(finding.id)",
            finding: finding.expressionValue,
            startedAt: Timestamp.format(now()),
            steps: plan.steps,
            limits: plan.limits
        )
        // Inputs and the target role known only once the run exists (they read `run.id`) are resolved now.
        var inputs: [String: JSONValue] = [:]
        var deferred: [String: JSONValue] = [:]
        for (name, value) in plan.inputs {
            switch value {
            case .known(let known): inputs[name] = known
            case .deferred(let source, _): deferred[name] = source
            }
        }
        var progress = true
        while progress, !deferred.isEmpty {
            progress = false
            let scope = ExpressionScope(finding: definition.finding, inputs: inputs, run: definition.runScope)
            for (name, source) in deferred {
                guard case .value(let value)? = try? TemplateValue(source: source).evaluate(in: scope) else { continue }
                inputs[name] = value
                deferred[name] = nil
                progress = true
            }
        }
        definition.inputs = inputs
        switch plan.targetRole {
        case .known(let role)?:
            definition.targetRole = role.stringValue
        case .deferred(let source, _)?:
            // A role that does not resolve must never fall back to the caller's own identity: the run fails first.
            let scope = ExpressionScope(finding: definition.finding, inputs: inputs, run: definition.runScope)
            do {
                guard case .value(let role) = try TemplateValue(source: source).evaluate(in: scope) else {
                    definition.targetRoleProblem = "the target role's template does not resolve to a value"
                    break
                }
                definition.targetRole = try ValueType.identifier(.roleARN).validate(role).stringValue
            } catch {
                definition.targetRoleProblem = "the target role does not resolve to a role ARN: \(error)"
            }
        case nil:
            break
        }
        return definition
    }
}

/// Records journaled from inside an action call, waiting to be folded into the run's machine after it.
private final class CapturedRecords: Sendable {
    private let records = Mutex<[JournalRecord]>([])

    func add(_ more: [JournalRecord]) { records.withLock { $0.append(contentsOf: more) } }

    func take() -> [JournalRecord] {
        records.withLock { taken in
            defer { taken = [] }
            return taken
        }
    }
}
