import RemedyAWS
import RemedyCore

/// Requires IMDSv2 session tokens; the endpoint setting is kept as it was (enabling a disabled endpoint would open
/// it), the hop limit set from the parameter. Dry-run never sends the change (see `EC2Client.setMetadataOptions`).
extension EnforceIMDSv2: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        let before = try await options(of: instanceID, ec2)
        guard before.httpTokens != "required" else { return ActionResult(priorState: json(before)) }
        let required = EC2Instance.MetadataOptions(
            httpTokens: "required",
            httpEndpoint: before.httpEndpoint,
            hopLimit: try parameters.integer("hop_limit")
        )
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.setMetadataOptions(instanceID: instanceID, required)
        }
        return ActionResult(priorState: json(before))
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let current = try await options(of: try parameters.string("instance"), try context.clients.ec2())
        return current.httpTokens == "required" ? .done(ActionResult(verified: true)) : .notDone
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard let tokens = priorState["http_tokens"]?.stringValue, tokens != "required",
            let endpoint = priorState["http_endpoint"]?.stringValue,
            let hopLimit = priorState["hop_limit"]?.doubleValue
        else { return }
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        let prior = EC2Instance.MetadataOptions(httpTokens: tokens, httpEndpoint: endpoint, hopLimit: Int(hopLimit))
        try await mutatingCall { () async throws(AWSError) in
            try await ec2.setMetadataOptions(instanceID: instanceID, prior)
        }
    }

    static func options(
        of instanceID: String,
        _ ec2: EC2Client
    ) async throws(ActionFailure)
        -> EC2Instance.MetadataOptions
    {
        let instance = try await TagInstance.instance(instanceID, ec2)
        guard let options = instance.metadataOptions else {
            throw ActionFailure(
                .permanent,
                code: "MalformedResponse",
                message: "DescribeInstances gave no metadata options for \(instanceID)"
            )
        }
        return options
    }

    static func json(_ options: EC2Instance.MetadataOptions) -> JSONValue {
        [
            "http_tokens": .string(options.httpTokens), "http_endpoint": .string(options.httpEndpoint),
            "hop_limit": .number(Double(options.hopLimit)),
        ]
    }
}
