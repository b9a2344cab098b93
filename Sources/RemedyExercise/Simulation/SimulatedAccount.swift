// Over 400 lines: the simulated account's router and state, which every service's extension shares.
import Foundation
import RemedyAWS
import RemedyCore

/// An AWS account in memory, answering the wire requests remedy's real service clients send.
///
/// The exercise puts ``SimulatedTransport`` under the real `AWSClient`s, so actions run unchanged: their requests
/// are signed and encoded as for AWS, decoded here, applied to ``AccountState``, and answered in the shapes the
/// botocore models define. What a real account would refuse is refused the same way, with AWS's error codes:
/// missing resources (`InvalidInstanceID.NotFound`, `NoSuchEntity`, `NoSuchBucket`), wrong state
/// (`IncorrectInstanceState`), a permission the responder role lacks (`UnauthorizedOperation`, `AccessDenied`). An
/// operation the simulation does not implement is refused with `UnsupportedOperation`, naming it, never answered
/// with a made-up success.
public actor SimulatedAccount {
    /// One API call the account answered: for the report's per-step calls and the timeline.
    public struct Call: Sendable, Hashable {
        public var at: Date
        public var runID: String?
        public var stepID: String?
        public var service: String
        public var operation: String
        /// The resources or key parameters the call named, for people reading the report.
        public var target: String
        public var isMutating: Bool
        /// nil when it succeeded; the AWS error code otherwise.
        public var errorCode: String?
        public var errorMessage: String?
    }

    /// A message sent through `notify.slack` or `sns.publish`: recorded, not delivered.
    public struct Notification: Sendable, Hashable {
        public var at: Date
        /// `slack` or `sns`.
        public var channel: String
        public var destination: String
        public var message: String
    }

    /// Who signed a request.
    struct Caller {
        var arn: String
        /// The assumed role, whose missing permissions are refused; nil for the exercise's own identity.
        var role: String?
    }

    public internal(set) var state: AccountState
    public internal(set) var calls: [Call] = []
    public internal(set) var notifications: [Notification] = []
    let clock: ExerciseClock
    /// The exercise's own access key: the identity that assumes the responder role, like the runner's.
    public nonisolated let baseAccessKeyID: String
    /// The account's region, where the exercise's clients point.
    public nonisolated let region: String
    var sessions: [String: (role: String, session: String)] = [:]
    var requestSerial = 0
    var watches: [Watch] = []

    /// A condition on the account whose first moment of truth the report needs (an expectation's "within 10m").
    struct Watch {
        var predicate: @Sendable (AccountState) -> Bool
        var firstTrue: Date?
    }

    public init(state: AccountState, clock: ExerciseClock, baseAccessKeyID: String = "AKIAEXERCISE00000001") {
        self.state = state
        self.clock = clock
        self.baseAccessKeyID = baseAccessKeyID
        region = state.region
    }

    /// The ARN the exercise acts as before assuming a playbook's target role.
    public var baseIdentity: String { "arn:\(state.partition):iam::\(state.accountID):user/remedy-exercise" }

    /// Adds a finding to GuardDuty or Security Hub, as the service would hold it once it reported it.
    public func record(finding: Finding) {
        switch finding.source {
        case .guardduty:
            var document = finding.raw
            if case .object(var members) = document, members["detail"] != nil, let detail = members["detail"] {
                document = detail
                members = [:]
            }
            state.guardDutyFindings[finding.id] = .init(id: finding.id, document: document, archived: false)
        case .securityhub:
            state.securityHubFindings[finding.id] = .init(
                id: finding.id,
                productARN: finding.productARN ?? "",
                document: finding.raw,
                workflowStatus: finding.workflowStatus ?? "NEW",
                reportedStatus: finding.workflowStatus ?? "NEW",
                notes: []
            )
        default:
            break
        }
    }

    /// Starts watching `predicate`; returns the watch's index for ``firstTrue(of:)``.
    func watch(_ predicate: @escaping @Sendable (AccountState) -> Bool) -> Int {
        watches.append(Watch(predicate: predicate, firstTrue: predicate(state) ? clock.now : nil))
        return watches.count - 1
    }

    func firstTrue(of watch: Int) -> Date? { watches[watch].firstTrue }

    // MARK: Answering

    /// Lowercase hexadecimal, zero-padded to `width`: `String(format:)` went through Foundation for every request.
    static func hex(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    func handle(_ request: HTTPRequestData) -> HTTPResponseData {
        let wire: WireRequest
        do {
            wire = try WireRequest(request)
        } catch {
            let body = XML.node("Error", [XML.leaf("Code", "InvalidURL"), XML.leaf("Message", "\(error)")])
            return HTTPResponseData(status: 400, body: Array(body.utf8))
        }
        requestSerial += 1
        let requestID =
            "e5e0" + Self.hex(requestSerial & 0xffff, width: 4) + "-0000-4000-8000-"
            + Self.hex(requestSerial, width: 12)
        if wire.host == "hooks.slack.com" { return slack(wire) }
        guard let service = wire.signingService, let key = wire.accessKeyID else {
            return HTTPResponseData(
                status: 403,
                body: Array("<Error><Code>MissingAuthenticationToken</Code></Error>".utf8)
            )
        }
        let caller: Caller
        if key == baseAccessKeyID {
            caller = Caller(arn: baseIdentity, role: nil)
        } else if let session = sessions[key] {
            caller = Caller(
                arn: "arn:\(state.partition):sts::\(state.accountID):assumed-role/\(session.role)/\(session.session)",
                role: session.role
            )
        } else {
            return error(
                protocolOf(service, wire),
                AWSFault(403, "InvalidClientTokenId", "The security token included in the request is invalid."),
                requestID: requestID
            )
        }
        let wireProtocol = protocolOf(service, wire)
        let (operation, target, outcome) = route(service, wire, caller)
        let isMutating = Self.isMutating(operation)
        var call = Call(
            at: clock.now,
            runID: CallAttribution.current?.runID,
            stepID: CallAttribution.current?.stepID,
            service: service == "s3" && wire.host.contains("s3-control") ? "s3control" : service,
            operation: operation,
            target: target,
            isMutating: isMutating
        )
        switch outcome {
        case .success(let body):
            calls.append(call)
            if isMutating { observe() }
            return success(wireProtocol, operation: operation, body: body, requestID: requestID)
        case .failure(let fault):
            call.errorCode = fault.code
            call.errorMessage = fault.message
            calls.append(call)
            return error(wireProtocol, fault, requestID: requestID)
        }
    }

    /// Re-evaluates the watches after a change.
    private func observe() {
        let now = clock.now
        for index in watches.indices where watches[index].firstTrue == nil && watches[index].predicate(state) {
            watches[index].firstTrue = now
        }
    }

    enum WireProtocol {
        case ec2
        case query(namespace: String)
        case restXML
        case json
    }

    enum Body {
        /// The operation's result members (XML), wrapped by the protocol.
        case xml(String)
        /// A whole XML document (S3).
        case document(String)
        case json(JSONValue)
        case raw([UInt8], contentType: String)
    }

    private func protocolOf(_ service: String, _ wire: WireRequest) -> WireProtocol {
        switch service {
        case "ec2": .ec2
        case "iam": .query(namespace: "https://iam.amazonaws.com/doc/2010-05-08/")
        case "sts": .query(namespace: "https://sts.amazonaws.com/doc/2011-06-15/")
        case "autoscaling": .query(namespace: "http://autoscaling.amazonaws.com/doc/2011-01-01/")
        case "elasticloadbalancing": .query(namespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/")
        case "sns": .query(namespace: "http://sns.amazonaws.com/doc/2010-03-31/")
        case "s3": .restXML
        default: .json
        }
    }

    /// Finds the operation and performs it: (operation name, what it named, outcome).
    private func route(
        _ service: String,
        _ wire: WireRequest,
        _ caller: Caller
    ) -> (String, String, Result<Body, AWSFault>) {
        switch service {
        case "ec2", "iam", "sts", "autoscaling", "elasticloadbalancing", "sns":
            let form = FormInput(WireRequest.formPairs(wire.body))
            let operation = form["Action"] ?? "(no Action)"
            let target = Self.target(of: form)
            let outcome = Result<Body, AWSFault> { () throws(AWSFault) -> Body in
                try authorize(caller, service: service, operation: operation, form: form)
                switch service {
                case "ec2": return .xml(try ec2(operation, form))
                case "iam": return .xml(try iam(operation, form))
                case "sts": return .xml(try sts(operation, form, caller))
                case "autoscaling": return .xml(try autoScaling(operation, form))
                case "elasticloadbalancing": return .xml(try elasticLoadBalancing(operation, form))
                default: return .xml(try sns(operation, form))
                }
            }
            return (operation, target, outcome)
        case "s3":
            if wire.host.contains("s3-control") { return s3Control(wire, caller) }
            return s3(wire, caller)
        case "guardduty", "securityhub":
            return restJSON(service, wire, caller)
        default:
            let operation = wire.header("X-Amz-Target")?.split(separator: ".").last.map(String.init) ?? wire.path
            let document = (try? JSONParser().parse(wire.body)) ?? [:]
            let outcome = Result<Body, AWSFault> { () throws(AWSFault) -> Body in
                try authorize(caller, service: service, operation: operation, form: nil)
                return .json(try jsonService(service, operation, document))
            }
            return (operation, document["Name"]?.stringValue ?? "", outcome)
        }
    }

    // MARK: Permissions

    /// The IAM action a call needs, as the service's authorization checks it.
    static func permission(service: String, operation: String) -> String {
        let renamed: [String: String] = [
            "GetPublicAccessBlock": "GetBucketPublicAccessBlock", "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
            "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
        ]
        return "\(service):\(renamed[operation] ?? operation)"
    }

    func authorize(_ caller: Caller, service: String, operation: String, form: FormInput?) throws(AWSFault) {
        guard let roleName = caller.role else { return }
        let action = Self.permission(service: service, operation: operation)
        guard let role = state.roles[roleName], role.missingPermissions.contains(action) else {
            if form?["DryRun"] == "true" {
                throw AWSFault(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
            }
            return
        }
        let message = "User: \(caller.arn) is not authorized to perform: \(action)"
        switch service {
        case "ec2":
            throw AWSFault(403, "UnauthorizedOperation", "You are not authorized to perform this operation. \(message)")
        default:
            throw AWSFault(403, "AccessDenied", message)
        }
    }

    // MARK: Responses

    private func success(
        _ wireProtocol: WireProtocol,
        operation: String,
        body: Body,
        requestID: String
    )
        -> HTTPResponseData
    {
        let headers: [(name: String, value: String)] = [
            ("x-amzn-RequestId", requestID), ("x-amz-request-id", requestID),
        ]
        switch (wireProtocol, body) {
        case (.ec2, .xml(let members)):
            let xml =
                "<\(operation)Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>\(requestID)"
                + "</requestId>\(members)</\(operation)Response>"
            return HTTPResponseData(status: 200, headers: headers, body: Array(xml.utf8))
        case (.query(let namespace), .xml(let members)):
            let xml =
                "<\(operation)Response xmlns=\"\(namespace)\"><\(operation)Result>\(members)</\(operation)Result>"
                + "<ResponseMetadata><RequestId>\(requestID)</RequestId></ResponseMetadata></\(operation)Response>"
            return HTTPResponseData(status: 200, headers: headers, body: Array(xml.utf8))
        case (_, .document(let xml)):
            return HTTPResponseData(status: 200, headers: headers, body: Array(xml.utf8))
        case (_, .json(let value)):
            return HTTPResponseData(
                status: 200,
                headers: headers + [("Content-Type", "application/json")],
                body: Array(value.jsonText().utf8)
            )
        case (_, .raw(let bytes, let contentType)):
            return HTTPResponseData(
                status: bytes.isEmpty ? 204 : 200,
                headers: headers + [("Content-Type", contentType)],
                body: bytes
            )
        case (_, .xml(let members)):
            return HTTPResponseData(status: 200, headers: headers, body: Array(members.utf8))
        }
    }

    private func error(_ wireProtocol: WireProtocol, _ fault: AWSFault, requestID: String) -> HTTPResponseData {
        let body: String
        var headers: [(name: String, value: String)] = [("x-amzn-RequestId", requestID)]
        switch wireProtocol {
        case .ec2:
            body =
                "<Response><Errors><Error>\(XML.leaf("Code", fault.code))\(XML.leaf("Message", fault.message))"
                + "</Error></Errors><RequestID>\(requestID)</RequestID></Response>"
        case .query:
            body =
                "<ErrorResponse><Error><Type>Sender</Type>\(XML.leaf("Code", fault.code))"
                + "\(XML.leaf("Message", fault.message))</Error><RequestId>\(requestID)</RequestId></ErrorResponse>"
        case .restXML:
            body =
                "<Error>\(XML.leaf("Code", fault.code))\(XML.leaf("Message", fault.message))"
                + "<RequestId>\(requestID)</RequestId></Error>"
        case .json:
            headers.append(("x-amzn-ErrorType", fault.code))
            body = JSONValue.object(["__type": .string(fault.code), "message": .string(fault.message)]).jsonText()
        }
        return HTTPResponseData(status: fault.status, headers: headers, body: Array(body.utf8))
    }

    // MARK: Slack

    private func slack(_ wire: WireRequest) -> HTTPResponseData {
        let document = try? JSONParser().parse(wire.body)
        let text = document?["text"]?.stringValue ?? ""
        let channel = wire.path.split(separator: "/").last.map(String.init) ?? "default"
        notifications.append(Notification(at: clock.now, channel: "slack", destination: channel, message: text))
        calls.append(
            Call(
                at: clock.now,
                runID: CallAttribution.current?.runID,
                stepID: CallAttribution.current?.stepID,
                service: "slack",
                operation: "PostMessage",
                target: "#\(channel)",
                isMutating: true
            )
        )
        return HTTPResponseData(status: 200, body: Array("ok".utf8))
    }

    // MARK: Describing calls

    static func isMutating(_ operation: String) -> Bool {
        !["Describe", "Get", "List"].contains { operation.hasPrefix($0) } && operation != "AssumeRole"
    }

    /// The identifiers a form request names, for the report.
    static func target(of form: FormInput) -> String {
        let keys = [
            "InstanceId", "InstanceId.1", "InstanceIds.member.1", "InstanceSpecification.InstanceId", "GroupId",
            "ResourceId.1", "SnapshotId", "ImageId", "AssociationId", "UserName", "RoleName", "AccessKeyId",
            "PolicyName", "TargetGroupArn", "TopicArn", "RoleArn", "GroupName", "NetworkInterfaceId",
            "InstanceProfileName", "AutoScalingGroupName",
        ]
        var parts: [String] = []
        for key in keys {
            if let value = form[key], !value.isEmpty { parts.append(value) }
        }
        if let status = form["Status"] { parts.append("→ \(status)") }
        if let groups = Optional(form.list("GroupId")), !groups.isEmpty {
            parts.append("groups \(groups.joined(separator: ","))")
        }
        return parts.joined(separator: " ")
    }
}

/// The run and step an action call belongs to, set by the exercise's invoker so the account can attribute calls.
struct CallAttribution: Sendable {
    var runID: String
    var stepID: String

    @TaskLocal static var current: CallAttribution?
}

/// The simulated account behind remedy's real AWS clients: an `HTTPTransport` that never reaches a network.
public struct SimulatedTransport: HTTPTransport {
    public let account: SimulatedAccount

    public init(account: SimulatedAccount) {
        self.account = account
    }

    public func send(_ request: HTTPRequestData, timeout: Duration) async throws(TransportError) -> HTTPResponseData {
        await account.handle(request)
    }
}
