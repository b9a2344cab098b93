import ArgumentParser
import Foundation
import Logging
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyExecutor
import RemedyServer

extension RemedyCommand {
    /// `remedy serve`: the webhook intake, workers, approvals API, health and metrics.
    struct ServeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Accept findings over authenticated HTTP and remediate them; approvals over HTTP.",
            discussion: """
                Reads the server section of the configuration (listen address, TLS, feed authentication, approver \
                tokens, limits) and notifications. Findings are answered 202 once their runs are journaled; workers \
                drive the runs. SIGTERM or SIGINT stops intake, lets calls in flight finish and leaves the other runs \
                in the journal, where the next start resumes them. Logs are JSON lines on standard error.
                Exit status: 0 after a graceful shutdown; 1 the configuration or journal could not be used.
                """
        )

        @OptionGroup(title: "Engine")
        var engineOptions: EngineOptions

        @Option(name: .long, help: "Directory of playbooks (default: the configuration's playbooks).")
        var playbooks: String?

        @Option(name: .long, help: "Listen on HOST:PORT instead of the configuration's server.listen (port 0: any).")
        var listen: String?

        @Flag(name: .long, help: "Runs make read-only calls only; mutating calls are checked for permission.")
        var dryRun = false

        @Option(name: .long, help: "Lowest log level: trace, debug, info, notice, warning, error or critical.")
        var logLevel = "info"

        func validate() throws {
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
            }
        }

        func run() async throws {
            var configuration = try engineOptions.journalOptions.loadConfiguration()
            if let listen {
                guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...])
                else {
                    throw ValidationError("--listen must be HOST:PORT")
                }
                configuration.server.host = String(listen[..<colon])
                configuration.server.port = port
            }
            let level = Logger.Level(rawValue: logLevel) ?? .info
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "remedy.serve")
            let library = try PlaybookOptions.loadLibrary(at: playbooks ?? configuration.playbooks)
            let journal = try engineOptions.journalOptions.openJournal(configuration)
            let secrets = SecretResolver()
            let slack: SlackWebhooks
            do {
                slack = SlackWebhooks(
                    channels: try secrets.resolveAll(
                        configuration.notifications.slackChannels,
                        for: "notifications.slack.channels"
                    ).mapValues { String(decoding: $0, as: UTF8.self) }
                )
            } catch {
                Terminal.standardError.write("error: \(error.message)")
                throw ExitCode.failure
            }
            let invalid = slack.channelsWithInvalidURLs
            guard invalid.isEmpty else {
                Terminal.standardError.write(
                    "error: notifications.slack.channels: the webhook of \(invalid.joined(separator: ", ")) is not an "
                        + "https://hooks.slack.com/ URL; remedy would refuse to post to it"
                )
                throw ExitCode.failure
            }
            let metrics = ServerMetrics()
            let (context, caller) = try await engineOptions.awsContext(
                configuration,
                dryRun: dryRun,
                callObserver: { metrics.awsCall($0) }
            )
            logger.info("acting as \(caller)", metadata: ["playbooks": "\(library.playbooks.count)"])

            let environment = RemedyServer.Environment(
                secrets: secrets,
                snsWeb: TransportSNSWebAccess(),
                slack: slack,
                journalProblem: { await journal.writeProblem() },
                logger: logger
            )
            let workers = configuration.server.workers ?? configuration.concurrency.maximumRuns
            let approvers = StaticApproverDirectory(configuration.approvers)
            let caseWindow = configuration.cases.window
            let server: RemedyServer
            do {
                server = try RemedyServer(
                    configuration: configuration,
                    playbooks: library.playbooks,
                    journal: journal,
                    metrics: metrics,
                    environment: environment
                ) { observer, drain in
                    RunExecutor(
                        journal: journal,
                        invoker: CatalogInvoker(context: context, slack: slack, journal: journal),
                        catalog: .standard,
                        approvers: approvers,
                        configuration: .init(
                            maximumConcurrentRuns: workers,
                            mode: dryRun ? .dryRun : .live,
                            caseWindow: caseWindow
                        ),
                        observer: observer,
                        drain: drain
                    )
                }
            } catch {
                Terminal.standardError.write("error: \(error)")
                throw ExitCode.failure
            }
            let scheme = configuration.server.tls == nil ? "http" : "https"
            let host = configuration.server.host
            try await server.run { port in
                Terminal.standardOutput.write("remedy serve listening on \(scheme)://\(host):\(port)")
            }
            if configuration.journal.signingKey != nil {
                do {
                    try journal.checkpoint()
                } catch {
                    logger.error(
                        "could not sign the journal's tail; the next start signs it",
                        metadata: ["error": "\(error)"]
                    )
                }
            }
            logger.info("stopped")
        }
    }
}
