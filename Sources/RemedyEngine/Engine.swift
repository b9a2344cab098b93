import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyExecutor

/// Everything that plans and acts, assembled once: every command, the server and the exercise take their planner,
/// executor, journal and notifiers from one value, so they cannot drift apart (a `remedy run` once had no Slack
/// channels while `remedy serve` had them).
public struct Engine: Sendable {
    public let configuration: RemedyConfiguration
    public let catalog: ActionCatalog
    public let journal: any RunJournal
    public let invoker: any ActionInvoker
    public let approvers: any ApproverDirectory
    /// The webhooks `notify.slack` steps and the server's notices post to.
    public let slack: SlackWebhooks
    /// The most runs of this engine may do: a `.dryRun` engine never creates or drives a live run.
    public let mode: ExecutionMode
    public let time: TimeSource
    let makeRunID: @Sendable () -> String

    /// An engine whose actions go through `invoker`: what tests and the exercise use to stand in for AWS.
    public init(
        configuration: RemedyConfiguration,
        journal: any RunJournal,
        invoker: any ActionInvoker,
        catalog: ActionCatalog = .standard,
        approvers: (any ApproverDirectory)? = nil,
        slack: SlackWebhooks = SlackWebhooks(),
        mode: ExecutionMode = .live,
        time: TimeSource = .system,
        makeRunID: @escaping @Sendable () -> String = RunExecutor.newRunID
    ) {
        self.configuration = configuration
        self.journal = journal
        self.invoker = invoker
        self.catalog = catalog
        self.approvers = approvers ?? StaticApproverDirectory(configuration.approvers)
        self.slack = slack
        self.mode = mode
        self.time = time
        self.makeRunID = makeRunID
    }

    /// The engine that acts on AWS through `context` with the standard catalogue, posting to `slack`.
    public init(
        configuration: RemedyConfiguration,
        journal: any RunJournal,
        aws context: AWSContext,
        slack: SlackWebhooks,
        mode: ExecutionMode,
        time: TimeSource = .system
    ) {
        self.init(
            configuration: configuration,
            journal: journal,
            invoker: Self.invoker(through: context, slack: slack, journal: journal, time: time),
            slack: slack,
            mode: mode,
            time: time
        )
    }

    /// The standard catalogue's actions performed through `context`: the invoker an engine acting on AWS uses, for
    /// a caller that wraps it (the exercise attributes each call to its run).
    public static func invoker(
        through context: AWSContext,
        slack: SlackWebhooks,
        journal: any RunJournal,
        time: TimeSource
    ) -> any ActionInvoker {
        CatalogInvoker(context: context, clock: time.clock, wallClock: time.wallClock, slack: slack, journal: journal)
    }

    public var planner: Planner { Planner(catalog: catalog) }

    /// An executor of this engine's runs.
    ///
    /// - Parameters:
    ///   - maximumConcurrentRuns: runs executing at once; the configuration's `concurrency.max_runs` by default.
    ///   - observer: sees every record the executor journals.
    ///   - drain: stops runs at their next step when the process shuts down.
    public func executor(
        maximumConcurrentRuns: Int? = nil,
        observer: RunExecutor.RecordObserver? = nil,
        drain: RunDrain? = nil
    ) -> RunExecutor {
        RunExecutor(
            journal: journal,
            invoker: invoker,
            catalog: catalog,
            approvers: approvers,
            configuration: .init(
                maximumConcurrentRuns: maximumConcurrentRuns ?? configuration.concurrency.maximumRuns,
                mode: mode,
                caseWindow: configuration.cases.window
            ),
            time: time,
            makeRunID: makeRunID,
            observer: observer,
            drain: drain
        )
    }
}
