extension RunEvent {
    /// `step.started`: journaled before the step's call, with exactly what the call, a probe and an undo use.
    public struct StepStarted: Sendable, Hashable {
        public var step: String
        public var attempt: Int
        public var action: String
        public var idempotencyKey: String
        public var parameters: [String: JSONValue]
        public var mode: ExecutionMode

        public init(
            step: String,
            attempt: Int,
            action: String,
            idempotencyKey: String,
            parameters: [String: JSONValue],
            mode: ExecutionMode
        ) {
            self.step = step
            self.attempt = attempt
            self.action = action
            self.idempotencyKey = idempotencyKey
            self.parameters = parameters
            self.mode = mode
        }

        var payload: JSONValue {
            [
                "step": .string(step), "attempt": .number(Double(attempt)), "action": .string(action),
                "idempotencyKey": .string(idempotencyKey), "parameters": .object(parameters),
                "mode": .string(mode.rawValue),
            ]
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            step = try payload.string("step")
            attempt = try payload.integer("attempt")
            action = payload.optionalString("action") ?? ""
            idempotencyKey = payload.optionalString("idempotencyKey") ?? ""
            parameters = payload.value("parameters").objectValue ?? [:]
            mode = ExecutionMode(rawValue: payload.optionalString("mode") ?? "") ?? .live
        }
    }

    /// `step.succeeded`: the call's result.
    public struct StepSucceeded: Sendable, Hashable {
        public var step: String
        public var attempt: Int
        public var result: ActionResult

        public init(step: String, attempt: Int, result: ActionResult) {
            self.step = step
            self.attempt = attempt
            self.result = result
        }

        var payload: JSONValue { .object(result.payloadMembers.merging(stepMembers(step, attempt)) { $1 }) }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            step = try payload.string("step")
            attempt = try payload.integer("attempt")
            result = ActionResult(payload)
        }
    }

    /// `step.failed`: a call's failure, or (without an attempt) a failure before any call.
    public struct StepFailed: Sendable, Hashable {
        public var step: String
        /// Nil when the step failed before any call: a parameter failed validation, or its condition could not be
        /// evaluated.
        public var attempt: Int?
        public var failure: ActionFailure

        public init(step: String, attempt: Int?, failure: ActionFailure) {
            self.step = step
            self.attempt = attempt
            self.failure = failure
        }

        var payload: JSONValue {
            var members = failure.payloadMembers
            members["step"] = .string(step)
            if let attempt { members["attempt"] = .number(Double(attempt)) }
            return .object(members)
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            step = try payload.string("step")
            attempt = payload.optionalInteger("attempt")
            failure = try ActionFailure(payload)
        }
    }

    /// `step.skipped`: its condition was false, or a dry-run passed a gate (with what it would have done).
    public struct StepSkipped: Sendable, Hashable {
        public var step: String
        public var reason: String
        public var verdict: String?

        public init(step: String, reason: String, verdict: String? = nil) {
            self.step = step
            self.reason = reason
            self.verdict = verdict
        }

        var payload: JSONValue {
            var members: [String: JSONValue] = ["step": .string(step), "reason": .string(reason)]
            if let verdict { members["verdict"] = .string(verdict) }
            return .object(members)
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            step = try payload.string("step")
            reason = try payload.string("reason")
            verdict = payload.optionalString("verdict")
        }
    }

    /// `step.prior_state_captured`: what an action read before its first mutating call, for undo after a crash.
    public struct PriorStateCaptured: Sendable, Hashable {
        public var step: String
        public var attempt: Int
        public var priorState: JSONValue

        public init(step: String, attempt: Int, priorState: JSONValue) {
            self.step = step
            self.attempt = attempt
            self.priorState = priorState
        }

        var payload: JSONValue {
            ["step": .string(step), "attempt": .number(Double(attempt)), "priorState": priorState]
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            step = try payload.string("step")
            attempt = try payload.integer("attempt")
            priorState = payload.value("priorState")
        }
    }

    /// `step.probed`: whether a call a crash left in doubt had happened.
    public struct StepProbed: Sendable, Hashable {
        public enum Outcome: Sendable, Hashable {
            case done(ActionResult)
            case notDone
            /// The probe itself failed: whether the step happened is still unknown.
            case failed(ActionFailure)

            public var isDone: Bool { if case .done = self { true } else { false } }
        }

        public var step: String
        public var attempt: Int
        public var outcome: Outcome

        public init(step: String, attempt: Int, outcome: Outcome) {
            self.step = step
            self.attempt = attempt
            self.outcome = outcome
        }

        var payload: JSONValue {
            let members: [String: JSONValue] =
                switch outcome {
                case .done(let result): result.payloadMembers.merging(["result": "done"]) { $1 }
                case .notDone: ["result": "notDone"]
                case .failed(let failure): failure.payloadMembers.merging(["result": "failed"]) { $1 }
                }
            return .object(members.merging(stepMembers(step, attempt)) { $1 })
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            step = try payload.string("step")
            attempt = try payload.integer("attempt")
            outcome =
                switch try payload.string("result") {
                case "done": .done(ActionResult(payload))
                case "notDone": .notDone
                default: .failed(try ActionFailure(payload))
                }
        }
    }

    /// `undo.started`, `undo.succeeded` or `undo.failed`: of one step (with `step`), or of the whole run.
    public struct Undo: Sendable, Hashable {
        /// Nil for the run's own undo records, which open and close an undo of every step.
        public var step: String?
        public var action: String?
        /// Why the undo started (run level).
        public var reason: String?
        /// Who asked for it (`remedy undo`).
        public var requestedBy: String?
        /// A step's undo that failed.
        public var failure: ActionFailure?
        /// A step whose action reported no prior state: it had changed nothing, so there was nothing to reverse.
        public var changedNothing: Bool
        /// The steps whose undo failed (run level).
        public var failedSteps: [String]

        public init(
            step: String? = nil,
            action: String? = nil,
            reason: String? = nil,
            requestedBy: String? = nil,
            failure: ActionFailure? = nil,
            changedNothing: Bool = false,
            failedSteps: [String] = []
        ) {
            self.step = step
            self.action = action
            self.reason = reason
            self.requestedBy = requestedBy
            self.failure = failure
            self.changedNothing = changedNothing
            self.failedSteps = failedSteps
        }

        /// The member whose absence (not null: `json_type(payload, '$.step') IS NULL`) marks a run-level record.
        public static let stepKey = "step"

        var payload: JSONValue {
            var members = failure?.payloadMembers ?? [:]
            if let step { members[Self.stepKey] = .string(step) }
            if let action { members["action"] = .string(action) }
            if let reason { members["reason"] = .string(reason) }
            if let requestedBy { members["requestedBy"] = .string(requestedBy) }
            if changedNothing { members["changedNothing"] = true }
            if !failedSteps.isEmpty { members["failedSteps"] = .array(failedSteps.map(JSONValue.string)) }
            return .object(members)
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            step = payload.optionalString(Self.stepKey)
            action = payload.optionalString("action")
            reason = payload.optionalString("reason")
            requestedBy = payload.optionalString("requestedBy")
            failure = payload.value("code").isNull ? nil : try ActionFailure(payload)
            changedNothing = payload.value("changedNothing").boolValue ?? false
            failedSteps = payload.strings("failedSteps")
        }
    }
}

private func stepMembers(_ step: String, _ attempt: Int) -> [String: JSONValue] {
    ["step": .string(step), "attempt": .number(Double(attempt))]
}

extension ActionResult {
    var payloadMembers: [String: JSONValue] {
        [
            "outputs": .object(outputs),
            "requestIds": .array(requestIDs.map(JSONValue.string)),
            "priorState": priorState ?? .null,
            "verified": .bool(verified),
            "dryRunVerdict": dryRunVerdict.map(JSONValue.string) ?? .null,
        ]
    }

    init(_ payload: PayloadReader) {
        let priorState = payload.value("priorState")
        self.init(
            outputs: payload.value("outputs").objectValue ?? [:],
            priorState: priorState.isNull ? nil : priorState,
            requestIDs: payload.strings("requestIds"),
            verified: payload.value("verified").boolValue ?? false,
            dryRunVerdict: payload.optionalString("dryRunVerdict")
        )
    }
}

extension ActionFailure {
    var payloadMembers: [String: JSONValue] {
        [
            "code": .string(code),
            "message": .string(message),
            "requestId": requestID.map(JSONValue.string) ?? .null,
            "kind": .string(kind.rawValue),
        ]
    }

    /// A failure as journaled; a kind this version does not know is taken as permanent (never retried).
    init(_ payload: PayloadReader) throws(UnreadableEvent) {
        self.init(
            Kind(rawValue: payload.optionalString("kind") ?? "") ?? .permanent,
            code: try payload.string("code"),
            message: payload.optionalString("message") ?? "",
            requestID: payload.optionalString("requestId")
        )
    }
}
