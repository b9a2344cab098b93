import RemedyCore

/// `securityhub.update_finding`: the workflow status and a note, so humans and redeliveries see what happened.
public struct UpdateSecurityHubFinding: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "securityhub.update_finding",
        summary: "Set a Security Hub finding's workflow status and add a note",
        parameters: [
            ParameterSpec(
                "status",
                .oneOf(["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"]),
                summary: "the new workflow status"
            ),
            ParameterSpec("note", .string, required: false, summary: "note text (up to 512 characters)"),
        ],
        permissions: ["securityhub:BatchUpdateFindings", "securityhub:GetFindings"],
        isMutating: true,
        testedAgainst: .botocoreStub(because: "moto lacks Security Hub BatchUpdateFindings")
    )
}

/// `guardduty.archive_finding`.
public struct ArchiveGuardDutyFinding: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "guardduty.archive_finding",
        summary: "Archive the GuardDuty finding that started the run",
        permissions: [
            "guardduty:ListDetectors", "guardduty:GetFindings", "guardduty:ArchiveFindings",
            "guardduty:UnarchiveFindings",
        ],
        isMutating: true,
        isReversible: true,
        testedAgainst: .botocoreStub(because: "moto lacks GuardDuty GetFindings and ArchiveFindings")
    )
}

/// `notify.slack`: a message to a Slack incoming webhook named in the config.
public struct NotifySlack: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "notify.slack",
        summary: "Post a message to a Slack incoming webhook configured under notifications",
        parameters: [
            ParameterSpec(
                "channel",
                .string,
                default: "default",
                summary: "the notification channel name in the config"
            ),
            ParameterSpec("message", .string, summary: "the message"),
        ],
        isMutating: false,
        testedAgainst: .withoutAWS("tested against a loopback stub of Slack's incoming webhook")
    )
}

/// `sns.publish`.
public struct PublishToSNS: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "sns.publish",
        summary: "Publish a message to an SNS topic",
        parameters: [
            ParameterSpec("topic", .identifier(.topicARN), summary: "the topic ARN"),
            ParameterSpec("subject", .string, required: false, summary: "subject (up to 100 characters)"),
            ParameterSpec("message", .string, summary: "the message"),
        ],
        outputs: [OutputSpec("message_id", .string, summary: "the SNS message id")],
        permissions: ["sns:Publish"],
        isMutating: false
    )
}

/// `wait`: a pause, such as letting tracked connections drain.
public struct Wait: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "wait",
        summary: "Wait for a duration",
        parameters: [ParameterSpec("duration", .duration, summary: "how long, such as 30s or 5m")],
        isMutating: false,
        testedAgainst: .withoutAWS("tested on a virtual clock")
    )
}

/// `wait_for`: polls a read-only condition until it holds or the timeout passes.
public struct WaitFor: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: "wait_for",
        summary: "Poll a read-only condition (snapshots completed, instance stopped) until it holds",
        parameters: [
            ParameterSpec(
                "condition",
                .oneOf(["snapshots_completed", "instance_stopped", "access_key_inactive"]),
                summary: "the condition"
            ),
            ParameterSpec("resources", .list(.string), summary: "the resources it applies to"),
            ParameterSpec("timeout", .duration, default: "15m", summary: "give up (and fail the step) after this"),
            ParameterSpec("interval", .duration, default: "15s", summary: "time between polls"),
        ],
        permissions: [
            "ec2:DescribeSnapshots", "ec2:DescribeInstances", "iam:GetAccessKeyLastUsed", "iam:ListAccessKeys",
        ],
        isMutating: false
    )
}
