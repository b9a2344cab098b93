import CoreMetrics
import Metrics
import Prometheus
import RemedyAWS
import RemedyCore

/// The server's metrics, in one Prometheus registry of its own (not the process-wide metrics system), so several
/// servers in one test process count separately.
///
/// Names follow Prometheus conventions: `_total` counters, `_seconds` histograms.
public struct ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
            .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600),
        ]
        self.factory = factory
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// Sample findings (GuardDuty's pipeline tests) are counted apart, so they never read as real detections.
    func findingReceived(feed: FeedIdentity.Method, isSample: Bool) {
        Counter(
            label: "remedy_findings_received_total",
            dimensions: [("feed", feed.rawValue), ("sample", isSample ? "true" : "false")],
            factory: factory
        ).increment()
    }

    func requestRejected(_ rejection: Rejection) {
        Counter(
            label: "remedy_requests_rejected_total",
            dimensions: [("reason", rejection.reason), ("status", String(rejection.status.code))],
            factory: factory
        ).increment()
    }

    func runCreated(duplicate: Bool) {
        Counter(
            label: "remedy_runs_created_total",
            dimensions: [("outcome", duplicate ? "duplicate" : "created")],
            factory: factory
        ).increment()
    }

    func runSettled(_ status: String) {
        Counter(label: "remedy_runs_total", dimensions: [("status", status)], factory: factory).increment()
    }

    func stepFinished(action: String, outcome: String, duration: Duration) {
        Timer(
            label: "remedy_step_duration_seconds",
            dimensions: [("action", action), ("outcome", outcome)],
            factory: factory
        ).recordNanoseconds(duration.nanoseconds)
    }

    public func awsCall(_ outcome: AWSClient.AWSCallOutcome) {
        Counter(
            label: "remedy_aws_calls_total",
            dimensions: [
                ("service", outcome.service), ("operation", outcome.operation), ("error", outcome.errorCode ?? ""),
            ],
            factory: factory
        ).increment()
    }

    func approvalsPending(_ count: Int) {
        Gauge(label: "remedy_approvals_pending", factory: factory).record(count)
    }

    func queueDepth(_ count: Int) {
        Gauge(label: "remedy_run_queue_depth", factory: factory).record(count)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
