import RemedyAWS
import RemedyCore

extension EnableBucketDefaultEncryption: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let bucket = try parameters.string("bucket")
        let s3 = try context.clients.s3()
        let before = try await readingCall { () async throws(AWSError) in try await s3.bucketEncryption(bucket: bucket)
        }
        let requested = S3Client.DefaultEncryption.requested(kmsKeyID: parameters.optionalString("kms_key"))
        try await mutatingCall { () async throws(AWSError) in
            try await s3.putBucketEncryption(bucket: bucket, requested)
        }
        let prior = before.map(json) ?? .null
        return ActionResult(outputs: ["previous_configuration": prior], priorState: ["configuration": prior])
    }

    /// Done when the bucket's default is the algorithm, and key, the step asks for.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let bucket = try parameters.string("bucket")
        let s3 = try context.clients.s3()
        let current = try await readingCall { () async throws(AWSError) in try await s3.bucketEncryption(bucket: bucket)
        }
        let requested = S3Client.DefaultEncryption.requested(kmsKeyID: parameters.optionalString("kms_key"))
        guard let current, current.algorithm == requested.algorithm, current.kmsKeyID == requested.kmsKeyID else {
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
        let bucket = try parameters.string("bucket")
        let s3 = try context.clients.s3()
        guard let prior = priorState["configuration"], let algorithm = prior["SSEAlgorithm"]?.stringValue else {
            try await mutatingCall { () async throws(AWSError) in try await s3.deleteBucketEncryption(bucket: bucket) }
            return
        }
        let encryption = S3Client.DefaultEncryption(
            algorithm: algorithm,
            kmsKeyID: prior["KMSMasterKeyID"]?.stringValue,
            bucketKeyEnabled: prior["BucketKeyEnabled"]?.boolValue ?? false
        )
        try await mutatingCall { () async throws(AWSError) in
            try await s3.putBucketEncryption(bucket: bucket, encryption)
        }
    }

    static func json(_ encryption: S3Client.DefaultEncryption) -> JSONValue {
        [
            "SSEAlgorithm": .string(encryption.algorithm),
            "KMSMasterKeyID": encryption.kmsKeyID.map(JSONValue.string) ?? .null,
            "BucketKeyEnabled": .bool(encryption.bucketKeyEnabled),
        ]
    }
}
