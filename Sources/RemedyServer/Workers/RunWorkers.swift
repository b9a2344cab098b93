import Logging
import RemedyCore
import RemedyExecutor
import ServiceLifecycle

/// Drives queued runs with the engine, and shuts down gracefully.
///
/// At most `concurrency` runs are taken from the queue at once (the executor's admission further keeps one run per
/// resource), so a backlog stays a list of ids, not of waiting tasks. On graceful shutdown the drain is set first,
/// so no run starts a new call; calls in flight finish and are journaled; queued runs are left active in the
/// journal, where the next start (or `remedy resume`) finds them.
struct RunWorkers: Service {
    let queue: RunQueue
    let backlog: RunBacklog
    let executor: RunExecutor
    let drain: RunDrain
    let parked: ParkedRuns
    let concurrency: Int
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await runID in queue.runs {
                    if running >= concurrency {
                        await group.next()
                        running -= 1
                    }
                    queue.taken()
                    metrics.queueDepth(queue.depth)
                    guard !drain.isDraining else { continue }
                    await refillBacklog()
                    group.addTask { await drive(runID) }
                    running += 1
                }
            }
        } onGracefulShutdown: {
            drain.begin()
            queue.close()
        }
        logger.info("workers stopped", metadata: ["runs.queued_left": "\(queue.depth)"])
    }

    /// Moves runs that overflowed into the journal back into the queue as it drains.
    func refillBacklog() async {
        do {
            try await backlog.refill()
        } catch {
            logger.error("could not read the backlog from the journal", metadata: ["error.message": "\(error)"])
        }
    }

    private func drive(_ runID: String) async {
        var logger = logger
        logger[metadataKey: "run.id"] = .string(runID)
        do {
            let report = try await executor.resume(runID: runID)
            await parked.update(report)
            if drain.isDraining, report.status.isActive, report.status != .parked {
                logger.info(
                    "run stopped for shutdown; it resumes on the next start",
                    metadata: [
                        "run.status": .string(report.status.rawValue)
                    ]
                )
            } else {
                logger.info(
                    "run moved on",
                    metadata: [
                        "run.status": .string(report.status.rawValue), "run.playbook": .string(report.playbook),
                    ]
                )
            }
        } catch let error as RunError where error == .liveRunInDryRunProcess {
            logger.notice("live run left to a live process", metadata: ["error.message": .string(error.message)])
        } catch let error as RunError where error == .runBusy {
            logger.info("run is driven by another process", metadata: ["error.message": .string(error.message)])
        } catch {
            logger.error("run could not be driven", metadata: ["error.message": .string("\(error)")])
        }
    }
}
