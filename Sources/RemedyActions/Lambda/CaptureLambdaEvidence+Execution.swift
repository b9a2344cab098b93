import RemedyAWS
import RemedyCore

// Read-only: what it read is in the step's journaled outputs, the evidence. After a crash it reads again.
extension CaptureLambdaEvidence: TracelessAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let function = try parameters.string("function")
        let lambda = try context.clients.lambda()
        let described = try await readingCall { () async throws(AWSError) in try await lambda.function(function) }
        guard let sha = described.codeSHA256 else {
            throw ActionFailure(
                .permanent,
                code: "MalformedResponse",
                message: "lambda GetFunction: no CodeSha256 for \(function)"
            )
        }
        let role = described.role.flatMap(ARN.init)
        let roleName = role.flatMap { $0.resource.hasPrefix("role/") ? $0.resource.split(separator: "/").last : nil }
        return ActionResult(
            outputs: [
                "function_arn": .string(described.arn ?? function),
                "code_sha256": .string(sha),
                "version": .string(described.version ?? "$LATEST"),
                "revision_id": described.revisionID.map(JSONValue.string) ?? .null,
                "last_modified": described.lastModified.map(JSONValue.string) ?? .null,
                "runtime": described.runtime.map(JSONValue.string) ?? .null,
                "code_location": (described.imageURI ?? described.codeLocation.map(unsigned)).map(JSONValue.string)
                    ?? .null,
                "role_arn": described.role.map(JSONValue.string) ?? .null,
                "role_name": roleName.map { .string(String($0)) } ?? .null,
            ],
            verified: true
        )
    }

    /// A pre-signed URL without its query: the object it names, and none of the signature that lets anyone fetch
    /// it, which the journal would otherwise keep.
    static func unsigned(_ url: String) -> String {
        String(url.prefix { $0 != "?" })
    }
}
