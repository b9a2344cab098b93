import RemedyCore

/// Turns what a findings feed sends into normalised `Finding`s.
///
/// Accepts EventBridge events (GuardDuty, Security Hub imported and custom-action, Config compliance changes), SNS
/// notifications carrying any of those, ASFF batches, GuardDuty `GetFindings` output in the API's camelCase or the
/// CLI's PascalCase, and single raw findings. Every identifier that could reach an API call is checked here.
public struct FindingDecoder: Sendable {
    public var limits: JSONParser.Limits
    /// Most findings accepted from one input.
    public var maximumFindings: Int

    public init(limits: JSONParser.Limits = .findings, maximumFindings: Int = 100) {
        self.limits = limits
        self.maximumFindings = maximumFindings
    }

    /// Decodes every finding in `bytes`.
    ///
    /// Either all of them are valid or the input is refused with the first problem, naming the entry, so nothing is
    /// half-accepted.
    public func decode(_ bytes: some Collection<UInt8>) throws(FindingInputError) -> [Finding] {
        let document: JSONValue
        do {
            document = try JSONParser(limits: limits).parse(bytes)
        } catch {
            throw FindingInputError(.invalidJSON, error.description)
        }
        return try decode(document)
    }

    /// Decodes an already parsed document.
    public func decode(_ document: JSONValue) throws(FindingInputError) -> [Finding] {
        let findings = try decode(document, envelopeDepth: 0)
        guard !findings.isEmpty else { throw FindingInputError(.unknownShape, "the input holds no findings") }
        guard findings.count <= maximumFindings else {
            throw FindingInputError(
                .unknownShape,
                "the input holds \(findings.count) findings, over the limit of \(maximumFindings) per input"
            )
        }
        return findings
    }

    private static let expectedShapes =
        "expected an EventBridge event (GuardDuty Finding, Security Hub Findings - Imported or - Custom Action, "
        + "Config Rules Compliance Change), an SNS notification carrying one, {\"Findings\": [...]} "
        + "(ASFF batch or GuardDuty GetFindings), or a single GuardDuty or ASFF finding"

    private func decode(_ document: JSONValue, envelopeDepth: Int) throws(FindingInputError) -> [Finding] {
        guard case .object(let members) = document else {
            throw FindingInputError(
                .unknownShape,
                "unrecognized input: a JSON \(document.kindName); \(Self.expectedShapes)"
            )
        }
        if let type = members["Type"]?.stringValue, members["TopicArn"] != nil {
            return try decodeSNS(type: type, members, envelopeDepth: envelopeDepth)
        }
        if let detailType = members["detail-type"]?.stringValue {
            return try decodeEventBridge(detailType: detailType, document)
        }
        if let list = members["Findings"] ?? members["findings"] {
            guard case .array(let entries) = list else {
                throw FindingInputError(.unknownShape, "\"Findings\" must be a list of findings")
            }
            guard entries.count <= maximumFindings else {
                throw FindingInputError(
                    .unknownShape,
                    "the input holds \(entries.count) findings, over the limit of \(maximumFindings) per input"
                )
            }
            var findings: [Finding] = []
            for (index, entry) in entries.enumerated() {
                do {
                    findings.append(try decodeSingle(entry))
                } catch {
                    throw FindingInputError(error.kind, "Findings[\(index)]: \(error.message)")
                }
            }
            return findings
        }
        return [try decodeSingle(document)]
    }

    private func decodeSingle(_ document: JSONValue) throws(FindingInputError) -> Finding {
        if ASFFFinding.looksLikeASFF(document) { return try ASFFFinding.normalise(document) }
        if GuardDutyFinding.looksLikeGuardDuty(document) { return try GuardDutyFinding.normalise(document) }
        throw FindingInputError(
            .unknownShape,
            "unrecognized input: not a finding shape remedy knows; \(Self.expectedShapes)"
        )
    }

    private func decodeSNS(
        type: String,
        _ members: [String: JSONValue],
        envelopeDepth: Int
    ) throws(FindingInputError)
        -> [Finding]
    {
        switch type {
        case "Notification":
            guard envelopeDepth == 0 else {
                throw FindingInputError(.unknownShape, "an SNS notification inside another is not supported")
            }
            guard let message = members["Message"]?.stringValue else {
                throw FindingInputError(.unknownShape, "SNS notification has no \"Message\" string")
            }
            let inner: JSONValue
            do {
                inner = try JSONParser(limits: limits).parse(message)
            } catch {
                throw FindingInputError(.invalidJSON, "SNS Message is not valid JSON: \(error.description)")
            }
            return try decode(inner, envelopeDepth: envelopeDepth + 1)
        case "SubscriptionConfirmation", "UnsubscribeConfirmation":
            throw FindingInputError(
                .notAFinding,
                "SNS \(type) message is not a finding; subscriptions are confirmed by remedy serve for allowed topics"
            )
        default:
            throw FindingInputError(.unknownShape, "SNS message type '\(type)' is not a notification")
        }
    }

    private func decodeEventBridge(detailType: String, _ event: JSONValue) throws(FindingInputError) -> [Finding] {
        let detail = event["detail"] ?? .null
        switch detailType {
        case "GuardDuty Finding":
            do {
                return [try GuardDutyFinding.normalise(detail)]
            } catch {
                throw FindingInputError(error.kind, "detail: \(error.message)")
            }
        case "Security Hub Findings - Imported", "Security Hub Findings - Custom Action":
            guard case .array(let entries)? = detail["findings"] else {
                throw FindingInputError(.invalidFinding, "\(detailType) event has no detail.findings list")
            }
            guard entries.count <= maximumFindings else {
                throw FindingInputError(
                    .unknownShape,
                    "the event holds \(entries.count) findings, over the limit of \(maximumFindings) per input"
                )
            }
            var findings: [Finding] = []
            for (index, entry) in entries.enumerated() {
                do {
                    findings.append(try ASFFFinding.normalise(entry))
                } catch {
                    throw FindingInputError(error.kind, "detail.findings[\(index)]: \(error.message)")
                }
            }
            return findings
        case "Config Rules Compliance Change":
            return [try ConfigComplianceChange.normalise(event)]
        default:
            throw FindingInputError(
                .notAFinding,
                "EventBridge event '\(detailType)' is not a finding event; expected GuardDuty Finding, Security Hub "
                    + "Findings - Imported or - Custom Action, or Config Rules Compliance Change"
            )
        }
    }
}
