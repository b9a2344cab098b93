import RemedyCore

extension RunExecutor {
    /// Journals `run.containment_checked` for a run that joined a case.
    ///
    /// Contained only when the case's earlier run succeeded and every containment (disruptive) step it completed
    /// acted on what this run's step would act on (the same known parameters: the same instance, the same
    /// principal) and still holds, by that step's own probe with the parameters and prior state it journaled.
    /// Read-only calls; a probe that fails counts as not contained, so the run goes through its steps rather than
    /// assume.
    func checkContainment(of joinedRun: String, _ machine: inout RunStateMachine) async throws {
        let outcome: RunEvent.ContainmentChecked.Outcome =
            switch try await containment(of: joinedRun, for: machine.state.definition) {
            case .success(let steps): .contained(steps: steps)
            case .failure(let reason): .notContained(reason: reason.description)
            }
        try hold(
            .runContainmentChecked(
                .init(joinedRun: joinedRun, caseID: machine.state.definition.caseID, outcome: outcome)
            ),
            in: &machine
        )
    }

    /// Why a case's containment cannot be taken as holding.
    struct ContainmentGap: Error, CustomStringConvertible {
        var description: String
    }

    /// The containment steps of `runID` that still hold for `definition`'s run, or why its containment does not.
    private func containment(
        of runID: String,
        for definition: RunDefinition
    ) async throws -> Result<[String], ContainmentGap> {
        let records = try await journal.records(ofRun: runID)
        guard !records.isEmpty else {
            return .failure(ContainmentGap(description: "run \(runID) is not in the journal"))
        }
        let earlier = try RunState(records: records)
        guard earlier.status == .succeeded else {
            return .failure(ContainmentGap(description: "run \(runID) is \(earlier.status.rawValue)"))
        }
        var held: [String] = []
        for step in earlier.definition.steps {
            guard case .action(let name, _, _, _, _) = step.kind, catalog.action(named: name)?.isDisruptive == true
            else { continue }
            let progress = earlier.progress(ofStep: step.id)
            guard let result = progress.result else { continue }
            // A case is about one resource, but a step may act on more than it (one principal of the bucket's
            // callers): what the earlier run contained must be what this run would.
            if let differing = Self.differingParameter(progress.succeededParameters, definition.step(withID: step.id)) {
                return .failure(
                    ContainmentGap(
                        description: "\(step.id) of run \(runID) acted on another \(differing) than this finding names"
                    )
                )
            }
            let call = RunStateMachine.StepCall(
                step: step.id,
                action: name,
                parameters: progress.succeededParameters,
                attempt: progress.attempts.last?.number ?? 1,
                capturedPriorState: progress.capturedPriorState ?? result.priorState ?? .null
            )
            let probe: ProbeResult
            do throws(ActionFailure) {
                probe = try await invoker.probe(request(for: call, of: earlier.definition))
            } catch {
                return .failure(
                    ContainmentGap(description: "cannot tell whether \(step.id) still holds: \(error.code)")
                )
            }
            guard case .done = probe else {
                return .failure(ContainmentGap(description: "\(step.id) of run \(runID) no longer holds"))
            }
            held.append(step.id)
        }
        guard !held.isEmpty else {
            return .failure(ContainmentGap(description: "run \(runID) completed no containment step"))
        }
        return .success(held)
    }

    /// The first parameter `step` knows before the run that `parameters` (what an earlier run's step was called
    /// with) disagree on, or nil; parameters known only during the run come from those.
    static func differingParameter(_ parameters: [String: JSONValue], _ step: PlannedStep?) -> String? {
        guard case .action(_, let planned, _, _, _)? = step?.kind else { return nil }
        for (name, value) in planned.sorted(by: { $0.key < $1.key }) {
            if case .known(let known) = value, parameters[name] != known { return name }
        }
        return nil
    }
}
