import RemedyAWS
import RemedyCore

/// Performs catalogue actions against AWS for the executor: assumes the step's target role, builds clients in the
/// run's mode, and turns dry-run refusals into verdicts.
public struct CatalogInvoker: ActionInvoker {
    public let context: AWSContext
    let actions: [String: any ExecutableAction.Type]

    public init(context: AWSContext) {
        self.context = context
        actions = Dictionary(
            ActionCatalog.executableActions.map { ($0.descriptor.name, $0) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    public func execute(_ request: ActionRequest) async throws(ActionFailure) -> ActionResult {
        let (action, actionContext) = try await prepare(request)
        let parameters = ActionParameters(request.parameters)
        guard request.mode == .dryRun else {
            var result = try await action.execute(parameters, in: actionContext)
            // The call succeeded; a post-condition that cannot be read is reported unverified, not failed.
            result.verified = (try? await action.verify(parameters, result: result, in: actionContext)) ?? false
            return result
        }
        do {
            let result = try await action.execute(parameters, in: actionContext)
            return ActionResult(outputs: result.outputs, dryRunVerdict: "no change needed or read-only")
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
        let modeContext = context.with(mode: request.mode == .dryRun ? .dryRun : .live)
        let clients = ServiceClients(
            context: modeContext,
            region: request.region,
            credentials: credentials,
            account: request.account
        )
        return (action, ActionContext(request: request, clients: clients))
    }
}

extension ActionCatalog {
    /// The actions that can run today.
    static let executableActions: [any ExecutableAction.Type] = [
        TagInstance.self, SnapshotVolumes.self, QuarantineInstance.self, DeactivateAccessKey.self,
        BlockBucketPublicAccess.self,
    ]
}
