extension RunDefinition {
    /// The `run.created` members the journal's queries read (`json_extract(payload, '$.playbook')`): named once,
    /// for the coding below and for the SQL.
    public enum PayloadKey: String, Sendable {
        case playbook
        case mode
        case startedAt
        case resource
        case account
        case caseID = "case"
    }

    /// The `run.created` payload.
    public var payload: JSONValue {
        var members: [String: JSONValue] = [
            PayloadKey.playbook.rawValue: .string(playbook),
            "findingId": .string(findingID),
            "dedupeKey": .string(dedupeKey),
            "initiator": .string(initiator),
            PayloadKey.mode.rawValue: .string(mode.rawValue),
            PayloadKey.account.rawValue: .string(account),
            "region": .string(region),
            PayloadKey.resource.rawValue: .string(resource),
            "finding": finding,
            "inputs": .object(inputs),
            PayloadKey.startedAt.rawValue: .string(startedAt),
            "steps": .array(steps.map(\.payload)),
        ]
        members["targetRole"] = targetRole.map(JSONValue.string) ?? .null
        if let targetRoleProblem { members["targetRoleProblem"] = .string(targetRoleProblem) }
        if let caseID { members[PayloadKey.caseID.rawValue] = .string(caseID) }
        if let joinedRun { members["joinedRun"] = .string(joinedRun) }
        if let limits {
            members["limits"] = [
                "maxRunsPerHour": limits.maximumRunsPerHour.map { .number(Double($0)) } ?? .null,
                "maxConcurrentRuns": limits.maximumConcurrentRuns.map { .number(Double($0)) } ?? .null,
                "approvers": .array(limits.approvers.map(JSONValue.string)),
                "timeoutSeconds": .number(limits.timeout.seconds),
            ]
        }
        return .object(members)
    }

    /// Reads a definition back from its `run.created` record.
    public init(record: JournalRecord) throws(UnreadableEvent) {
        guard let runID = record.runID else { throw UnreadableEvent("run.created without a run id") }
        try self.init(runID: runID, payload: record.payload)
    }

    /// Reads a definition back from the payload of run `runID`'s `run.created`.
    public init(runID: String, payload value: JSONValue) throws(UnreadableEvent) {
        let payload = PayloadReader(value, what: "run.created of run \(runID)")
        guard let mode = ExecutionMode(rawValue: try payload.string(PayloadKey.mode.rawValue)) else {
            throw UnreadableEvent("run \(runID) has an unknown mode")
        }
        self.init(
            runID: runID,
            playbook: try payload.string(PayloadKey.playbook.rawValue),
            findingID: try payload.string("findingId"),
            dedupeKey: try payload.string("dedupeKey"),
            initiator: try payload.string("initiator"),
            mode: mode,
            account: try payload.string(PayloadKey.account.rawValue),
            region: try payload.string("region"),
            resource: try payload.string(PayloadKey.resource.rawValue),
            targetRole: payload.optionalString("targetRole"),
            targetRoleProblem: payload.optionalString("targetRoleProblem"),
            finding: payload.value("finding"),
            inputs: payload.value("inputs").objectValue ?? [:],
            startedAt: try payload.string(PayloadKey.startedAt.rawValue),
            steps: try payload.array("steps").map { (step) throws(UnreadableEvent) in try PlannedStep(payload: step) },
            limits: try payload.value("limits").objectValue.map { (members) throws(UnreadableEvent) in
                let reader = PayloadReader(.object(members), what: "limits of run \(runID)")
                return RunLimits(
                    maximumRunsPerHour: reader.value("maxRunsPerHour").integerValue,
                    maximumConcurrentRuns: reader.value("maxConcurrentRuns").integerValue,
                    approvers: try reader.array("approvers").compactMap(\.stringValue),
                    timeout: try reader.duration("timeoutSeconds")
                )
            },
            caseID: payload.optionalString(PayloadKey.caseID.rawValue),
            joinedRun: payload.optionalString("joinedRun")
        )
    }
}

extension PlannedStep {
    public var payload: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id),
            "gatedBy": .array(gatedBy.map(JSONValue.string)),
            "onFailure": .string(onFailure.rawValue),
        ]
        switch kind {
        case .action(let name, let parameters, let isMutating, let isReversible, let permissions):
            members["action"] = [
                "name": .string(name),
                "parameters": .object(parameters.mapValues(\.payload)),
                "mutating": .bool(isMutating),
                "reversible": .bool(isReversible),
                "permissions": .array(permissions.map(JSONValue.string)),
            ]
        case .approval(let gate):
            var approval: [String: JSONValue] = [
                "approvers": .array(gate.approvers.map(JSONValue.string)),
                "minApprovals": .number(Double(gate.minimumApprovals)),
                "timeoutSeconds": .number(gate.timeout.seconds),
                "message": gate.message?.payload ?? .null,
            ]
            // Absent for a gate each run passes on its own, as in runs journaled before campaigns existed.
            if let window = gate.scope.campaignWindow { approval["campaignWindowSeconds"] = .number(window.seconds) }
            members["approval"] = .object(approval)
        }
        switch disposition {
        case .will: members["disposition"] = ["kind": "will"]
        case .decidedAtRunTime(let condition):
            members["disposition"] = ["kind": "decidedAtRunTime", "condition": .string(condition)]
        case .skipped(let reason): members["disposition"] = ["kind": "skipped", "reason": .string(reason)]
        }
        if let retry {
            members["retry"] = [
                "attempts": .number(Double(retry.attempts)),
                "initialBackoffSeconds": .number(retry.initialBackoff.seconds),
                "backoffMultiplier": .number(retry.backoffMultiplier),
            ]
        }
        if let timeout { members["timeoutSeconds"] = .number(timeout.seconds) }
        return .object(members)
    }

    public init(payload value: JSONValue) throws(UnreadableEvent) {
        let payload = PayloadReader(value, what: "planned step")
        let id = try payload.string("id")
        let kind: Kind
        if let action = payload.value("action").objectValue {
            let reader = PayloadReader(.object(action), what: "step \(id) action")
            var parameters: [String: PlanValue] = [:]
            for (name, parameter) in reader.value("parameters").objectValue ?? [:] {
                parameters[name] = try PlanValue(payload: parameter)
            }
            kind = .action(
                name: try reader.string("name"),
                parameters: parameters,
                isMutating: reader.value("mutating").boolValue ?? true,
                isReversible: reader.value("reversible").boolValue ?? false,
                permissions: (reader.value("permissions").arrayValue ?? []).compactMap(\.stringValue)
            )
        } else if let approval = payload.value("approval").objectValue {
            let reader = PayloadReader(.object(approval), what: "step \(id) approval")
            let message = reader.value("message")
            kind = .approval(
                PlannedGate(
                    approvers: try reader.array("approvers").compactMap(\.stringValue),
                    minimumApprovals: try reader.integer("minApprovals"),
                    timeout: try reader.duration("timeoutSeconds"),
                    message: message.isNull ? nil : try PlanValue(payload: message),
                    scope: reader.value("campaignWindowSeconds").isNull
                        ? .run : .campaign(window: try reader.duration("campaignWindowSeconds"))
                )
            )
        } else {
            throw UnreadableEvent("step \(id) is neither an action nor an approval")
        }
        let disposition: Disposition
        let dispositionReader = PayloadReader(payload.value("disposition"), what: "step \(id) disposition")
        switch try dispositionReader.string("kind") {
        case "will": disposition = .will
        case "decidedAtRunTime": disposition = .decidedAtRunTime(condition: try dispositionReader.string("condition"))
        case "skipped": disposition = .skipped(reason: try dispositionReader.string("reason"))
        case let other: throw UnreadableEvent("step \(id) has an unknown disposition '\(other)'")
        }
        guard let onFailure = FailurePolicy(rawValue: try payload.string("onFailure")) else {
            throw UnreadableEvent("step \(id) has an unknown on_failure")
        }
        var retry: RetryPolicy?
        if let retryValue = payload.value("retry").objectValue {
            let reader = PayloadReader(.object(retryValue), what: "step \(id) retry")
            retry = RetryPolicy(
                attempts: try reader.integer("attempts"),
                initialBackoff: try reader.duration("initialBackoffSeconds"),
                backoffMultiplier: try reader.number("backoffMultiplier")
            )
        }
        self.init(
            id: id,
            kind: kind,
            disposition: disposition,
            gatedBy: (payload.value("gatedBy").arrayValue ?? []).compactMap(\.stringValue),
            onFailure: onFailure,
            retry: retry,
            timeout: payload.value("timeoutSeconds").isNull ? nil : try payload.duration("timeoutSeconds")
        )
    }
}

extension PlanValue {
    var payload: JSONValue {
        switch self {
        case .known(let value): ["known": value]
        case .deferred(let template, let waitingFor): ["deferred": template, "waitingFor": .string(waitingFor)]
        }
    }

    init(payload value: JSONValue) throws(UnreadableEvent) {
        if let known = value["known"] {
            self = .known(known)
        } else if let template = value["deferred"], let waitingFor = value["waitingFor"]?.stringValue {
            self = .deferred(template: template, waitingFor: waitingFor)
        } else {
            throw UnreadableEvent("a plan value is neither known nor deferred")
        }
    }
}
