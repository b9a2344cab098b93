import RemedyAWS
import RemedyCore

extension RemovePublicBucketPolicyStatements: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let bucket = try parameters.string("bucket")
        let s3 = try context.clients.s3()
        let before = try await readingCall { () async throws(AWSError) in try await s3.bucketPolicy(bucket: bucket) }
        guard let before, let policy = try? JSONParser().parse(before) else {
            return ActionResult(outputs: ["removed_statements": [], "previous_policy": .null], priorState: .null)
        }
        let statements = PolicyDocument.statements(policy)
        let removed = statements.filter(isPublic)
        let kept = statements.filter { !isPublic($0) }
        if !removed.isEmpty {
            if kept.isEmpty {
                try await mutatingCall { () async throws(AWSError) in try await s3.deleteBucketPolicy(bucket: bucket) }
            } else {
                var rewritten = policy.objectValue ?? [:]
                rewritten["Statement"] = .array(kept)
                let document = JSONValue.object(rewritten).jsonText()
                try await mutatingCall { () async throws(AWSError) in
                    try await s3.putBucketPolicy(bucket: bucket, document: document)
                }
            }
        }
        return ActionResult(
            outputs: ["removed_statements": .array(removed), "previous_policy": .string(before)],
            // Nothing to put back when nothing was removed.
            priorState: removed.isEmpty ? .null : ["policy": .string(before)]
        )
    }

    /// Done when the bucket has no policy or no statement of it is public.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let bucket = try parameters.string("bucket")
        let s3 = try context.clients.s3()
        let current = try await readingCall { () async throws(AWSError) in try await s3.bucketPolicy(bucket: bucket) }
        guard let current else { return .done(ActionResult(outputs: ["removed_statements": []], verified: true)) }
        guard let policy = try? JSONParser().parse(current) else { return .notDone }
        guard !PolicyDocument.statements(policy).contains(where: isPublic) else { return .notDone }
        return .done(ActionResult(outputs: ["removed_statements": []], verified: true))
    }

    /// Puts the whole previous policy back.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard let policy = priorState["policy"]?.stringValue else { return }
        let bucket = try parameters.string("bucket")
        let s3 = try context.clients.s3()
        try await mutatingCall { () async throws(AWSError) in
            try await s3.putBucketPolicy(bucket: bucket, document: policy)
        }
    }

    /// An `Allow` to everyone (`"*"`, `{"AWS": "*"}`) that no condition narrows (a source VPC, account or IP).
    static func isPublic(_ statement: JSONValue) -> Bool {
        guard statement["Effect"]?.stringValue == "Allow", PolicyDocument.isEveryone(statement["Principal"]) else {
            return false
        }
        return statement["Condition"]?.objectValue?.isEmpty ?? true
    }
}
