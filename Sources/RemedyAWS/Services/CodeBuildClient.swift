import RemedyCore

/// AWS CodeBuild operations (`json` 1.1): a project's build environment.
public struct CodeBuildClient: Sendable {
    public let client: AWSClient

    public init(_ client: AWSClient) {
        self.client = client
    }

    /// The project's build environment as the API gives it (`type`, `image`, `computeType`, `privilegedMode`...).
    public func environment(project: String) async throws(AWSError) -> JSONValue {
        let reply = try await client.json("BatchGetProjects", effect: .readOnly, body: ["names": [.string(project)]])
        guard let found = reply["projects"]?.arrayValue?.first, let environment = found["environment"] else {
            throw client.missing("BatchGetProjects", "projects[0].environment")
        }
        return environment
    }

    /// Replaces the project's build environment (UpdateProject takes the whole object, not a field).
    public func setEnvironment(project: String, _ environment: JSONValue) async throws(AWSError) {
        _ = try await client.json(
            "UpdateProject",
            effect: .mutating(idempotent: true),
            body: ["name": .string(project), "environment": environment]
        )
    }
}
