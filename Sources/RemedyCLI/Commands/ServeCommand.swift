import ArgumentParser
import Foundation
import Logging
import RemedyCore
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
            let metrics = ServerMetrics()
            let acting = try await engineOptions.engine(
                configuration: configuration,
                dryRun: dryRun,
                callObserver: { metrics.awsCall($0) }
            )
            let journal = acting.journal
            logger.info("acting as \(acting.caller)", metadata: ["playbooks.loaded": "\(library.playbooks.count)"])
            let server: RemedyServer
            do {
                server = try RemedyServer(
                    engine: acting.engine,
                    playbooks: library.playbooks,
                    metrics: metrics,
                    environment: RemedyServer.Environment(
                        snsWeb: TransportSNSWebAccess(),
                        journalProblem: { await journal.writeProblem() },
                        logger: logger
                    )
                )
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
                        metadata: ["error.message": "\(error)"]
                    )
                }
            }
            logger.info("stopped")
        }
    }
}
