import RemedyAWS
import RemedyCore

/// `s3.require_tls` (S3.5): a bucket policy statement of remedy's own denying every request not made over TLS.
///
/// A setting in ``SettingAction``'s sense: the bucket either has a statement denying `aws:SecureTransport` false
/// (remedy's or the team's) or not. Undo removes remedy's statement alone, and the policy when it was the last.
public struct RequireBucketTLS: SettingAction {
    static let sid = "RemedyRequireTLS"

    public static let descriptor = ActionDescriptor(
        name: "s3.require_tls",
        summary: "Add a bucket policy statement denying every request not made over TLS (a bucket whose policy "
            + "already denies them is left as it is)",
        parameters: [ParameterSpec("bucket", .identifier(.bucketName), summary: "the bucket")],
        outputs: [changedOutput],
        permissions: ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
        isMutating: true,
        isReversible: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> S3Client { try clients.s3() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        try parameters.identifier("bucket", .bucketName)
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["DeniesPlainHTTP": true] }

    public static func read(_ bucket: String, with s3: S3Client) async throws(AWSError) -> [String: JSONValue] {
        let statements = PolicyDocument.statements(.object(try await BucketPolicyDocument.read(bucket, s3)))
        return ["DeniesPlainHTTP": .bool(statements.contains(where: deniesPlainHTTP))]
    }

    /// `true` adds remedy's statement; `false` (undo) removes it, and the policy when nothing else is left.
    public static func write(
        _ settings: [String: JSONValue],
        to bucket: String,
        with s3: S3Client
    ) async throws(AWSError) {
        let document = try await BucketPolicyDocument.read(bucket, s3)
        var statements = PolicyDocument.statements(.object(document)).filter { $0["Sid"]?.stringValue != sid }
        if settings["DeniesPlainHTTP"] == true {
            let arn = "arn:\(Partition(region: s3.client.region).rawValue):s3:::\(bucket)"
            statements.append([
                "Sid": .string(sid), "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [.string(arn), .string(arn + "/*")],
                "Condition": ["Bool": ["aws:SecureTransport": "false"]],
            ])
        }
        try await BucketPolicyDocument.write(document, statements: statements, to: bucket, s3)
    }

    /// A Deny for everyone when `aws:SecureTransport` is false: what S3.5 looks for.
    static func deniesPlainHTTP(_ statement: JSONValue) -> Bool {
        guard statement["Effect"]?.stringValue == "Deny" else { return false }
        let principal = statement["Principal"]
        guard principal == "*" || principal?["AWS"] == "*" else { return false }
        let secure = statement["Condition"]?["Bool"]?["aws:SecureTransport"]
        return secure == "false" || secure == false || secure == ["false"]
    }
}
