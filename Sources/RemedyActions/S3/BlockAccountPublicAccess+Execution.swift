import RemedyAWS
import RemedyCore

extension BlockAccountPublicAccess: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let account = try parameters.string("account")
        let control = try context.clients.s3Control()
        let before = try await readingCall { () async throws(AWSError) in
            try await control.publicAccessBlock(account: account)
        }
        try await mutatingCall { () async throws(AWSError) in
            try await control.putPublicAccessBlock(account: account, .allBlocked)
        }
        let prior = before.map(BlockBucketPublicAccess.json) ?? .null
        return ActionResult(outputs: ["previous_configuration": prior], priorState: ["configuration": prior])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let account = try parameters.string("account")
        let control = try context.clients.s3Control()
        let current = try await readingCall { () async throws(AWSError) in
            try await control.publicAccessBlock(account: account)
        }
        return current == .allBlocked ? .done(ActionResult(verified: true)) : .notDone
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let account = try parameters.string("account")
        let control = try context.clients.s3Control()
        guard let prior = priorState["configuration"], prior != .null else {
            try await mutatingCall { () async throws(AWSError) in
                try await control.deletePublicAccessBlock(account: account)
            }
            return
        }
        let configuration = BlockBucketPublicAccess.configuration(prior)
        try await mutatingCall { () async throws(AWSError) in
            try await control.putPublicAccessBlock(account: account, configuration)
        }
    }
}
