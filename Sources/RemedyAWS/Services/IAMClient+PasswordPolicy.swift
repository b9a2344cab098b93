import RemedyCore

extension IAMClient {
    /// The account's password policy, as `GetAccountPasswordPolicy` and `UpdateAccountPasswordPolicy` carry it.
    public struct PasswordPolicy: Sendable, Hashable {
        public var minimumLength: Int
        public var requireSymbols: Bool
        public var requireNumbers: Bool
        public var requireUppercase: Bool
        public var requireLowercase: Bool
        public var allowUsersToChange: Bool
        /// Days before a password expires; nil: never.
        public var maximumAgeDays: Int?
        /// How many previous passwords cannot be reused; nil: any.
        public var reusePrevention: Int?
        public var hardExpiry: Bool

        public init(
            minimumLength: Int,
            requireSymbols: Bool,
            requireNumbers: Bool,
            requireUppercase: Bool,
            requireLowercase: Bool,
            allowUsersToChange: Bool,
            maximumAgeDays: Int?,
            reusePrevention: Int?,
            hardExpiry: Bool
        ) {
            self.minimumLength = minimumLength
            self.requireSymbols = requireSymbols
            self.requireNumbers = requireNumbers
            self.requireUppercase = requireUppercase
            self.requireLowercase = requireLowercase
            self.allowUsersToChange = allowUsersToChange
            self.maximumAgeDays = maximumAgeDays
            self.reusePrevention = reusePrevention
            self.hardExpiry = hardExpiry
        }
    }

    /// The account's password policy, or nil when it has none (`NoSuchEntity`).
    public func accountPasswordPolicy() async throws(AWSError) -> PasswordPolicy? {
        let result: AWSXMLElement
        do {
            result = try await client.query("GetAccountPasswordPolicy", effect: .readOnly) { _ in }
        } catch  where error.code == "NoSuchEntity" {
            return nil
        }
        guard let policy = result["PasswordPolicy"] else { return nil }
        func flag(_ name: String) -> Bool { policy.string(name) == "true" }
        return PasswordPolicy(
            minimumLength: policy.string("MinimumPasswordLength").flatMap { Int($0) } ?? 6,
            requireSymbols: flag("RequireSymbols"),
            requireNumbers: flag("RequireNumbers"),
            requireUppercase: flag("RequireUppercaseCharacters"),
            requireLowercase: flag("RequireLowercaseCharacters"),
            allowUsersToChange: flag("AllowUsersToChangePassword"),
            maximumAgeDays: policy.string("MaxPasswordAge").flatMap { Int($0) },
            reusePrevention: policy.string("PasswordReusePrevention").flatMap { Int($0) },
            hardExpiry: flag("HardExpiry")
        )
    }

    /// Replaces the account's password policy: members left out fall back to IAM's defaults, so every member is
    /// sent.
    public func updateAccountPasswordPolicy(_ policy: PasswordPolicy) async throws(AWSError) {
        _ = try await client.query("UpdateAccountPasswordPolicy", effect: .mutating(idempotent: true)) {
            $0.set("MinimumPasswordLength", policy.minimumLength)
            $0.set("RequireSymbols", policy.requireSymbols)
            $0.set("RequireNumbers", policy.requireNumbers)
            $0.set("RequireUppercaseCharacters", policy.requireUppercase)
            $0.set("RequireLowercaseCharacters", policy.requireLowercase)
            $0.set("AllowUsersToChangePassword", policy.allowUsersToChange)
            if let days = policy.maximumAgeDays { $0.set("MaxPasswordAge", days) }
            if let count = policy.reusePrevention { $0.set("PasswordReusePrevention", count) }
            $0.set("HardExpiry", policy.hardExpiry)
        }
    }

    public func deleteAccountPasswordPolicy() async throws(AWSError) {
        _ = try await client.query("DeleteAccountPasswordPolicy", effect: .mutating(idempotent: true)) { _ in }
    }
}
