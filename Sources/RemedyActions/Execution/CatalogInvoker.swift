import Foundation
import RemedyAWS
import RemedyCore

/// Performs catalogue actions against AWS for the executor: assumes the step's target role, builds clients in the
/// run's mode, and turns dry-run refusals into verdicts.
public struct CatalogInvoker: ActionInvoker {
    public let context: AWSContext
    let actions: [String: any ExecutableAction.Type]
    let clock: any Clock<Duration>
    let wallClock: WallClock
    let slack: SlackWebhooks
    let journal: (any RunJournal)?
    let securityGroups = SecurityGroupCache()

    /// - Parameters:
    ///   - clock: what `wait` and `wait_for` sleep on (a virtual clock in tests and exercises).
    ///   - wallClock: the time of day, for retention dates and evidence timestamps.
    ///   - slack: the incoming webhooks `notify.slack` may post to.
    ///   - journal: the run journal, for the excerpt `evidence.collect` writes.
    public init(
        context: AWSContext,
        clock: any Clock<Duration> = ContinuousClock(),
        wallClock: WallClock = .system,
        slack: SlackWebhooks = SlackWebhooks(),
        journal: (any RunJournal)? = nil
    ) {
        self.journal = journal
        self.context = context
        self.clock = clock
        self.wallClock = wallClock
        self.slack = slack
        actions = Dictionary(
            ActionCatalog.standardActions.map { ($0.descriptor.name, $0) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    public func execute(
        _ request: ActionRequest,
        recordingPriorState record: @escaping PriorStateRecorder
    ) async throws(ActionFailure) -> ActionResult {
        var (action, actionContext) = try await prepare(request)
        actionContext.recordPriorState = record
        let parameters = ActionParameters(request.parameters)
        // A dry-run context (a process started with --dry-run) makes a live request a dry-run one, never the reverse.
        guard request.mode == .dryRun || context.mode == .dryRun else {
            var result = try await action.execute(parameters, in: actionContext)
            // The call succeeded; a post-condition that cannot be read is reported unverified, not failed.
            result.verified = (try? await action.verify(parameters, result: result, in: actionContext)) ?? false
            return result
        }
        do {
            let result = try await action.execute(parameters, in: actionContext)
            return ActionResult(
                outputs: result.outputs,
                dryRunVerdict: result.dryRunVerdict ?? "no change needed or read-only"
            )
        } catch {
            // EC2 evaluates DryRun=true calls for permission; other services' mutations are refused unsent.
            switch error.code {
            case "DryRunOperation": return ActionResult(dryRunVerdict: "would succeed (EC2 DryRun)")
            case "UnauthorizedOperation", "AccessDenied":
                return ActionResult(dryRunVerdict: "missing permission: \(error.message)")
            case "DryRunRefused":
                return ActionResult(
                    dryRunVerdict:
                        "would call \(action.descriptor.permissions.joined(separator: ", ")) (not sent in dry-run)"
                )
            default: throw error
            }
        }
    }

    /// As the context's clients time out and retry (`RetryStrategy.settlingTime(timeout:)`).
    public var settlingTime: Duration {
        context.configuration.retry.settlingTime(timeout: context.configuration.timeout)
    }

    public func probe(_ request: ActionRequest) async throws(ActionFailure) -> ProbeResult {
        let (action, actionContext) = try await prepare(request)
        return try await action.probe(ActionParameters(request.parameters), in: actionContext)
    }

    public func undo(_ request: ActionRequest, priorState: JSONValue) async throws(ActionFailure) {
        let (action, actionContext) = try await prepare(request)
        try await action.undo(ActionParameters(request.parameters), priorState: priorState, in: actionContext)
    }

    private func prepare(
        _ request: ActionRequest
    ) async throws(ActionFailure)
        -> (any ExecutableAction.Type, ActionContext)
    {
        guard let action = actions[request.action] else {
            throw ActionFailure(.permanent, code: "NotImplemented", message: "\(request.action) cannot be executed yet")
        }
        let credentials: any AWSCredentialProvider =
            if let role = request.targetRole {
                await context.assumedRole(role, sessionName: "remedy-\(request.runID)")
            } else {
                context.credentials
            }
        let modeContext = context.restricted(to: request.mode == .dryRun ? .dryRun : .live)
        let clients = ServiceClients(
            context: modeContext,
            region: request.region,
            credentials: credentials,
            account: request.account
        )
        return (
            action,
            ActionContext(
                request: request,
                clients: clients,
                clock: clock,
                wallClock: wallClock,
                slack: slack,
                journal: journal,
                securityGroups: securityGroups
            )
        )
    }
}
