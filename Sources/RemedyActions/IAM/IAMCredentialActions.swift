import RemedyCore

/// `iam.deactivate_access_key`: deactivate, never delete: reversible, and the key id stays searchable in CloudTrail.
public struct DeactivateAccessKey: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "iam.deactivate_access_key",
        summary: "Set an access key to Inactive: the key named, or each active key of the user older than, or unused "
            + "for, a given time",
        parameters: [
            ParameterSpec("user", .identifier(.iamUserName), summary: "the keys' user"),
            ParameterSpec(
                "access_key_id",
                .identifier(.accessKeyID),
                required: false,
                summary: "the key to deactivate"
            ),
            ParameterSpec(
                "older_than",
                .duration,
                required: false,
                summary: "deactivate active keys created before this"
            ),
            ParameterSpec("unused_for", .duration, required: false, summary: "deactivate active keys unused this long"),
        ],
        outputs: [
            OutputSpec("deactivated_keys", .list(.identifier(.accessKeyID)), summary: "keys set to Inactive, for undo")
        ],
        permissions: ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:UpdateAccessKey"],
        isMutating: true,
        isReversible: true
    )
}

/// `iam.revoke_sessions`: denies everything to sessions issued before now, as the console's "Revoke active sessions".
public struct RevokeSessions: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "iam.revoke_sessions",
        summary: "Attach an inline policy denying all actions to credentials issued before now (aws:TokenIssueTime)",
        parameters: InlinePolicyOnPrincipal.parameters,
        outputs: InlinePolicyOnPrincipal.outputs + [
            OutputSpec("revoked_before", .string, summary: "sessions issued before this time (ISO 8601) are denied")
        ],
        permissions: InlinePolicyOnPrincipal.permissions,
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}

/// `iam.deny_all`: locks a principal out entirely; behind approval.
public struct DenyAll: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "iam.deny_all",
        summary: "Attach an inline quarantine policy that denies every action to a user or role",
        parameters: InlinePolicyOnPrincipal.parameters,
        outputs: InlinePolicyOnPrincipal.outputs,
        permissions: InlinePolicyOnPrincipal.permissions,
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )
}

/// `iam.delete_login_profile`: console passwords cannot be deactivated, only deleted.
public struct DeleteLoginProfile: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "iam.delete_login_profile",
        summary: "Delete a user's console password",
        parameters: [ParameterSpec("user", .identifier(.iamUserName), summary: "the user")],
        outputs: [OutputSpec("had_login_profile", .boolean, summary: "whether there was one to delete")],
        permissions: ["iam:GetLoginProfile", "iam:DeleteLoginProfile"],
        isMutating: true,
        isDisruptive: true
    )
}

/// `iam.deactivate_mfa_devices`: removes devices an attacker registered after the compromise began.
public struct DeactivateMFADevices: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "iam.deactivate_mfa_devices",
        summary: "Deactivate a user's MFA devices enabled after a given time",
        parameters: [
            ParameterSpec("user", .identifier(.iamUserName), summary: "the user"),
            ParameterSpec("enabled_after", .string, summary: "ISO 8601 time; devices enabled later are deactivated"),
        ],
        outputs: [OutputSpec("serial_numbers", .list(.string), summary: "devices deactivated")],
        permissions: ["iam:ListMFADevices", "iam:DeactivateMFADevice"],
        isMutating: true,
        isDisruptive: true
    )
}

/// What the actions that write an inline policy on a user or role share.
enum InlinePolicyOnPrincipal {
    static let parameters = [
        ParameterSpec("principal_type", .oneOf(["user", "role"]), summary: "whether the principal is a user or role"),
        ParameterSpec("principal", .identifier(.iamPrincipalName), summary: "user or role name"),
    ]
    static let outputs = [OutputSpec("policy_name", .string, summary: "the inline policy written")]
    static let permissions = [
        "iam:GetUserPolicy", "iam:GetRolePolicy", "iam:PutUserPolicy", "iam:PutRolePolicy", "iam:DeleteUserPolicy",
        "iam:DeleteRolePolicy",
    ]
}

/// `iam.set_password_policy`: raises the account's password policy to at least the given strength.
///
/// For IAM.7 and IAM.11-17. A setting already stronger is kept: remedy never weakens a policy to match its defaults.
public struct SetPasswordPolicy: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "iam.set_password_policy",
        summary: "Raise the account's IAM password policy to at least the given strength, keeping stronger settings",
        parameters: [
            ParameterSpec("minimum_length", .integer, required: false, default: 14, summary: "minimum length"),
            ParameterSpec(
                "require_character_classes",
                .boolean,
                required: false,
                default: true,
                summary: "require upper- and lowercase letters, numbers and symbols"
            ),
            ParameterSpec("max_age_days", .integer, required: false, default: 90, summary: "days before expiry"),
            ParameterSpec(
                "reuse_prevention",
                .integer,
                required: false,
                default: 24,
                summary: "previous passwords that cannot be reused"
            ),
        ],
        outputs: [OutputSpec("previous_policy", .any, nullable: true, summary: "the policy before (null: none)")],
        permissions: [
            "iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy",
        ],
        isMutating: true,
        isReversible: true
    )
}
