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

    private static let settledStatus = [
        RunEventKind.runSucceeded.rawValue: "succeeded", RunEventKind.runFailed.rawValue: "failed",
        RunEventKind.undoSucceeded.rawValue: "undone", RunEventKind.undoFailed.rawValue: "undo-failed",
    ]

    private func settle(_ runID: String, _ kind: String) {
        guard let status = Self.settledStatus[kind] else { return }
        metrics.runSettled(status)
        notices?.yield(.outcome(runID: runID))
    }

    func observe(_ record: JournalRecord) {
        guard let runID = record.runID else { return }
        let step = record.payload["step"]?.stringValue ?? ""
        let key = "\(runID)/\(step)"
        switch RunEventKind(rawValue: record.kind) {
        case .stepStarted?:
            let action = record.payload["action"]?.stringValue ?? ""
            let now = clock.now
            started.withLock { $0[key] = (action, now) }
        case .stepSucceeded?, .stepFailed?:
            let outcome = record.kind == RunEventKind.stepSucceeded.rawValue ? "succeeded" : "failed"
            let now = clock.now
            if let start = started.withLock({ $0.removeValue(forKey: key) }) {
                metrics.stepFinished(action: start.action, outcome: outcome, duration: now - start.at)
            }
        case .runParked?:
            notices?.yield(.gate(runID: runID))
        case .runSucceeded?, .runFailed?:
            settle(runID, record.kind)
        case .undoSucceeded?, .undoFailed?:
            // Step-level undo records carry `step`; only the run-level ones settle the run.
            if record.payload["step"] == nil { settle(runID, record.kind) }
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
