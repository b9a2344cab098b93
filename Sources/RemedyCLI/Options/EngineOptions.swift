import ArgumentParser
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyEngine
import RemedyExecutor
import RemedyJournal

/// What the commands that act (`run`, `approve`, `deny`, `resume`, `undo`) need: configuration, journal, the
/// caller's AWS identity, and an executor wired to AWS.
struct EngineOptions: ParsableArguments {
    @OptionGroup(title: "Journal")
    var journalOptions: JournalOptions

    @Option(name: .long, help: "The shared-config profile.")
    var profile: String?

    @Option(name: .long, help: "The AWS region for calls that do not take it from the finding.")
    var region: String?

    /// What a command acts with: the engine and its executor, the journal file it signs, and who the caller is.
    struct CommandEngine {
        var engine: Engine
        var executor: RunExecutor
        var journal: JournalDatabase
        /// The caller's ARN from STS GetCallerIdentity.
        var caller: String

        var configuration: RemedyConfiguration { engine.configuration }

        /// Signs the latest record when the configuration names a key, so the command's work is covered.
        func checkpoint() {
            guard configuration.journal.signingKey != nil else { return }
            do {
                try journal.checkpoint()
            } catch {
                Terminal.standardError.write("warning: could not sign a journal checkpoint: \(error)")
            }
        }
    }

    /// The one place a command's engine is put together: `run`, `approve`, `deny`, `resume`, `undo` and `serve`.
    ///
    /// - Parameters:
    ///   - configuration: the configuration when the command already read it; read here otherwise.
    ///   - observer: sees every record the executor journals, for progress shown as it happens.
    ///   - callObserver: sees every AWS call's outcome (the server's metrics).
    func engine(
        configuration: RemedyConfiguration? = nil,
        dryRun: Bool = false,
        observer: RunExecutor.RecordObserver? = nil,
        callObserver: (@Sendable (AWSClient.AWSCallOutcome) -> Void)? = nil
    ) async throws -> CommandEngine {
        let configuration = try configuration ?? journalOptions.loadConfiguration()
        let journal = try journalOptions.openJournal(configuration)
        let slack: SlackWebhooks
        do {
            slack = try Engine.slackWebhooks(of: configuration)
        } catch {
            Terminal.standardError.write("error: \(error.message)")
            throw ExitCode.failure
        }
        let (context, caller) = try await awsContext(configuration, dryRun: dryRun, callObserver: callObserver)
        let engine = Engine(
            configuration: configuration,
            journal: journal,
            aws: context,
            slack: slack,
            mode: dryRun ? .dryRun : .live
        )
        return CommandEngine(
            engine: engine,
            executor: engine.executor(observer: observer),
            journal: journal,
            caller: caller
        )
    }

    /// The AWS context for the configuration's pacing, timeouts and attempts, and the caller's ARN (STS
    /// GetCallerIdentity), which also proves the credentials work before anything is acted on.
    private func awsContext(
        _ configuration: RemedyConfiguration,
        dryRun: Bool,
        callObserver: (@Sendable (AWSClient.AWSCallOutcome) -> Void)? = nil
    ) async throws -> (context: AWSContext, caller: String) {
        do {
            let context = try await AWSContext.load(
                profile: profile,
                region: region,
                mode: dryRun ? .dryRun : .live,
                configuration: AWSClient.Configuration(
                    retry: RetryStrategy(
                        maximumAttempts: configuration.aws.maximumAttempts,
                        maximumThrottledAttempts: configuration.aws.maximumThrottledAttempts
                    ),
                    timeout: configuration.aws.requestTimeout,
                    callObserver: callObserver
                ),
                pacer: configuration.pacing.requestPacer
            )
            return (context, try await STSClient(try context.client(.sts)).getCallerIdentity().arn)
        } catch {
            Terminal.standardError.write("error: \(error)")
            throw ExitCode.failure
        }
    }
}

extension RemedyConfiguration.Pacing {
    /// The client-side token buckets the configuration asks for.
    var requestPacer: RequestPacer {
        RequestPacer(
            defaultRate: .init(perSecond: defaultRate.perSecond, burst: defaultRate.burst),
            rates: services.mapValues { .init(perSecond: $0.perSecond, burst: $0.burst) }
        )
    }
}

extension RunReport {
    /// The exit status a command reports for this run: 0 succeeded, 1 failed (rolled back or not), 2 parked.
    var exitStatus: Int32 {
        switch status {
        case .failed, .undone, .undoFailed: 1
        case .parked: 2
        default: 0
        }
    }
}
