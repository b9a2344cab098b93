import RemedyAWS
import RemedyCore

/// Gives a forensics account create-volume permission on the snapshots; undo removes it from those that did not
/// have it before.
extension ShareSnapshots: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let account = try parameters.string("account")
        let ec2 = try context.clients.ec2()
        var added: [String] = []
        for snapshotID in try snapshots(parameters) where !(try await isShared(snapshotID, with: account, ec2)) {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.shareSnapshot(snapshotID, withAccounts: [account])
            }
            added.append(snapshotID)
        }
        return ActionResult(priorState: ["shared": .array(added.map(JSONValue.string))])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let account = try parameters.string("account")
        let ec2 = try context.clients.ec2()
        for snapshotID in try snapshots(parameters) where !(try await isShared(snapshotID, with: account, ec2)) {
            return .notDone
        }
        return .done(ActionResult(verified: true))
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let account = try parameters.string("account")
        let ec2 = try context.clients.ec2()
        for snapshotID in (priorState["shared"]?.arrayValue ?? []).compactMap(\.stringValue) {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.changeSnapshotPermissions(snapshotID, .remove, userIDs: [account])
            }
        }
    }

    static func snapshots(_ parameters: ActionParameters) throws(ActionFailure) -> [String] {
        guard let list = parameters.values["snapshots"]?.arrayValue?.compactMap(\.stringValue) else {
            throw ActionParameters.missing("snapshots", "a list of snapshot ids")
        }
        return list
    }

    static func isShared(
        _ snapshotID: String,
        with account: String,
        _ ec2: EC2Client
    ) async throws(ActionFailure)
        -> Bool
    {
        try await readingCall { () async throws(AWSError) in
            try await ec2.snapshotPermissions(snapshotID).userIDs.contains(account)
        }
    }
}
