import RemedyAWS
import RemedyCore

// Verified by its answer: `PutPublicAccessBlock` replaces the bucket's whole configuration with the four flags on.
extension BlockBucketPublicAccess: AnswerVerifiedAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let bucket = try parameters.string("bucket")
        let s3 = try context.clients.s3()
        let before = try await readingCall { () async throws(AWSError) in try await s3.publicAccessBlock(bucket: bucket)
        }
        try await mutatingCall { () async throws(AWSError) in
            try await s3.putPublicAccessBlock(bucket: bucket, .allBlocked)
        }
        let prior = before.map(json) ?? .null
        return ActionResult(outputs: ["previous_configuration": prior], priorState: ["configuration": prior])
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let s3 = try context.clients.s3()
        let bucket = try parameters.string("bucket")
        let current = try await readingCall { () async throws(AWSError) in
            try await s3.publicAccessBlock(bucket: bucket)
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
        let bucket = try parameters.string("bucket")
        let s3 = try context.clients.s3()
        guard let prior = priorState["configuration"], prior != .null else {
            try await mutatingCall { () async throws(AWSError) in try await s3.deletePublicAccessBlock(bucket: bucket) }
            return
        }
        let configuration = configuration(prior)
        try await mutatingCall { () async throws(AWSError) in
            try await s3.putPublicAccessBlock(bucket: bucket, configuration)
        }
    }

    /// The settings recorded by `json(_:)`.
    static func configuration(_ prior: JSONValue) -> S3Client.PublicAccessBlock {
        S3Client.PublicAccessBlock(
            blockPublicACLs: prior["BlockPublicAcls"]?.boolValue ?? false,
            ignorePublicACLs: prior["IgnorePublicAcls"]?.boolValue ?? false,
            blockPublicPolicy: prior["BlockPublicPolicy"]?.boolValue ?? false,
            restrictPublicBuckets: prior["RestrictPublicBuckets"]?.boolValue ?? false
        )
    }

    static func json(_ configuration: S3Client.PublicAccessBlock) -> JSONValue {
        [
            "BlockPublicAcls": .bool(configuration.blockPublicACLs),
            "IgnorePublicAcls": .bool(configuration.ignorePublicACLs),
            "BlockPublicPolicy": .bool(configuration.blockPublicPolicy),
            "RestrictPublicBuckets": .bool(configuration.restrictPublicBuckets),
        ]
    }
}
