import Foundation
import RemedyCore
import Synchronization

/// Driving a run: each step's call journaled first, probes for calls left in doubt, approvals, limits, undo; one
/// process at a time, under the run's lease.
extension RunExecutor {
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
    func current(_ runID: String, from left: RunStateMachine?) async throws -> RunStateMachine {
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
            let decision = machine.next(now: time.now)
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
                    try await time.clock.sleep(for: backoff)
                }
                try await execute(call, of: definition, machine: &machine)
            case .probe(let call):
                try await writeHeld(&machine)
                try await settle(call)
                try await probe(call, of: definition, machine: &machine)
            case .skip(let step, let reason, let verdict):
                try hold(.stepSkipped(.init(step: step, reason: reason, verdict: verdict)), in: &machine)
            case .failBeforeCall(let step, let code, let message):
                try hold(
                    .stepFailed(
                        .init(
                            step: step,
                            attempt: nil,
                            failure: ActionFailure(.permanent, code: code, message: message)
                        )
                    ),
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
                try hold(.runParked(.init(gate: gate, reason: "awaiting approval")), in: &machine)
            case .expireApproval(let gate):
                try hold(.approvalExpired(.init(gate: gate, at: Timestamp.format(time.now))), in: &machine)
            case .resume(let gate):
                try hold(.runResumed(.init(gate: gate)), in: &machine)
            case .succeed(let failedSteps):
                try hold(.runSucceeded(.init(failedSteps: failedSteps)), in: &machine)
            case .fail(let reason, let step, let code, let thenUndo):
                try hold(.runFailed(.init(reason: reason, step: step, code: code, thenUndo: thenUndo)), in: &machine)
            case .startUndo(let reason):
                try hold(.undoStarted(.init(reason: reason)), in: &machine)
            case .undo(let call, let priorState):
                try await undo(call, priorState: priorState, of: definition, machine: &machine)
            case .finishUndo(let failedSteps):
                let undo = RunEvent.Undo(failedSteps: failedSteps)
                try hold(failedSteps.isEmpty ? .undoSucceeded(undo) : .undoFailed(undo), in: &machine)
            }
        }
    }

    func execute(
        _ call: RunStateMachine.StepCall,
        of definition: RunDefinition,
        machine: inout RunStateMachine
    ) async throws {
        let request = request(for: call, of: definition)
        try await RunLeaseKeeper.current?.ensureHeld()
        try await append(
            .stepStarted(
                .init(
                    step: call.step,
                    attempt: call.attempt,
                    action: call.action,
                    idempotencyKey: request.idempotencyKey,
                    parameters: call.parameters,
                    mode: definition.mode
                )
            ),
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
            try hold(.stepSucceeded(.init(step: call.step, attempt: call.attempt, result: result)), in: &machine)
        case .failure(let failure):
            try hold(.stepFailed(.init(step: call.step, attempt: call.attempt, failure: failure)), in: &machine)
        }
        PausePoint.reach("after-step:\(call.step)")
    }

    /// Waits, before probing a call that repeats would duplicate (`ActionDescriptor.callsCanDuplicate`), until a
    /// request of it still in flight when its process died can no longer take effect: a probe that looked earlier
    /// could find nothing yet, say "not done", and a second set of snapshots would follow.
    func settle(_ call: RunStateMachine.StepCall) async throws {
        guard catalog.action(named: call.action)?.callsCanDuplicate == true,
            let started = call.startedAt.flatMap(Timestamp.parse)
        else { return }
        let remaining = started.addingTimeInterval(invoker.settlingTime.seconds).timeIntervalSince(time.now)
        if remaining > 0 { try await time.clock.sleep(for: .seconds(remaining)) }
    }

    func probe(
        _ call: RunStateMachine.StepCall,
        of definition: RunDefinition,
        machine: inout RunStateMachine
    ) async throws {
        let outcome: RunEvent.StepProbed.Outcome
        let request = request(for: call, of: definition)
        do throws(ActionFailure) {
            switch try await deadline(of: call, in: definition).run({ [invoker] () async throws(ActionFailure) in
                try await invoker.probe(request)
            }) {
            case .done(let result): outcome = .done(result)
            case .notDone: outcome = .notDone
            }
        } catch {
            outcome = .failed(error)
        }
        try hold(.stepProbed(.init(step: call.step, attempt: call.attempt, outcome: outcome)), in: &machine)
    }

    func undo(
        _ call: RunStateMachine.StepCall,
        priorState: JSONValue,
        of definition: RunDefinition,
        machine: inout RunStateMachine
    ) async throws {
        var undo = RunEvent.Undo(step: call.step, action: call.action)
        // A reversible action reports prior state with every change it makes (and journals it before the first);
        // a completed step without any changed nothing (the instance was in no Auto Scaling group): nothing to undo.
        guard priorState != .null else {
            undo.changedNothing = true
            try hold(.undoSucceeded(undo), in: &machine)
            return
        }
        try await RunLeaseKeeper.current?.ensureHeld()
        try await append(.undoStarted(undo), to: &machine)
        do throws(ActionFailure) {
            try await invoker.undo(request(for: call, of: definition), priorState: priorState)
        } catch {
            undo.failure = error
            try hold(.undoFailed(undo), in: &machine)
            return
        }
        try hold(.undoSucceeded(undo), in: &machine)
    }

    func checkLimits(_ machine: inout RunStateMachine) async throws {
        let state = machine.state
        guard let limits = state.definition.limits else { return }
        let createdAt = Timestamp.parse(state.definition.startedAt) ?? time.now
        let usage = try await journal.usage(
            ofPlaybook: state.definition.playbook,
            before: state.createdSequence,
            since: createdAt.addingTimeInterval(-3600)
        )
        try hold(.runLimitsChecked(.init(usage: usage, over: limits.excess(usage))), in: &machine)
    }

    func requestApproval(
        _ request: RunStateMachine.ApprovalRequest,
        machine: inout RunStateMachine
    ) async throws {
        var principals: [String] = []
        for reference in request.approvers {
            let resolved = reference.hasPrefix("arn:") ? [reference] : try await approvers.principals(for: reference)
            for principal in resolved where !principals.contains(principal) { principals.append(principal) }
        }
        let requestedAt = time.now
        let expiresAt = requestedAt.addingTimeInterval(request.timeout.seconds)
        let requested = RunEvent.ApprovalRequested(
            gate: request.gate,
            approvers: request.approvers,
            principals: principals,
            minimumApprovals: request.minimumApprovals,
            timeout: request.timeout,
            requestedAt: Timestamp.format(requestedAt),
            expiresAt: Timestamp.format(expiresAt),
            message: request.message,
            campaignWindow: request.scope.campaignWindow
        )
        try hold(.approvalRequested(requested), in: &machine)
        // A campaign approval given up to the window ago counts here too; the run parks only for what is missing.
        if let window = request.scope.campaignWindow {
            let playbook = machine.state.definition.playbook
            let since = requestedAt.addingTimeInterval(-window.seconds)
            for approval in try await journal.campaignApprovals(ofPlaybook: playbook, gate: request.gate, since: since)
            {
                _ = try take(approval.decision, madeOn: approval.runID, at: request.gate, in: &machine)
            }
        }
    }

    func deadline(of call: RunStateMachine.StepCall, in definition: RunDefinition) -> StepDeadline {
        StepDeadline(
            timeout: definition.step(withID: call.step)?.timeout ?? defaultStepTimeout,
            clock: time.deadlineClock
        )
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
}
