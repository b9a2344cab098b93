import RemedyAWS
import RemedyCore

// Verified by its answer: UpdateAccountPasswordPolicy replaces the policy with exactly what was sent.
extension SetPasswordPolicy: AnswerVerifiedAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let wanted = try required(parameters)
        let iam = try context.clients.iam()
        let before = try await readingCall { () async throws(AWSError) in try await iam.accountPasswordPolicy() }
        let prior = before.map(json) ?? .null
        let strengthened = strengthen(before, to: wanted)
        guard strengthened != before else { return ActionResult(outputs: ["previous_policy": prior]) }
        try await context.recordPriorState(["policy": prior])
        try await mutatingCall { () async throws(AWSError) in try await iam.updateAccountPasswordPolicy(strengthened) }
        return ActionResult(outputs: ["previous_policy": prior], priorState: ["policy": prior])
    }

    /// Done when the account's policy is at least as strong as asked.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let wanted = try required(parameters)
        let iam = try context.clients.iam()
        let current = try await readingCall { () async throws(AWSError) in try await iam.accountPasswordPolicy() }
        guard let current, strengthen(current, to: wanted) == current else { return .notDone }
        return .done(ActionResult(outputs: ["previous_policy": .null], verified: true))
    }

    /// Puts the previous policy back, or removes the policy when the account had none.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let iam = try context.clients.iam()
        guard let prior = priorState["policy"], let policy = policy(prior) else {
            try await mutatingCall { () async throws(AWSError) in try await iam.deleteAccountPasswordPolicy() }
            return
        }
        try await mutatingCall { () async throws(AWSError) in try await iam.updateAccountPasswordPolicy(policy) }
    }

    /// The strength asked for: the parameters, with the defaults the descriptor declares.
    static func required(_ parameters: ActionParameters) throws(ActionFailure) -> IAMClient.PasswordPolicy {
        func number(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(ActionFailure) -> Int {
            let value = parameters.values[name]?.integerValue ?? fallback
            guard range.contains(value) else {
                throw ActionFailure(
                    .permanent,
                    code: "InvalidParameter",
                    message: "parameter '\(name)' must be within \(range.lowerBound)...\(range.upperBound)"
                )
            }
            return value
        }
        let classes = parameters.values["require_character_classes"]?.boolValue ?? true
        return IAMClient.PasswordPolicy(
            minimumLength: try number("minimum_length", 14, 6...128),
            requireSymbols: classes,
            requireNumbers: classes,
            requireUppercase: classes,
            requireLowercase: classes,
            allowUsersToChange: true,
            maximumAgeDays: try number("max_age_days", 90, 1...1095),
            reusePrevention: try number("reuse_prevention", 24, 1...24),
            hardExpiry: false
        )
    }

    /// `current` raised to at least `wanted`, setting by setting; settings already stronger stay as they are.
    static func strengthen(
        _ current: IAMClient.PasswordPolicy?,
        to wanted: IAMClient.PasswordPolicy
    ) -> IAMClient.PasswordPolicy {
        guard let current else { return wanted }
        return IAMClient.PasswordPolicy(
            minimumLength: max(current.minimumLength, wanted.minimumLength),
            requireSymbols: current.requireSymbols || wanted.requireSymbols,
            requireNumbers: current.requireNumbers || wanted.requireNumbers,
            requireUppercase: current.requireUppercase || wanted.requireUppercase,
            requireLowercase: current.requireLowercase || wanted.requireLowercase,
            allowUsersToChange: current.allowUsersToChange || wanted.allowUsersToChange,
            maximumAgeDays: [current.maximumAgeDays, wanted.maximumAgeDays].compactMap { $0 }.min(),
            reusePrevention: [current.reusePrevention, wanted.reusePrevention].compactMap { $0 }.max(),
            hardExpiry: current.hardExpiry || wanted.hardExpiry
        )
    }

    static func json(_ policy: IAMClient.PasswordPolicy) -> JSONValue {
        [
            "MinimumPasswordLength": .number(Double(policy.minimumLength)),
            "RequireSymbols": .bool(policy.requireSymbols), "RequireNumbers": .bool(policy.requireNumbers),
            "RequireUppercaseCharacters": .bool(policy.requireUppercase),
            "RequireLowercaseCharacters": .bool(policy.requireLowercase),
            "AllowUsersToChangePassword": .bool(policy.allowUsersToChange),
            "MaxPasswordAge": policy.maximumAgeDays.map { .number(Double($0)) } ?? .null,
            "PasswordReusePrevention": policy.reusePrevention.map { .number(Double($0)) } ?? .null,
            "HardExpiry": .bool(policy.hardExpiry),
        ]
    }

    /// The policy `json(_:)` recorded; nil for `null` (there was none).
    static func policy(_ json: JSONValue) -> IAMClient.PasswordPolicy? {
        guard let length = json["MinimumPasswordLength"]?.integerValue else { return nil }
        return IAMClient.PasswordPolicy(
            minimumLength: length,
            requireSymbols: json["RequireSymbols"]?.boolValue ?? false,
            requireNumbers: json["RequireNumbers"]?.boolValue ?? false,
            requireUppercase: json["RequireUppercaseCharacters"]?.boolValue ?? false,
            requireLowercase: json["RequireLowercaseCharacters"]?.boolValue ?? false,
            allowUsersToChange: json["AllowUsersToChangePassword"]?.boolValue ?? false,
            maximumAgeDays: json["MaxPasswordAge"]?.integerValue,
            reusePrevention: json["PasswordReusePrevention"]?.integerValue,
            hardExpiry: json["HardExpiry"]?.boolValue ?? false
        )
    }
}
