import Foundation
import RemedyAWS
import RemedyCore

// Verified by its answers: keys listed as active were set to `Inactive` by an `UpdateAccessKey` that succeeded (it
// sets the status outright and IAM applies it before answering); the others were listed inactive by this execution.
extension DeactivateAccessKey: AnswerVerifiedAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let user = try parameters.string("user")
        let iam = try context.clients.iam()
        let keys = try await readingCall { () async throws(AWSError) in try await iam.listAccessKeys(user: user) }
        let targets = try await selectKeys(keys, parameters, iam)
        for key in targets where key.status == "Active" {
            try await mutatingCall { () async throws(AWSError) in
                try await iam.updateAccessKey(user: user, accessKeyID: key.id, status: "Inactive")
            }
        }
        return ActionResult(
            outputs: ["deactivated_keys": .array(targets.map { .string($0.id) })],
            priorState: [
                "user": .string(user),
                "keys": .object(Dictionary(uniqueKeysWithValues: targets.map { ($0.id, JSONValue.string($0.status)) })),
            ]
        )
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        // Only a named key can be probed: age-based selection may pick different keys later.
        guard let keyID = parameters.optionalString("access_key_id") else { return .notDone }
        let iam = try context.clients.iam()
        let user = try parameters.string("user")
        let keys = try await readingCall { () async throws(AWSError) in try await iam.listAccessKeys(user: user) }
        guard keys.first(where: { $0.id == keyID })?.status == "Inactive" else { return .notDone }
        return .done(ActionResult(outputs: ["deactivated_keys": [.string(keyID)]], verified: true))
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let user = try parameters.string("user")
        let iam = try context.clients.iam()
        for (keyID, status) in priorState["keys"]?.objectValue ?? [:] {
            guard let status = status.stringValue else { continue }
            try await mutatingCall { () async throws(AWSError) in
                try await iam.updateAccessKey(user: user, accessKeyID: keyID, status: status)
            }
        }
    }

    /// The named key, or the user's active keys older than `older_than` or unused for `unused_for`.
    static func selectKeys(
        _ keys: [IAMClient.AccessKey],
        _ parameters: ActionParameters,
        _ iam: IAMClient
    )
        async throws(ActionFailure) -> [IAMClient.AccessKey]
    {
        if let keyID = parameters.optionalString("access_key_id") {
            guard let key = keys.first(where: { $0.id == keyID }) else {
                throw ActionFailure(.permanent, code: "NoSuchEntity", message: "user has no access key \(keyID)")
            }
            return [key]
        }
        let now = Date()
        var selected: [IAMClient.AccessKey] = []
        for key in keys where key.status == "Active" {
            if let age = parameters.optionalSeconds("older_than"), let created = ISO8601.parse(key.createDate),
                now.timeIntervalSince(created) > age
            {
                selected.append(key)
            } else if let unused = parameters.optionalSeconds("unused_for") {
                let lastUsed = try await readingCall { () async throws(AWSError) in
                    try await iam.accessKeyLastUsed(key.id)
                }
                let reference = lastUsed.flatMap(ISO8601.parse) ?? ISO8601.parse(key.createDate)
                if let reference, now.timeIntervalSince(reference) > unused { selected.append(key) }
            }
        }
        guard parameters.optionalSeconds("older_than") != nil || parameters.optionalSeconds("unused_for") != nil else {
            throw ActionFailure(
                .permanent,
                code: "InvalidParameter",
                message: "give access_key_id, older_than or unused_for"
            )
        }
        return selected
    }
}
