import Foundation

/// An approver's answer.
public enum ApprovalVerdict: String, Sendable, Hashable, CaseIterable {
    case approve
    case deny
}

extension RunEvent {
    /// `approval.requested`: a gate opened, with its approvers resolved to principals and its expiry.
    public struct ApprovalRequested: Sendable, Hashable {
        public var gate: String
        /// The references as the playbook wrote them (`group:NAME`, ARNs).
        public var approvers: [String]
        /// The principal ARNs they resolved to when approval was requested: who may decide.
        public var principals: [String]
        public var minimumApprovals: Int
        public var timeout: Duration?
        /// Nil in records journaled before it was: the record's own time stands in.
        public var requestedAt: String?
        public var expiresAt: String
        public var message: String?
        /// For a campaign gate, how far one decision reaches (`ApprovalScope.campaign`).
        public var campaignWindow: Duration?

        public init(
            gate: String,
            approvers: [String],
            principals: [String],
            minimumApprovals: Int,
            timeout: Duration,
            requestedAt: String,
            expiresAt: String,
            message: String?,
            campaignWindow: Duration?
        ) {
            self.gate = gate
            self.approvers = approvers
            self.principals = principals
            self.minimumApprovals = minimumApprovals
            self.timeout = timeout
            self.requestedAt = requestedAt
            self.expiresAt = expiresAt
            self.message = message
            self.campaignWindow = campaignWindow
        }

        var payload: JSONValue {
            var members: [String: JSONValue] = [
                "gate": .string(gate),
                "approvers": .array(approvers.map(JSONValue.string)),
                "principals": .array(principals.map(JSONValue.string)),
                "minApprovals": .number(Double(minimumApprovals)),
                "expiresAt": .string(expiresAt),
                "message": message.map(JSONValue.string) ?? .null,
            ]
            if let timeout { members["timeoutSeconds"] = .number(timeout.seconds) }
            if let requestedAt { members["requestedAt"] = .string(requestedAt) }
            if let campaignWindow { members["campaignWindowSeconds"] = .number(campaignWindow.seconds) }
            return .object(members)
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            gate = try payload.string("gate")
            approvers = payload.strings("approvers")
            principals = try payload.array("principals").compactMap(\.stringValue)
            minimumApprovals = try payload.integer("minApprovals")
            timeout = try payload.optionalDuration("timeoutSeconds")
            requestedAt = payload.optionalString("requestedAt")
            expiresAt = try payload.string("expiresAt")
            message = payload.optionalString("message")
            campaignWindow = try payload.optionalDuration("campaignWindowSeconds")
        }
    }

    /// `approval.granted` or `approval.denied` (the verdict is the record's kind).
    public struct ApprovalDecided: Sendable, Hashable {
        /// The members `RunJournal.campaignApprovals` queries: named once, for the coding below and for the SQL.
        public enum PayloadKey: String, Sendable {
            case gate
            case at
            case campaignPlaybook
        }

        public var gate: String
        /// Who decided, as the caller's identity named them (a role session's full ARN).
        public var principal: String
        /// Who that counts as (`ApproverIdentities`); nil in records journaled before it was.
        public var approver: String?
        public var comment: String?
        /// Where the decision came from: `cli`, `http`, `slack`; nil in records journaled before it was.
        public var channel: String?
        public var at: String
        /// The run a campaign decision was made on, when this run took it from there.
        public var campaignRun: String?
        /// On a campaign decision made on its own run: the playbook whose other runs take it.
        public var campaignPlaybook: String?

        public init(
            gate: String,
            principal: String,
            approver: String,
            comment: String?,
            channel: String,
            at: String,
            campaignRun: String? = nil,
            campaignPlaybook: String? = nil
        ) {
            self.gate = gate
            self.principal = principal
            self.approver = approver
            self.comment = comment
            self.channel = channel
            self.at = at
            self.campaignRun = campaignRun
            self.campaignPlaybook = campaignPlaybook
        }

        var payloadMembers: [String: JSONValue] {
            var members: [String: JSONValue] = [
                PayloadKey.gate.rawValue: .string(gate), "principal": .string(principal),
                "comment": comment.map(JSONValue.string) ?? .null, PayloadKey.at.rawValue: .string(at),
            ]
            if let approver { members["approver"] = .string(approver) }
            if let channel { members["channel"] = .string(channel) }
            if let campaignRun { members["campaignRun"] = .string(campaignRun) }
            if let campaignPlaybook { members[PayloadKey.campaignPlaybook.rawValue] = .string(campaignPlaybook) }
            return members
        }

        var payload: JSONValue { .object(payloadMembers) }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            gate = try payload.string(PayloadKey.gate.rawValue)
            principal = try payload.string("principal")
            approver = payload.optionalString("approver")
            comment = payload.optionalString("comment")
            channel = payload.optionalString("channel")
            at = try payload.string(PayloadKey.at.rawValue)
            campaignRun = payload.optionalString("campaignRun")
            campaignPlaybook = payload.optionalString(PayloadKey.campaignPlaybook.rawValue)
        }
    }

    /// `approval.expired`: the gate's time ran out unanswered; it fails closed.
    public struct ApprovalExpired: Sendable, Hashable {
        public var gate: String
        public var at: String?

        public init(gate: String, at: String) {
            self.gate = gate
            self.at = at
        }

        var payload: JSONValue { ["gate": .string(gate), "at": at.map(JSONValue.string) ?? .null] }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            gate = try payload.string("gate")
            at = payload.optionalString("at")
        }
    }

    /// `approval.refused`: a decision the run's rules turned away, kept for the audit; it changes nothing.
    public struct ApprovalRefused: Sendable, Hashable {
        /// The decision as it was attempted.
        public var decision: ApprovalDecided
        /// Nil in records journaled before it was.
        public var verdict: ApprovalVerdict?
        public var reason: String

        public init(decision: ApprovalDecided, verdict: ApprovalVerdict, reason: String) {
            self.decision = decision
            self.verdict = verdict
            self.reason = reason
        }

        var payload: JSONValue {
            var members = decision.payloadMembers
            members["decision"] = verdict.map { .string($0.rawValue) } ?? .null
            members["reason"] = .string(reason)
            return .object(members)
        }

        init(_ payload: PayloadReader) throws(UnreadableEvent) {
            decision = try ApprovalDecided(payload)
            verdict = payload.optionalString("decision").flatMap(ApprovalVerdict.init(rawValue:))
            reason = payload.optionalString("reason") ?? ""
        }
    }
}
