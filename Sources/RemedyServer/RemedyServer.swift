import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import RemedyCore
import RemedyEngine
import RemedyExecutor
import RemedyPlaybooks
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `remedy serve`: findings in over authenticated HTTP, runs out through the engine, approvals over HTTP, health
/// and metrics.
///
/// ```swift
/// let server = try RemedyServer(engine: engine, playbooks: playbooks, environment: environment)
/// try await server.run()
/// ```
///
/// The services start together and stop in reverse order on SIGTERM or SIGINT: first the listener (no new
/// requests), then the workers (calls in flight finish, runs stop at the next step and stay in the journal), then
/// the notifier.
public struct RemedyServer: Sendable {
    /// What the server needs from outside beside the engine: where secrets and certificates come from, and its log.
    public struct Environment: Sendable {
        public var secrets: SecretResolver
        public var snsWeb: any SNSWebAccess
        /// Why the journal cannot take writes now, or nil when it can: `/readyz`.
        public var journalProblem: @Sendable () async -> String?
        /// How often parked runs are checked for expired gates (and overflowed runs read back from the journal).
        public var sweepInterval: Duration
        public var logger: Logger

        public init(
            secrets: SecretResolver = SecretResolver(),
            snsWeb: any SNSWebAccess,
            journalProblem: @escaping @Sendable () async -> String? = { nil },
            sweepInterval: Duration = .seconds(15),
            logger: Logger
        ) {
            self.secrets = secrets
            self.snsWeb = snsWeb
            self.journalProblem = journalProblem
            self.sweepInterval = sweepInterval
            self.logger = logger
        }
    }

    let settings: RemedyConfiguration.Server
    let executor: RunExecutor
    let journal: any RunJournal
    let intake: FindingIntake
    let requests: RequestAuthenticator
    let sns: SNSMessageVerifier
    let runsAPI: RunsAPI
    let rateLimiter: ClientRateLimiter
    let clientAddress: ClientAddress
    let queue: RunQueue
    let backlog: RunBacklog
    let parked: ParkedRuns
    let drain = RunDrain()
    let metrics: ServerMetrics
    let workers: RunWorkers
    let notifier: RunNotifier?
    let environment: Environment
    /// The engine's wall clock.
    let wallClock: WallClock
    let workersRunning = WorkersFlag()
    let jsonLimits: JSONParser.Limits

    /// A server for `engine`'s configuration (its `server` section), driving `playbooks`' runs with an executor of
    /// `engine`.
    public init(
        engine: Engine,
        playbooks: [Playbook],
        metrics: ServerMetrics = ServerMetrics(),
        environment: Environment
    ) throws(ServerSetupError) {
        let configuration = engine.configuration
        let settings = configuration.server
        let journal = engine.journal
        let workerCount = settings.workers ?? configuration.concurrency.maximumRuns
        guard !settings.auth.isEmpty else {
            throw ServerSetupError(
                "server.auth configures no bearer token, HMAC secret or SNS topic: nobody could send findings"
            )
        }
        let secrets = environment.secrets
        let logger = environment.logger
        self.settings = settings
        self.journal = journal
        self.metrics = metrics
        self.environment = environment
        wallClock = engine.time.wallClock
        queue = RunQueue()
        backlog = RunBacklog(queue: queue, journal: journal)
        parked = ParkedRuns()

        var notices: AsyncStream<RunNotifier.Notice>.Continuation?
        let notifications = configuration.notifications
        if notifications.gateChannel != nil || notifications.outcomeChannel != nil {
            let (stream, continuation) = AsyncStream.makeStream(
                of: RunNotifier.Notice.self,
                bufferingPolicy: .bufferingNewest(10_000)
            )
            notices = continuation
            notifier = RunNotifier(
                notices: stream,
                journal: journal,
                slack: engine.slack,
                gateChannel: notifications.gateChannel,
                outcomeChannel: notifications.outcomeChannel,
                publicURL: settings.publicURL,
                logger: logger
            )
        } else {
            notifier = nil
        }
        let observer = RunObserver(metrics: metrics, logger: logger, notices: notices)
        executor = engine.executor(
            maximumConcurrentRuns: workerCount,
            observer: { observer.observe($0) },
            drain: drain
        )

        jsonLimits = JSONParser.Limits(
            maximumBytes: settings.limits.maximumBodyBytes,
            maximumDepth: settings.limits.maximumJSONDepth
        )
        intake = FindingIntake(
            decoder: FindingDecoder(limits: jsonLimits, maximumFindings: settings.limits.maximumFindingsPerRequest),
            planner: engine.planner,
            playbooks: playbooks,
            executor: executor,
            backlog: backlog,
            metrics: metrics,
            logger: logger
        )
        do throws(ConfigurationError) {
            requests = RequestAuthenticator(
                bearerTokens: try secrets.resolveAll(settings.auth.bearerTokens, for: "server.auth.bearer_tokens"),
                hmacSecrets: try secrets.resolveAll(settings.auth.hmacSecrets, for: "server.auth.hmac_secrets"),
                replayWindow: settings.auth.replayWindow,
                wallClock: wallClock
            )
        } catch {
            throw ServerSetupError(error.message)
        }
        sns = SNSMessageVerifier(allowedTopics: settings.auth.snsTopics, web: environment.snsWeb, wallClock: wallClock)
        rateLimiter = ClientRateLimiter(rate: settings.limits.requestsPerSecond, burst: settings.limits.burst)
        clientAddress = ClientAddress(
            header: settings.limits.clientAddressHeader,
            trustedProxies: settings.limits.trustedProxies
        )
        runsAPI = RunsAPI(
            executor: executor,
            journal: journal,
            approvers: ApproverAuthenticator(tokenHashes: settings.approverTokenHashes),
            queue: queue,
            parked: parked,
            bodyTimeout: settings.limits.bodyTimeout
        )
        workers = RunWorkers(
            queue: queue,
            backlog: backlog,
            executor: executor,
            drain: drain,
            parked: parked,
            concurrency: workerCount,
            metrics: metrics,
            logger: logger
        )
    }

    /// Runs until SIGTERM or SIGINT (or `signals`), then shuts down gracefully.
    ///
    /// - Parameter onListening: called with the bound port once the listener is up (port 0 picks a free one).
    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint],
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await makeServiceGroup(signals: signals, onListening: onListening).run()
    }

    /// The server's services as one group, for callers that trigger shutdown themselves (tests).
    public func makeServiceGroup(
        signals: [UnixSignal] = [.sigterm, .sigint],
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> ServiceGroup {
        let application = try makeApplication(onListening: onListening)
        var services: [any Service] = []
        if let notifier { services.append(notifier) }
        services.append(RecoveryThenWork(server: self))
        services.append(
            GateExpirySweeper(
                parked: parked,
                queue: queue,
                workers: workers,
                metrics: metrics,
                interval: environment.sweepInterval,
                wallClock: wallClock
            )
        )
        services.append(application)
        return ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: signals,
                logger: environment.logger
            )
        )
    }

    private func makeApplication(onListening: @escaping @Sendable (Int) async -> Void) throws -> some Service {
        // Every connection is closed once it goes `idleTimeout` without a complete request part: trickled headers, a
        // stalled TLS handshake (the timer runs from the first byte), an idle keep-alive. Connections are capped
        // below the descriptor limit, so a flood of them cannot starve the journal, AWS calls or `/healthz`.
        let http = HTTP1Channel.Configuration(idleTimeout: TimeAmount(settings.limits.idleTimeout))
        let softLimit = DescriptorLimit.raiseToHard()
        let connections = DescriptorLimit.connectionCap(
            configured: settings.limits.maximumConnections,
            softLimit: softLimit
        )
        environment.logger.info(
            "connection limits",
            metadata: [
                "connections.max": "\(connections)", "descriptors.soft_limit": "\(softLimit)",
                "connections.idle_timeout": "\(settings.limits.idleTimeout)",
            ]
        )
        let server: HTTPServerBuilder
        if let tls = settings.tls {
            do {
                var configuration = TLSConfiguration.makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem))
                )
                configuration.minimumTLSVersion = .tlsv12
                server = try .tls(.http1(configuration: http), tlsConfiguration: configuration)
            } catch {
                throw ServerSetupError("server.tls: cannot load the certificate or key: \(error)")
            }
        } else {
            server = .http1(configuration: http)
        }
        return Application(
            router: ServerRoutes(server: self).router(),
            server: server,
            configuration: .init(
                address: .hostname(settings.host, port: settings.port),
                serverName: "remedy",
                availableConnectionsDelegate: MaximumAvailableConnections(connections, logger: environment.logger)
            ),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: environment.logger
        )
    }
}

/// Whether the workers are taking runs: part of `/readyz`.
final class WorkersFlag: Sendable {
    private let running = Atomic<Bool>(false)

    func set(_ value: Bool) { running.store(value, ordering: .releasing) }
    var isRunning: Bool { running.load(ordering: .acquiring) }
}

/// Queues the runs an earlier process left active, then runs the workers.
///
/// Parked runs are only remembered (for the expiry sweep); runs that were executing, pending or undoing are driven
/// on: in-doubt steps are probed before anything is retried. Runs go through the backlog, so a restart after a
/// large backlog holds no more of it in memory than intake would; runs nothing has touched yet are queued without
/// reading them.
struct RecoveryThenWork: Service {
    let server: RemedyServer

    func run() async throws {
        var recovered = 0
        var leftLive = 0
        try await server.journal.forEachUnfinishedRun { run in
            switch try await disposition(of: run) {
            case .drive:
                await server.backlog.admit(run.runID, sequence: run.createdSequence)
                recovered += 1
            case .leaveToLiveProcess:
                leftLive += 1
            case .leave:
                break
            }
        }
        if !server.executor.mayDrive(.live) {
            server.environment.logger.notice(
                "started with --dry-run: no mutating call is made, and live runs are left to a live process",
                metadata: ["runs.live_left": "\(leftLive)"]
            )
        }
        if recovered > 0 {
            server.environment.logger.info("resuming runs left active", metadata: ["runs.resumed": "\(recovered)"])
        }
        server.workersRunning.set(true)
        defer { server.workersRunning.set(false) }
        try await server.workers.run()
    }

    private enum Disposition {
        case drive
        case leave
        /// A live run a dry-run server must not touch.
        case leaveToLiveProcess
    }

    /// Whether a run left unfinished is the workers' to drive now; parked runs are remembered for the sweep.
    private func disposition(of run: UnfinishedRun) async throws -> Disposition {
        // A live server drives a run nothing has touched without reading it; a dry-run one must read its mode.
        if run.isUntouched, server.executor.mayDrive(.live) { return .drive }
        let report = try await server.executor.report(runID: run.runID)
        guard report.status.isActive else { return .leave }
        guard server.executor.mayDrive(report.mode) else { return .leaveToLiveProcess }
        await server.parked.update(report)
        let due = report.status != .parked || report.waitingGate?.hasExpired(at: server.wallClock.now) == true
        return due ? .drive : .leave
    }
}

// ServiceLifecycle logs each service by its description; the default one would print every stored property,
// secrets among them. These name the service only.
extension RemedyServer: CustomStringConvertible {
    public var description: String { "RemedyServer(\(settings.host):\(settings.port))" }
}

extension RecoveryThenWork: CustomStringConvertible {
    var description: String { "RunWorkers" }
}

extension GateExpirySweeper: CustomStringConvertible {
    var description: String { "GateExpirySweeper" }
}

extension RunNotifier: CustomStringConvertible {
    var description: String { "RunNotifier" }
}
