import Foundation
import RemedyCore

/// A tabletop exercise: a simulated account, findings injected at time offsets, how the approvers behave, and what
/// the team expects to be true afterwards.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    /// The scenario file, for messages.
    public var file: String
    /// The virtual date the exercise starts at.
    public var start: Date
    /// The playbooks directory, resolved against the scenario file; nil means the caller's default.
    public var playbooks: String?
    /// The account as it is when the exercise starts.
    public var account: AccountState
    public var approvers: [SimulatedApprover]
    public var findings: [InjectedFinding]
    public var expectations: [Expectation]
    /// Slack channel names `notify.slack` may post to (recorded, never sent).
    public var slackChannels: [String]
}

/// A person at an approval gate, played by the exercise.
public struct SimulatedApprover: Sendable, Hashable {
    public enum Behaviour: Sendable, Hashable {
        case approve(after: Duration)
        case reject(after: Duration)
        /// Never answers: the gate expires and the run fails closed.
        case never
    }

    /// The principal the decision is recorded as: an IAM ARN or a local name.
    public var principal: String
    /// Approver group names (`incident-leads` is `group:incident-leads` in a playbook).
    public var groups: [String]
    public var behaviour: Behaviour
    public var location: SourceLocation
}

/// A finding the exercise delivers at a time offset: a fixture file or an inline document.
public struct InjectedFinding: Sendable, Hashable {
    public var at: Duration
    /// The finding as delivered (any shape `remedy run` accepts).
    public var document: JSONValue
    /// `Fixtures/findings/raw/x.json` or `inline`.
    public var origin: String
    public var location: SourceLocation
}

/// Something the team expects of the exercise's outcome, checked after the last event.
public struct Expectation: Sendable, Hashable {
    /// Which instances an expectation is about.
    public enum InstanceSelector: Sendable, Hashable {
        case id(String)
        case tag(key: String, value: String)
        /// Every instance in the account.
        case all
    }

    public enum Check: Sendable, Hashable {
        case isolated(InstanceSelector, within: Duration?)
        case notIsolated(InstanceSelector)
        case stopped(InstanceSelector)
        case keyInactive(String, within: Duration?)
        case noConsoleAccess(user: String, within: Duration?)
        case bucketNotPublic(String, within: Duration?)
        case snapshotPrivate(String, within: Duration?)
        case noFindingUnmatched
        case noStepFailed
        /// The runs of a finding ended with this status (`succeeded`, `failed`, `parked`).
        case runStatus(finding: String, status: String)
        /// A notification went out (to a Slack channel or SNS topic when named).
        case notified(destination: String?)
    }

    /// As written in the scenario.
    public var text: String
    public var check: Check
    public var location: SourceLocation
}
