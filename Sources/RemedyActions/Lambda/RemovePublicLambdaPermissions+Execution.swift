import RemedyAWS
import RemedyCore

/// Undo adds the removed statements back with `AddPermission`: Lambda writes its resource policies only through that
/// call, so a statement maps back to its parameters (statement id, action, principal, and the function URL
/// conditions). A removed statement carrying any other condition cannot be rebuilt, and undo says so.
extension RemovePublicLambdaPermissions: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let function = try parameters.string("function")
        let lambda = try context.clients.lambda()
        let removed = try await publicStatements(function, lambda)
        for statement in removed {
            guard let sid = statement["Sid"]?.stringValue else { continue }
            do {
                try await lambda.removePermission(function, statementID: sid)
            } catch  where error.code == "ResourceNotFoundException" {
                // Removed since the read: the post-condition holds for it.
            } catch {
                throw ActionFailure(error, isMutating: true)
            }
        }
        let statements = JSONValue.array(removed)
        return ActionResult(outputs: ["removed_statements": statements], priorState: ["statements": statements])
    }

    /// Done when the function has no resource policy statement open to everyone.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let function = try parameters.string("function")
        let remaining = try await publicStatements(function, try context.clients.lambda())
        return remaining.isEmpty ? .done(ActionResult(outputs: ["removed_statements": []], verified: true)) : .notDone
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let function = try parameters.string("function")
        let lambda = try context.clients.lambda()
        var unrestorable: [String] = []
        for statement in priorState["statements"]?.arrayValue ?? [] {
            guard let permission = Permission(statement) else {
                unrestorable.append(statement["Sid"]?.stringValue ?? statement.jsonText())
                continue
            }
            do {
                try await lambda.addPermission(
                    function,
                    statementID: permission.statementID,
                    action: permission.action,
                    principal: "*",
                    functionURLAuthType: permission.functionURLAuthType,
                    invokedViaFunctionURL: permission.invokedViaFunctionURL
                )
            } catch  where error.code == "ResourceConflictException" {
                // A statement with this id exists again: nothing to put back.
            } catch {
                throw ActionFailure(error, isMutating: true)
            }
        }
        guard unrestorable.isEmpty else {
            throw ActionFailure(
                .permanent,
                code: "NotReversible",
                message: "statements \(unrestorable.joined(separator: ", ")) carry conditions AddPermission cannot "
                    + "express; add them back by hand from the step's removed_statements"
            )
        }
    }

    /// The function's resource policy statements that allow everyone with no condition naming a source.
    static func publicStatements(_ function: String, _ lambda: LambdaClient) async throws(ActionFailure) -> [JSONValue]
    {
        let policy = try await readingCall { () async throws(AWSError) in try await lambda.policy(function) }
        guard let policy else { return [] }
        return PolicyDocument.statements(policy).filter(isPublic)
    }

    /// Condition keys that tie a grant to a source account, resource, organisation or event source token.
    static let sourceConditionKeys: Set<String> = [
        "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:principalorgid", "lambda:eventsourcetoken",
    ]

    static func isPublic(_ statement: JSONValue) -> Bool {
        guard statement["Effect"]?.stringValue == "Allow", PolicyDocument.isEveryone(statement["Principal"]) else {
            return false
        }
        let keys = (statement["Condition"]?.objectValue ?? [:]).values.flatMap { Array(($0.objectValue ?? [:]).keys) }
        return !keys.contains { sourceConditionKeys.contains($0.lowercased()) }
    }

    /// The `AddPermission` parameters a public statement was written with.
    struct Permission {
        var statementID: String
        var action: String
        var functionURLAuthType: String?
        var invokedViaFunctionURL: Bool?

        init?(_ statement: JSONValue) {
            guard let sid = statement["Sid"]?.stringValue,
                let action = PolicyDocument.strings(statement["Action"]).first
            else { return nil }
            statementID = sid
            self.action = action
            for (op, entries) in statement["Condition"]?.objectValue ?? [:] {
                for (key, value) in entries.objectValue ?? [:] {
                    let text = PolicyDocument.strings(value).first ?? value.boolValue.map { "\($0)" }
                    switch (op, key.lowercased()) {
                    case ("StringEquals", "lambda:functionurlauthtype"): functionURLAuthType = text
                    case ("Bool", "lambda:invokedviafunctionurl"): invokedViaFunctionURL = text == "true"
                    default: return nil
                    }
                }
            }
        }
    }
}
