extension RunEvent {
    /// `run.limits_checked`: the playbook's usage when the run started, and the cap it is over, if any.
    public struct LimitsChecked: Sendable, Hashable {
        public var usage: PlaybookUsage
        /// Why the run is over a cap; nil when it is within them.
        public var over: String?

        public init(usage: PlaybookUsage, over: String?) {
            self.usage = usage
            self.over = over
        }

        var payload: JSONValue {
            [
                "runsInLastHour": .number(Double(usage.runsInLastHour)), "openRuns": .number(Double(usage.openRuns)),
                "over": over.map(JSONValue.string) ?? .null,
            ]
        }

        init(_ payload: PayloadReader) {
            usage = PlaybookUsage(
                runsInLastHour: payload.optionalInteger("runsInLastHour") ?? 0,
                openRuns: payload.optionalInteger("openRuns") ?? 0
            )
            over = payload.optionalString("over")
        }
    }

    /// `run.containment_checked`: whether the earlier containment of the case a run joined still holds.
    public struct ContainmentChecked: Sendable, Hashable {
        public enum Outcome: Sendable, Hashable {
            /// Every containment step of the joined run still holds, by its probe: the run does nothing more.
            case contained(steps: [String])
            /// It does not, or cannot be told: the run goes through its steps.
            case notContained(reason: String)
        }

        /// The case's earlier run that was checked.
        public var joinedRun: String
        public var caseID: String?
        public var outcome: Outcome

        public init(joinedRun: String, caseID: String?, outcome: Outcome) {
            self.joinedRun = joinedRun
            self.caseID = caseID
            self.outcome = outcome
        }

        var payload: JSONValue {
            var members: [String: JSONValue] = [
                "run": .string(joinedRun), "case": caseID.map(JSONValue.string) ?? .null,
            ]
            switch outcome {
            case .contained(let steps):
                members["contained"] = true
                members["steps"] = .array(steps.map(JSONValue.string))
            case .notContained(let reason):
                members["contained"] = false
                members["reason"] = .string(reason)
            }
            return .object(members)
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            joinedRun = try payload.string("run")
            caseID = payload.optionalString("case")
            outcome =
                payload.value("contained").boolValue == true
                ? .contained(steps: payload.strings("steps"))
                : .notContained(reason: payload.optionalString("reason") ?? "")
        }
    }

    /// `run.parked`: the run waits at a gate and can be resumed.
    public struct Parked: Sendable, Hashable {
        public var gate: String?
        public var reason: String

        public init(gate: String, reason: String) {
            self.gate = gate
            self.reason = reason
        }

        var payload: JSONValue { ["gate": gate.map(JSONValue.string) ?? .null, "reason": .string(reason)] }

        init(_ payload: PayloadReader) {
            gate = payload.optionalString("gate")
            reason = payload.optionalString("reason") ?? ""
        }
    }

    /// `run.resumed`: a parked run goes on past its gate.
    public struct Resumed: Sendable, Hashable {
        public var gate: String?

        public init(gate: String) { self.gate = gate }

        var payload: JSONValue { ["gate": gate.map(JSONValue.string) ?? .null] }

        init(_ payload: PayloadReader) { gate = payload.optionalString("gate") }
    }

    /// `run.succeeded`: every step settled; those that failed under `on_failure: continue` are named.
    public struct Succeeded: Sendable, Hashable {
        public var failedSteps: [String]

        public init(failedSteps: [String] = []) { self.failedSteps = failedSteps }

        var payload: JSONValue { ["failedSteps": .array(failedSteps.map(JSONValue.string))] }

        init(_ payload: PayloadReader) { failedSteps = payload.strings("failedSteps") }
    }

    /// `run.failed`: why, at which step, and whether an undo of the completed steps follows.
    public struct Failed: Sendable, Hashable {
        /// The member the journal's queries read to tell a finished failure from one an undo follows.
        public static let undoKey = "undo"

        public var reason: String?
        /// Nil for a failure of the whole run (an unresolved target role).
        public var step: String?
        public var code: String?
        /// Whether the playbook's `on_failure: undo` follows: the run is not finished until its undo is.
        public var thenUndo: Bool

        public init(reason: String, step: String?, code: String?, thenUndo: Bool) {
            self.reason = reason
            self.step = step
            self.code = code
            self.thenUndo = thenUndo
        }

        var payload: JSONValue {
            [
                "reason": reason.map(JSONValue.string) ?? .null, "step": step.map(JSONValue.string) ?? .null,
                "code": code.map(JSONValue.string) ?? .null, Self.undoKey: .bool(thenUndo),
            ]
        }

        init(_ payload: PayloadReader) {
            reason = payload.optionalString("reason")
            step = payload.optionalString("step")
            code = payload.optionalString("code")
            thenUndo = payload.value(Self.undoKey).boolValue ?? false
        }
    }

    /// `run.retried`: a responder asked a failed run to go on from its failed step.
    public struct Retried: Sendable, Hashable {
        public var step: String
        public var requestedBy: String?

        public init(step: String, requestedBy: String) {
            self.step = step
            self.requestedBy = requestedBy
        }

        var payload: JSONValue {
            ["step": .string(step), "requestedBy": requestedBy.map(JSONValue.string) ?? .null]
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            step = try payload.string("step")
            requestedBy = payload.optionalString("requestedBy")
        }
    }
}
