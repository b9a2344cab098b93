import RemedyAWS
import RemedyCore

// The statement is keyed on `aws:userid`, the principal's unique id (AWS global condition keys): a user's `AIDA...`
// stays its id when the user is renamed, and a role session's `AROA...:name` names that session only, so the role
// keeps working for everything else. The parameter type refuses wildcards: a Deny to `*` keyed on a pattern could
// shut the owner out of the bucket.
extension DenyPrincipalOnBucket: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let target = try Target(parameters, in: context)
        let s3 = try context.clients.s3()
        let policy = try await currentPolicy(of: target.bucket, s3)
        let statements = PolicyDocument.statements(.object(policy))
        // Already there (an earlier finding about the principal): nothing changes, and undo leaves it to that run.
        guard !statements.contains(where: { $0["Sid"]?.stringValue == target.sid }) else {
            return ActionResult(outputs: target.outputs, priorState: nil)
        }
        // On disk before the change: undo after a crash mid-call still knows which statement is remedy's.
        try await context.recordPriorState(.object(target.outputs))
        try await mutatingCall { () async throws(AWSError) in
            try await BucketPolicyDocument.write(
                policy,
                statements: statements + [target.statement],
                to: target.bucket,
                s3
            )
        }
        return ActionResult(outputs: target.outputs, priorState: .object(target.outputs))
    }

    /// Done when the bucket policy holds remedy's statement for the principal, as written.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let target = try Target(parameters, in: context)
        let policy = try await currentPolicy(of: target.bucket, try context.clients.s3())
        guard PolicyDocument.statements(.object(policy)).contains(target.statement) else { return .notDone }
        return .done(ActionResult(outputs: target.outputs, priorState: .object(target.outputs), verified: true))
    }

    /// Removes remedy's statement and nothing else; the policy goes when it was the last statement.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard let sid = priorState["statement_id"]?.stringValue else { return }
        let bucket = try parameters.identifier("bucket", .bucketName)
        let s3 = try context.clients.s3()
        let policy = try await currentPolicy(of: bucket, s3)
        let statements = PolicyDocument.statements(.object(policy))
        let kept = statements.filter { $0["Sid"]?.stringValue != sid }
        guard kept.count < statements.count else { return }
        try await mutatingCall { () async throws(AWSError) in
            try await BucketPolicyDocument.write(policy, statements: kept, to: bucket, s3)
        }
    }

    /// `RemedyDeny` and a hash of the principal id: a Sid holds letters and digits only, and a second finding about
    /// the same principal finds the statement already there.
    static func statementID(_ principal: String) -> String {
        // FNV-1a, 64 bits: stable across processes and versions, unlike `Hasher`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in principal.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "RemedyDeny" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The statement a step's parameters ask for, and what the step outputs and journals about it.
    struct Target {
        let bucket: String
        let sid: String
        let statement: JSONValue

        var outputs: [String: JSONValue] { ["statement_id": .string(sid)] }

        init(_ parameters: ActionParameters, in context: ActionContext) throws(ActionFailure) {
            bucket = try parameters.identifier("bucket", .bucketName)
            let principal = try parameters.identifier("principal_id", .principalID)
            sid = statementID(principal)
            let arn = "arn:\(Partition(region: context.request.region).rawValue):s3:::\(bucket)"
            statement = [
                "Sid": .string(sid), "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [.string(arn), .string(arn + "/*")],
                "Condition": ["StringEquals": ["aws:userid": .string(principal)]],
            ]
        }
    }

    static func currentPolicy(of bucket: String, _ s3: S3Client) async throws(ActionFailure) -> [String: JSONValue] {
        try await readingCall { () async throws(AWSError) in try await BucketPolicyDocument.read(bucket, s3) }
    }
}
