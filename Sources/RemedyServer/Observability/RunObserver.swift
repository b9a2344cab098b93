import Logging
import RemedyCore
import RemedyExecutor
import Synchronization

/// Sees every record the executor journals: times steps for the histogram, counts settled runs, logs each record
/// with its run id, and hands gate and outcome notices to the notifier.
///
/// The executor calls it synchronously after each durable append, so it only records and enqueues.
final class RunObserver: Sendable {
    private let metrics: ServerMetrics
    private let logger: Logger
    private let notices: AsyncStream<RunNotifier.Notice>.Continuation?
    private let clock = ContinuousClock()
    /// When each step in flight started, by `runID/step`.
    private let started = Mutex<[String: (action: String, at: ContinuousClock.Instant)]>([:])

    init(metrics: ServerMetrics, logger: Logger, notices: AsyncStream<RunNotifier.Notice>.Continuation?) {
        self.metrics = metrics
        self.logger = logger
        self.notices = notices
    }

    private func settle(_ runID: String, as status: String) {
        metrics.runSettled(status)
        notices?.yield(.outcome(runID: runID))
    }

    func observe(_ record: JournalRecord) {
        guard let runID = record.runID else { return }
        // `run.created` carries the whole finding and plan, which nothing here reads: it is not decoded.
        let event = record.kind == RunEventKind.runCreated.rawValue ? nil : try? RunEvent(record)
        let step = event?.step ?? ""
        let key = "\(runID)/\(step)"
        switch event {
        case .stepStarted(let stepStarted)?:
            let now = clock.now
            started.withLock { $0[key] = (stepStarted.action, now) }
        case .stepSucceeded?, .stepFailed?:
            let outcome = record.kind == RunEventKind.stepSucceeded.rawValue ? "succeeded" : "failed"
            let now = clock.now
            if let start = started.withLock({ $0.removeValue(forKey: key) }) {
                metrics.stepFinished(action: start.action, outcome: outcome, duration: now - start.at)
            }
        case .runParked?:
            notices?.yield(.gate(runID: runID))
        case .runSucceeded?:
            settle(runID, as: "succeeded")
        case .runFailed?:
            settle(runID, as: "failed")
        // Step-level undo records name their step; only the run-level ones settle the run.
        case .undoSucceeded(let undo)? where undo.step == nil:
            settle(runID, as: "undone")
        case .undoFailed(let undo)? where undo.step == nil:
            settle(runID, as: "undo-failed")
        default:
            break
        }
        let metadata: Logger.Metadata = [
            "run.id": .string(runID), "journal.sequence": "\(record.sequence)", "run.step": .string(step),
        ]
        if record.kind.hasPrefix("run.") {
            logger.info("\(record.kind)", metadata: metadata)
        } else {
            logger.debug("\(record.kind)", metadata: metadata)
        }
    }
}
