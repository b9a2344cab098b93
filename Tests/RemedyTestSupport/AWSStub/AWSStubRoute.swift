import Foundation
import RemedyCore

/// One operation the stub answers: the model its requests are checked against, and the reply to a request that
/// conforms.
///
/// The static constructors give replies shaped like the real API's (member names and nesting from the AWS API
/// reference); ``init(_:respond:)`` takes any reply.
public struct AWSStubRoute: Sendable {
    public let checker: BotocoreShapeChecker
    public let respond: @Sendable (AWSStubRequest) -> LocalHTTPResponse

    /// A route for `Fixtures/botocore-shapes/<qualifiedName>.json`; a missing or unreadable file stops the test.
    public init(_ qualifiedName: String, respond: @escaping @Sendable (AWSStubRequest) -> LocalHTTPResponse) {
        do {
            checker = try BotocoreShapeChecker.named(qualifiedName)
        } catch {
            preconditionFailure("cannot load the botocore shape \(qualifiedName): \(error)")
        }
        self.respond = respond
    }
}

extension AWSStubRoute {
    /// Security Hub `BatchUpdateFindings`: every identifier sent is processed, except those in `unprocessedIDs`,
    /// which come back as `UnprocessedFindings` with `FindingNotFound`.
    public static func securityHubBatchUpdateFindings(unprocessedIDs: Set<String> = []) -> AWSStubRoute {
        AWSStubRoute("securityhub.BatchUpdateFindings") { request in
            let identifiers = request.json["FindingIdentifiers"]?.arrayValue ?? []
            let isUnprocessed = { (identifier: JSONValue) in
                unprocessedIDs.contains(identifier["Id"]?.stringValue ?? "")
            }
            let body: JSONValue = [
                "ProcessedFindings": .array(identifiers.filter { !isUnprocessed($0) }),
                "UnprocessedFindings": .array(
                    identifiers.filter(isUnprocessed).map {
                        ["FindingIdentifier": $0, "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"]
                    }
                ),
            ]
            return .json(body.jsonText())
        }
    }

    /// GuardDuty `GetFindings`: the findings among `findings` whose `id` was asked for; unknown ids are left out,
    /// as GuardDuty does.
    public static func guardDutyGetFindings(_ findings: [JSONValue]) -> AWSStubRoute {
        AWSStubRoute("guardduty.GetFindings") { request in
            let wanted = Set(request.json["findingIds"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let found = findings.filter { wanted.contains($0["id"]?.stringValue ?? "") }
            return .json(JSONValue.object(["findings": .array(found)]).jsonText())
        }
    }

    /// GuardDuty `GetFindings` answering with the finding in a fixture file (`Fixtures/findings/raw/...`).
    public static func guardDutyGetFindings(fixture: String) throws -> AWSStubRoute {
        guardDutyGetFindings([try JSONParser().parse(Repository.bytes(fixture))])
    }

    /// GuardDuty `ArchiveFindings`: an empty object, as the API answers.
    public static func guardDutyArchiveFindings() -> AWSStubRoute {
        AWSStubRoute("guardduty.ArchiveFindings") { _ in .json("{}") }
    }

    /// GuardDuty `ListDetectors`, `pageSize` ids a page, continued with `nextToken` (the index of the next id).
    public static func guardDutyListDetectors(_ detectorIDs: [String], pageSize: Int = 50) -> AWSStubRoute {
        AWSStubRoute("guardduty.ListDetectors") { request in
            let start = request.queryItem("nextToken").flatMap { Int($0) } ?? 0
            let size = request.queryItem("maxResults").flatMap { Int($0) }.map { min($0, pageSize) } ?? pageSize
            let end = min(start + size, detectorIDs.count)
            var body: [String: JSONValue] = ["detectorIds": .array(detectorIDs[start..<end].map(JSONValue.string))]
            if end < detectorIDs.count { body["nextToken"] = .string(String(end)) }
            return .json(JSONValue.object(body).jsonText())
        }
    }

    /// IAM `SimulatePrincipalPolicy`: each action's decision from `decisions` (`implicitDeny` when absent),
    /// `pageSize` results a page (IAM's default `MaxItems` is 100), continued with `Marker`.
    public static func iamSimulatePrincipalPolicy(
        decisions: [String: String],
        pageSize: Int = 100
    ) -> AWSStubRoute {
        AWSStubRoute("iam.SimulatePrincipalPolicy") { request in
            let actions = request.formList("ActionNames")
            let start = request.form.first("Marker").flatMap { Int($0) } ?? 0
            let size = request.form.first("MaxItems").flatMap { Int($0) }.map { min($0, pageSize) } ?? pageSize
            let end = min(start + size, actions.count)
            let members = actions[start..<end].map { action in
                """
                <member><EvalActionName>\(XMLText.escape(action))</EvalActionName>\
                <EvalResourceName>*</EvalResourceName>\
                <EvalDecision>\(decisions[action] ?? "implicitDeny")</EvalDecision>\
                <MatchedStatements/><MissingContextValues/></member>
                """
            }
            let truncated = end < actions.count
            return queryXML(
                "SimulatePrincipalPolicy",
                namespace: "https://iam.amazonaws.com/doc/2010-05-08/",
                result: "<EvaluationResults>\(members.joined())</EvaluationResults>"
                    + "<IsTruncated>\(truncated)</IsTruncated>" + (truncated ? "<Marker>\(end)</Marker>" : "")
            )
        }
    }

    /// WAFv2 `GetIPSet`: the set asked for, holding `addresses`, with `lockToken`.
    public static func wafv2GetIPSet(
        addresses: [String],
        lockToken: String,
        description: String? = nil
    ) -> AWSStubRoute {
        AWSStubRoute("wafv2.GetIPSet") { request in
            let name = request.json["Name"]?.stringValue ?? ""
            let id = request.json["Id"]?.stringValue ?? ""
            var set: [String: JSONValue] = [
                "Name": .string(name), "Id": .string(id),
                "ARN": .string("arn:aws:wafv2:us-east-1:111122223333:regional/ipset/\(name)/\(id)"),
                "IPAddressVersion": "IPV4", "Addresses": .array(addresses.map(JSONValue.string)),
            ]
            if let description { set["Description"] = .string(description) }
            return .json(JSONValue.object(["IPSet": .object(set), "LockToken": .string(lockToken)]).jsonText())
        }
    }

    /// WAFv2 `UpdateIPSet`: accepted with `currentLockToken` (answering `NextLockToken`), refused with
    /// `WAFOptimisticLockException` otherwise, as WAF refuses a stale token.
    public static func wafv2UpdateIPSet(currentLockToken: String, nextLockToken: String) -> AWSStubRoute {
        AWSStubRoute("wafv2.UpdateIPSet") { request in
            guard request.json["LockToken"]?.stringValue == currentLockToken else {
                return .json(
                    #"{"__type":"WAFOptimisticLockException","Message":"The lock token is stale."}"#,
                    status: 400
                )
            }
            return .json(JSONValue.object(["NextLockToken": .string(nextLockToken)]).jsonText())
        }
    }

    /// CloudTrail `StartLogging`: an empty object.
    public static func cloudTrailStartLogging() -> AWSStubRoute {
        AWSStubRoute("cloudtrail.StartLogging") { _ in .json("{}") }
    }

    /// Secrets Manager `RotateSecret`: the secret's ARN and name, and the client request token as the new version.
    public static func secretsManagerRotateSecret() -> AWSStubRoute {
        AWSStubRoute("secretsmanager.RotateSecret") { request in
            let secret = request.json["SecretId"]?.stringValue ?? ""
            let name = secret.hasPrefix("arn:") ? String(secret.split(separator: ":").last ?? "") : secret
            let body: JSONValue = [
                "ARN": .string(
                    secret.hasPrefix("arn:") ? secret : "arn:aws:secretsmanager:us-east-1:111122223333:secret:\(name)"
                ),
                "Name": .string(name),
                "VersionId": .string(request.json["ClientRequestToken"]?.stringValue ?? UUID().uuidString.lowercased()),
            ]
            return .json(body.jsonText())
        }
    }

    /// ELBv2 `DeregisterTargets`: the empty result.
    public static func elbv2DeregisterTargets() -> AWSStubRoute {
        AWSStubRoute("elbv2.DeregisterTargets") { _ in
            queryXML(
                "DeregisterTargets",
                namespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
                result: ""
            )
        }
    }

    /// Auto Scaling `DetachInstances`: one activity per instance.
    public static func autoScalingDetachInstances() -> AWSStubRoute {
        AWSStubRoute("autoscaling.DetachInstances") { request in
            let group = request.form.first("AutoScalingGroupName") ?? ""
            let activities = request.formList("InstanceIds").enumerated().map { index, instance in
                """
                <member><ActivityId>00000000-0000-4000-8000-00000000000\(index)</ActivityId>\
                <AutoScalingGroupName>\(XMLText.escape(group))</AutoScalingGroupName>\
                <Description>Detaching EC2 instance: \(XMLText.escape(instance))</Description>\
                <Cause>An instance was detached in response to a user request.</Cause>\
                <StartTime>2026-11-29T00:00:00Z</StartTime><StatusCode>InProgress</StatusCode>\
                <Progress>50</Progress></member>
                """
            }
            return queryXML(
                "DetachInstances",
                namespace: "http://autoscaling.amazonaws.com/doc/2011-01-01/",
                result: "<Activities>\(activities.joined())</Activities>"
            )
        }
    }

    /// A query protocol success: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…`.
    static func queryXML(_ operation: String, namespace: String, result: String) -> LocalHTTPResponse {
        LocalHTTPResponse(
            status: 200,
            headers: [("Content-Type", "text/xml")],
            text: """
                <\(operation)Response xmlns="\(namespace)"><\(operation)Result>\(result)</\(operation)Result>\
                <ResponseMetadata><RequestId>stub-request</RequestId></ResponseMetadata></\(operation)Response>
                """
        )
    }
}
