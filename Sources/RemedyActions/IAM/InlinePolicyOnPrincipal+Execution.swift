import RemedyAWS
import RemedyCore

/// Writing, recognising and removing the inline deny policies of `iam.revoke_sessions` and `iam.deny_all`.
extension InlinePolicyOnPrincipal {
    /// The user or role the step names.
    static func principal(
        _ parameters: ActionParameters
    ) throws(ActionFailure)
        -> (type: IAMClient.PrincipalType, name: String)
    {
        let type: IAMClient.PrincipalType = try parameters.string("principal_type") == "role" ? .role : .user
        return (type, try parameters.string("principal"))
    }

    /// Writes `document` as the principal's inline policy `policyName`, keeping any document of that name it replaces
    /// as the prior state.
    static func write(
        policyName: String,
        document: JSONValue,
        outputs: [String: JSONValue],
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let (type, name) = try principal(parameters)
        let iam = try context.clients.iam()
        let before = try await readingCall { () async throws(AWSError) in
            try await iam.inlinePolicyIfPresent(principalType: type, name: name, policyName: policyName)
        }
        try await mutatingCall { () async throws(AWSError) in
            try await iam.putInlinePolicy(
                principalType: type,
                name: name,
                policyName: policyName,
                document: document.jsonText()
            )
        }
        return ActionResult(
            outputs: outputs.merging(["policy_name": .string(policyName)]) { given, _ in given },
            priorState: ["policy_name": .string(policyName), "document": before.map(JSONValue.string) ?? .null]
        )
    }

    /// The statements of the principal's inline policy `policyName`, or nil when it has none.
    static func statements(
        policyName: String,
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> [JSONValue]?
    {
        let (type, name) = try principal(parameters)
        let iam = try context.clients.iam()
        let document = try await readingCall { () async throws(AWSError) in
            try await iam.inlinePolicyIfPresent(principalType: type, name: name, policyName: policyName)
        }
        guard let document else { return nil }
        return PolicyDocument.statements(document)
    }

    /// Puts back the document the step replaced, or deletes the policy when there was none.
    static func restore(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    ) async throws(ActionFailure) {
        let (type, name) = try principal(parameters)
        guard let policyName = priorState["policy_name"]?.stringValue else {
            throw ActionFailure(.permanent, code: "InvalidPriorState", message: "the prior state names no policy")
        }
        let iam = try context.clients.iam()
        if let document = priorState["document"]?.stringValue {
            try await mutatingCall { () async throws(AWSError) in
                try await iam.putInlinePolicy(
                    principalType: type,
                    name: name,
                    policyName: policyName,
                    document: document
                )
            }
            return
        }
        do {
            try await iam.deleteInlinePolicy(principalType: type, name: name, policyName: policyName)
        } catch  where error.code == "NoSuchEntity" {
            // Already gone: the undo's post-condition holds.
        } catch {
            throw ActionFailure(error, isMutating: true)
        }
    }
}

/// Reading IAM-style policy documents (identity and resource policies).
enum PolicyDocument {
    /// The `Statement` entries of a policy document (a single statement object counts as one).
    static func statements(_ document: String) -> [JSONValue] {
        guard let parsed = try? JSONParser().parse(document) else { return [] }
        return statements(parsed)
    }

    static func statements(_ document: JSONValue) -> [JSONValue] {
        switch document["Statement"] {
        case .array(let statements): statements
        case .object(let statement): [.object(statement)]
        default: []
        }
    }

    /// A string or list-of-strings element (`Action`, `Resource`) as a list.
    static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let items): items.compactMap(\.stringValue)
        default: []
        }
    }

    /// Whether the statement denies every action on every resource.
    static func deniesEverything(_ statement: JSONValue) -> Bool {
        statement["Effect"]?.stringValue == "Deny" && strings(statement["Action"]) == ["*"]
            && strings(statement["Resource"]) == ["*"]
    }

    /// Whether a principal element names everyone: `"*"`, `{"AWS": "*"}` or `{"AWS": ["*"]}`.
    static func isEveryone(_ principal: JSONValue?) -> Bool {
        if principal?.stringValue == "*" { return true }
        return strings(principal?["AWS"]).contains("*")
    }
}
