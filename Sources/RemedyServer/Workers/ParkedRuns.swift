import Foundation
import Logging
import RemedyCore
import RemedyExecutor
import ServiceLifecycle

/// Runs parked at an approval gate, and when their gates expire.
///
/// The server learns of them from the reports its workers get back and from the start-up scan, so the sweep reads
/// only parked runs, never the whole journal.
actor ParkedRuns {
    private var gates: [String: GateProgress] = [:]

    func update(_ report: RunReport) {
        if report.status == .parked, let gate = report.waitingGate {
            gates[report.runID] = gate
        } else {
            gates[report.runID] = nil
        }
    }

    /// Parked runs whose gate has expired: driving them fails them closed.
    func expired(at now: Date) -> [String] {
        gates.filter { $0.value.hasExpired(at: now) }.map(\.key).sorted()
    }

    var count: Int { gates.count }
}

/// Every `interval`, hands runs whose approval gate expired to the workers, which fail them closed, and reads
/// overflowed runs back from the journal should the queue have drained without the workers noticing.
struct GateExpirySweeper: Service {
    let parked: ParkedRuns
    let queue: RunQueue
    let workers: RunWorkers
    let metrics: ServerMetrics
    let interval: Duration
    let wallClock: WallClock

    func run() async throws {
        // Cancelled on shutdown, mid-sleep: the sweep has nothing to finish.
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                for runID in await parked.expired(at: wallClock.now) { queue.enqueue(runID) }
                metrics.approvalsPending(await parked.count)
                await workers.refillBacklog()
            }
        }
    }
}
