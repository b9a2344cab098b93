import RemedyCore

/// An `ActionInvoker` that answers from a script per step and records every call, for executor tests.
///
/// ```swift
/// let invoker = ScriptedActionInvoker()
/// await invoker.script("isolate", .fail(ActionFailure(.retryable, code: "Throttling", message: "slow down")))
/// ```
/// A step with no script left succeeds with no outputs and one request id (`req-<step>-<n>`).
public actor ScriptedActionInvoker: ActionInvoker {
    /// One scripted answer to `execute`.
    public enum Answer: Sendable {
        case succeed(ActionResult)
        case fail(ActionFailure)
        /// Waits (real time) before answering: for concurrency tests.
        indirect case slow(Duration, Answer)
        /// Waits until this many `execute` calls are in flight at once (at most 10 s), then answers: overlap that
        /// does not depend on how fast a loaded machine starts the others.
        indirect case together(Int, Answer)
    }

    /// One call the executor made.
    public struct Call: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case execute
            case probe
            case undo
        }

        public var kind: Kind
        public var request: ActionRequest
        public var priorState: JSONValue?

        public var stepID: String { request.stepID }
    }

    public private(set) var calls: [Call] = []
    /// Most `execute` calls in flight at once, overall.
    public private(set) var maximumInFlight = 0
    private var inFlight = 0
    private var answers: [String: [Answer]] = [:]
    private var probes: [String: [Result<ProbeResult, ActionFailure>]] = [:]
    private var undoFailures: [String: ActionFailure] = [:]

    public init() {}

    /// Queues answers for the step's next `execute` calls, in order.
    public func script(_ stepID: String, _ answers: Answer...) {
        self.answers[stepID, default: []].append(contentsOf: answers)
    }

    /// Queues what the step's next probe says.
    public func scriptProbe(_ stepID: String, _ result: ProbeResult) {
        probes[stepID, default: []].append(.success(result))
    }

    public func scriptProbeFailure(_ stepID: String, _ failure: ActionFailure) {
        probes[stepID, default: []].append(.failure(failure))
    }

    /// Makes every undo of the step fail.
    public func scriptUndoFailure(_ stepID: String, _ failure: ActionFailure) {
        undoFailures[stepID] = failure
    }

    public func calls(_ kind: Call.Kind) -> [Call] { calls.filter { $0.kind == kind } }

    /// Step ids of the calls of `kind`, in order.
    public func steps(_ kind: Call.Kind) -> [String] { calls(kind).map(\.stepID) }

    public func execute(
        _ request: ActionRequest,
        recordingPriorState _: @escaping PriorStateRecorder
    ) async throws(ActionFailure) -> ActionResult {
        calls.append(Call(kind: .execute, request: request))
        let number = calls(.execute).filter { $0.stepID == request.stepID }.count
        var answer: Answer = .succeed(ActionResult(requestIDs: ["req-\(request.stepID)-\(number)"], verified: true))
        if var queue = answers[request.stepID], !queue.isEmpty {
            answer = queue.removeFirst()
            answers[request.stepID] = queue
        }
        inFlight += 1
        maximumInFlight = max(maximumInFlight, inFlight)
        defer { inFlight -= 1 }
        return try await perform(answer)
    }

    private func perform(_ answer: Answer) async throws(ActionFailure) -> ActionResult {
        switch answer {
        case .succeed(let result):
            return result
        case .fail(let failure):
            throw failure
        case .slow(let duration, let then):
            try? await Task.sleep(for: duration)
            return try await perform(then)
        case .together(let count, let then):
            let deadline = ContinuousClock.now + .seconds(10)
            // Once that many were in flight together, every waiter goes on (the first to leave lowers the count).
            while maximumInFlight < count, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
            return try await perform(then)
        }
    }

    public func probe(_ request: ActionRequest) async throws(ActionFailure) -> ProbeResult {
        calls.append(Call(kind: .probe, request: request))
        guard var queue = probes[request.stepID], !queue.isEmpty else { return .notDone }
        let result = queue.removeFirst()
        probes[request.stepID] = queue
        return try result.get()
    }

    public func undo(_ request: ActionRequest, priorState: JSONValue) async throws(ActionFailure) {
        calls.append(Call(kind: .undo, request: request, priorState: priorState))
        if let failure = undoFailures[request.stepID] { throw failure }
    }
}
