import ArgumentParser
import RemedyAWS
import RemedyActions
import RemedyCore
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

    /// The assembled engine: one AWS context, journal and executor for this command.
    struct Engine {
        var configuration: RemedyConfiguration
        var journal: JournalDatabase
        var executor: RunExecutor
        /// The caller's ARN from STS GetCallerIdentity.
        var caller: String

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

    /// - Parameters:
    ///   - configuration: the configuration when the command already read it; read here otherwise.
    ///   - observer: sees every record the executor journals, for progress shown as it happens.
    func engine(
        configuration: RemedyConfiguration? = nil,
        dryRun: Bool = false,
        observer: RunExecutor.RecordObserver? = nil
    ) async throws -> Engine {
        let configuration = try configuration ?? journalOptions.loadConfiguration()
        let journal = try journalOptions.openJournal(configuration)
        let (context, caller) = try await awsContext(configuration, dryRun: dryRun)
        let executor = RunExecutor(
            journal: journal,
            invoker: CatalogInvoker(context: context, journal: journal),
            catalog: .standard,
            approvers: StaticApproverDirectory(configuration.approvers),
            configuration: .init(
                maximumConcurrentRuns: configuration.concurrency.maximumRuns,
                mode: dryRun ? .dryRun : .live,
                caseWindow: configuration.cases.window
            ),
            observer: observer
        )
        return Engine(configuration: configuration, journal: journal, executor: executor, caller: caller)
    }

    /// The AWS context for the configuration's pacing, timeouts and attempts, and the caller's ARN (STS
    /// GetCallerIdentity), which also proves the credentials work before anything is acted on.
    func awsContext(
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
