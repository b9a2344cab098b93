import RemedyAWS
import RemedyCore

/// A bucket policy as the S3 actions that add and remove statements of their own read and write it.
enum BucketPolicyDocument {
    /// The bucket's policy as an object (a new one when it has none); a policy that is not a JSON object is left
    /// alone rather than rewritten.
    static func read(_ bucket: String, _ s3: S3Client) async throws(AWSError) -> [String: JSONValue] {
        guard let text = try await s3.bucketPolicy(bucket: bucket) else {
            return ["Version": "2012-10-17", "Statement": []]
        }
        guard let document = try? JSONParser().parse(text).objectValue else {
            throw AWSError(
                service: "s3",
                operation: "GetBucketPolicy",
                statusCode: nil,
                code: "UnreadableBucketPolicy",
                message: "the policy of bucket \(bucket) is not a JSON object; remedy does not rewrite it",
                kind: .permanent
            )
        }
        return document
    }

    /// Writes `document` with `statements`; with none left, deletes the policy.
    static func write(
        _ document: [String: JSONValue],
        statements: [JSONValue],
        to bucket: String,
        _ s3: S3Client
    ) async throws(AWSError) {
        guard !statements.isEmpty else {
            try await s3.deleteBucketPolicy(bucket: bucket)
            return
        }
        var document = document
        document["Statement"] = .array(statements)
        try await s3.putBucketPolicy(bucket: bucket, document: JSONValue.object(document).jsonText())
    }
}
