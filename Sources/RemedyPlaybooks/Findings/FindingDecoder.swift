import RemedyCore

/// Turns what a findings feed sends into normalised `Finding`s.
///
/// Accepts EventBridge events (GuardDuty, Security Hub imported, custom-action and OCSF, Config compliance changes),
/// SNS notifications carrying any of those, Lambda records from SNS or SQS and SQS messages carrying them, ASFF
/// batches, GuardDuty `GetFindings` output in the API's camelCase or the CLI's PascalCase, and single raw findings.
/// The account and region every target needs are checked here; a resource identifier's format is checked where a
/// playbook uses it (`FindingFields.resourceID`).
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
        let findings = try decode(document, in: Envelope())
        guard !findings.isEmpty else { throw FindingInputError(.unknownShape, "the input holds no findings") }
        try checkCount(findings.count)
        return findings
    }

    private func checkCount(_ count: Int, what: String = "input") throws(FindingInputError) {
        guard count <= maximumFindings else {
            throw FindingInputError(
                .unknownShape,
                "the \(what) holds \(count) findings, over the limit of \(maximumFindings) per input"
            )
        }
    }

    /// What a document was found inside: how deep, whether in an SNS notification, and the outer envelope's time
    /// (the fallback for a finding with no times of its own).
    private struct Envelope {
        var depth = 0
        var insideSNS = false
        var time: String?

        /// Envelopes nest at most this deep: a Lambda record holding an SQS body holding an SNS notification
        /// holding an EventBridge event.
        static let maximumDepth = 3

        func entering(snsNotification: Bool = false, time: String?) throws(FindingInputError) -> Envelope {
            guard depth < Self.maximumDepth else {
                throw FindingInputError(.unknownShape, "envelopes nest more than \(Self.maximumDepth) deep")
            }
            return Envelope(depth: depth + 1, insideSNS: insideSNS || snsNotification, time: time ?? self.time)
        }
    }

    private static let expectedShapes =
        "expected an EventBridge event (GuardDuty Finding, Security Hub Findings - Imported, - Custom Action or "
        + "Findings Imported V2, Config Rules Compliance Change), an SNS notification carrying one, Lambda records "
        + "from SNS or SQS, SQS messages ({\"Messages\": [...]}), {\"Findings\": [...]} (ASFF batch or GuardDuty "
        + "GetFindings), or a single GuardDuty or ASFF finding"

    private func decode(_ document: JSONValue, in envelope: Envelope) throws(FindingInputError) -> [Finding] {
        guard case .object(let members) = document else {
            throw FindingInputError(
                .unknownShape,
                "unrecognized input: a JSON \(document.kindName); \(Self.expectedShapes)"
            )
        }
        if let type = members["Type"]?.stringValue, members["TopicArn"] != nil {
            return try decodeSNS(type: type, members, in: envelope)
        }
        if let detailType = members["detail-type"]?.stringValue {
            return try decodeEventBridge(detailType: detailType, document, in: envelope)
        }
        if case .array(let records)? = members["Records"] {
            return try decodeEach(records, named: "Records", in: envelope, body: Self.lambdaRecordBody)
        }
        if case .array(let messages)? = members["Messages"] {
            return try decodeEach(messages, named: "Messages", in: envelope) { message in
                message["Body"]?.stringValue.map { ($0, nil) }
            }
        }
        if let list = members["Findings"] ?? members["findings"] {
            guard case .array(let entries) = list else {
                throw FindingInputError(.unknownShape, "\"Findings\" must be a list of findings")
            }
            try checkCount(entries.count)
            var findings: [Finding] = []
            for (index, entry) in entries.enumerated() {
                do {
                    findings += try decodeSingle(entry, in: envelope)
                } catch {
                    throw FindingInputError(error.kind, "Findings[\(index)]: \(error.message)")
                }
            }
            return findings
        }
        return try decodeSingle(document, in: envelope)
    }

    /// The message text of a Lambda event record and its time: an SNS record's `Sns.Message`, an SQS record's
    /// `body` (an EventBridge event, an SNS notification, or SNS raw delivery).
    private static func lambdaRecordBody(_ record: JSONValue) -> (text: String, time: String?)? {
        if record["EventSource"]?.stringValue == "aws:sns", let sns = record["Sns"] {
            return sns["Message"]?.stringValue.map { ($0, sns["Timestamp"]?.stringValue) }
        }
        if record["eventSource"]?.stringValue == "aws:sqs" { return record["body"]?.stringValue.map { ($0, nil) } }
        return nil
    }

    /// Decodes each message of a Lambda event or an SQS receive, in order, as a whole input; all or nothing.
    private func decodeEach(
        _ entries: [JSONValue],
        named name: String,
        in envelope: Envelope,
        body: (JSONValue) -> (text: String, time: String?)?
    ) throws(FindingInputError) -> [Finding] {
        try checkCount(entries.count, what: "\(name) list")
        var findings: [Finding] = []
        for (index, entry) in entries.enumerated() {
            guard let (text, time) = body(entry) else {
                throw FindingInputError(
                    .unknownShape,
                    "\(name)[\(index)] is not an SNS or SQS message remedy reads (no Sns.Message, body or Body)"
                )
            }
            do {
                let inner = try parseEmbedded(text, what: "\(name)[\(index)] message")
                findings += try decode(inner, in: try envelope.entering(time: time))
            } catch {
                throw FindingInputError(error.kind, "\(name)[\(index)]: \(error.message)")
            }
            try checkCount(findings.count)
        }
        return findings
    }

    private func parseEmbedded(_ text: String, what: String) throws(FindingInputError) -> JSONValue {
        do {
            return try JSONParser(limits: limits).parse(text)
        } catch {
            throw FindingInputError(.invalidJSON, "\(what) is not valid JSON: \(error.description)")
        }
    }

    private func decodeSingle(_ document: JSONValue, in envelope: Envelope) throws(FindingInputError) -> [Finding] {
        if ASFFFinding.looksLikeASFF(document) {
            return [try ASFFFinding.normalise(document, envelopeTime: envelope.time)]
        }
        if GuardDutyFinding.looksLikeGuardDuty(document) {
            return try GuardDutyFinding.normaliseAll(document, envelopeTime: envelope.time)
        }
        throw FindingInputError(
            .unknownShape,
            "unrecognized input: not a finding shape remedy knows; \(Self.expectedShapes)"
        )
    }

    private func decodeSNS(
        type: String,
        _ members: [String: JSONValue],
        in envelope: Envelope
    ) throws(FindingInputError)
        -> [Finding]
    {
        switch type {
        case "Notification":
            guard !envelope.insideSNS else {
                throw FindingInputError(.unknownShape, "an SNS notification inside another is not supported")
            }
            guard let message = members["Message"]?.stringValue else {
                throw FindingInputError(.unknownShape, "SNS notification has no \"Message\" string")
            }
            let inner = try parseEmbedded(message, what: "SNS Message")
            return try decode(
                inner,
                in: try envelope.entering(snsNotification: true, time: members["Timestamp"]?.stringValue)
            )
        case "SubscriptionConfirmation", "UnsubscribeConfirmation":
            throw FindingInputError(
                .notAFinding,
                "SNS \(type) message is not a finding; subscriptions are confirmed by remedy serve for allowed topics"
            )
        default:
            throw FindingInputError(.unknownShape, "SNS message type '\(type)' is not a notification")
        }
    }

    private func decodeEventBridge(
        detailType: String,
        _ event: JSONValue,
        in envelope: Envelope
    ) throws(FindingInputError) -> [Finding] {
        let detail = event["detail"] ?? .null
        let time = event["time"]?.stringValue ?? envelope.time
        switch detailType {
        case "GuardDuty Finding":
            do {
                return try GuardDutyFinding.normaliseAll(detail, envelopeTime: time)
            } catch {
                throw FindingInputError(error.kind, "detail: \(error.message)")
            }
        case "Security Hub Findings - Imported", "Security Hub Findings - Custom Action", "Findings Imported V2":
            guard case .array(let entries)? = detail["findings"] else {
                throw FindingInputError(.invalidFinding, "\(detailType) event has no detail.findings list")
            }
            try checkCount(entries.count, what: "event")
            var findings: [Finding] = []
            for (index, entry) in entries.enumerated() {
                do {
                    findings.append(
                        detailType == "Findings Imported V2"
                            ? try OCSFFinding.normalise(entry, envelopeTime: time)
                            : try ASFFFinding.normalise(entry, envelopeTime: time)
                    )
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
                    + "Findings - Imported, - Custom Action or Findings Imported V2, or Config Rules Compliance Change"
            )
        }
    }
}
