import RemedyAWS
import RemedyCore

// Verified by its answer: `CreateTags` sets each given key to the given value before answering.
extension TagInstance: AnswerVerifiedAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let tags = parameters.stringMap("tags")
        let ec2 = try context.clients.ec2()
        let before = try await instance(instanceID, ec2)
        // Prior values of the keys about to change; null marks a key that did not exist.
        let prior = JSONValue.object(
            Dictionary(uniqueKeysWithValues: tags.keys.map { ($0, before.tags[$0].map(JSONValue.string) ?? .null) })
        )
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.createTags(resources: [instanceID], tags: tags)
        }
        return ActionResult(priorState: ["instance": .string(instanceID), "tags": prior])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let tags = parameters.stringMap("tags")
        let current = try await instance(try parameters.string("instance"), try context.clients.ec2())
        return tags.allSatisfy { current.tags[$0.key] == $0.value } ? .done(ActionResult(verified: true)) : .notDone
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let instanceID = try parameters.string("instance")
        let prior = priorState["tags"]?.objectValue ?? [:]
        let ec2 = try context.clients.ec2()
        let restore = prior.compactMapValues(\.stringValue)
        let remove = prior.filter { $0.value == .null }.map(\.key)
        if !restore.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.createTags(resources: [instanceID], tags: restore)
            }
        }
        if !remove.isEmpty {
            try await mutatingCall { () async throws(AWSError) in
                try await ec2.deleteTags(resources: [instanceID], keys: remove.sorted())
            }
        }
    }

    static func instance(_ id: String, _ ec2: EC2Client) async throws(ActionFailure) -> EC2Instance {
        let instances = try await readingCall { () async throws(AWSError) in try await ec2.describeInstances(ids: [id])
        }
        guard let instance = instances.first else {
            throw ActionFailure(
                .permanent,
                code: "InvalidInstanceID.NotFound",
                message: "instance \(id) does not exist"
            )
        }
        return instance
    }
}

extension SnapshotVolumes: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        // The step tag lets a probe find these snapshots if the process dies before the result is journaled.
        let tags = parameters.stringMap("tags").merging(context.stepTags) { given, _ in given }
        let description = parameters.optionalString("description") ?? "remedy forensic snapshot of \(instanceID)"
        let snapshots = try await mutatingCall { () async throws(AWSError) in
            try await ec2.createSnapshots(instanceID: instanceID, description: description, tags: tags)
        }
        // The answer names each snapshot with its volume: no need to describe the instance for them.
        return ActionResult(
            outputs: outputs(snapshots: snapshots.map(\.snapshotID), volumes: snapshots.map(\.volumeID))
        )
    }

    /// The snapshots exist: `CreateSnapshots` answers with the one it created for each attached volume.
    ///
    /// So the answer is the post-condition (snapshots exist, `pending` until EBS finishes copying) and reading them
    /// back would only repeat it. An answer naming no snapshot, or one without its volume, is not verified.
    public static func verify(
        _ parameters: ActionParameters,
        result: ActionResult,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> Bool
    {
        let snapshots = result.outputs["snapshot_ids"]?.arrayValue ?? []
        let volumes = result.outputs["volume_ids"]?.arrayValue ?? []
        return !snapshots.isEmpty && volumes.count == snapshots.count && !volumes.contains(.string(""))
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let found = try await snapshotsOfStep(context, try context.clients.ec2())
        guard !found.isEmpty else { return .notDone }
        return .done(
            ActionResult(outputs: outputs(snapshots: found.map(\.id), volumes: found.map(\.volumeID)), verified: true)
        )
    }

    static func snapshotsOfStep(
        _ context: ActionContext,
        _ ec2: EC2Client
    ) async throws(ActionFailure)
        -> [(id: String, volumeID: String, state: String)]
    {
        try await readingCall { () async throws(AWSError) in
            try await ec2.describeSnapshots(filters: ["tag:remedy:step": [context.request.idempotencyKey]])
        }
    }

    static func outputs(snapshots: [String], volumes: [String]) -> [String: JSONValue] {
        ["snapshot_ids": .array(snapshots.map(JSONValue.string)), "volume_ids": .array(volumes.map(JSONValue.string))]
    }
}
