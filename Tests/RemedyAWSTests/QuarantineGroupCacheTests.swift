import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Testing

/// A group `ec2.quarantine` remembered for a VPC and that was deleted since is created again, not a failed run.
///
/// moto 5.2.1 cannot show this: its `ModifyInstanceAttribute` accepts an unknown group id and
/// stores nothing in its place, where EC2 answers `InvalidGroup.NotFound`. So EC2's answers are scripted here, in
/// the shapes of the EC2 API reference.
@Suite struct QuarantineGroupCacheTests {
    private static let namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

    private static func answer(_ operation: String, _ body: String) -> Result<HTTPResponseData, TransportError> {
        .success(
            .xml(
                "<\(operation)Response xmlns=\"\(namespace)\"><requestId>r-\(operation)</requestId>\(body)"
                    + "</\(operation)Response>"
            )
        )
    }

    private static func instance(_ id: String, groups: [String]) -> Result<HTTPResponseData, TransportError> {
        let groupSet = groups.map { "<item><groupId>\($0)</groupId></item>" }.joined()
        return answer(
            "DescribeInstances",
            "<reservationSet><item><instancesSet><item><instanceId>\(id)</instanceId><vpcId>vpc-1</vpcId>"
                + "<instanceState><name>running</name></instanceState><groupSet>\(groupSet)</groupSet>"
                + "</item></instancesSet></item></reservationSet>"
        )
    }

    /// A group; `allTraffic` gives it the allow-all ingress and egress of `remedy-untrack`.
    private static func groups(
        _ groups: [(id: String, name: String, allTraffic: Bool)]
    )
        -> Result<HTTPResponseData, TransportError>
    {
        let all = "<item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item>"
        let items = groups.map { group in
            "<item><groupId>\(group.id)</groupId><groupName>\(group.name)</groupName><vpcId>vpc-1</vpcId>"
                + "<ipPermissions>\(group.allTraffic ? all : "")</ipPermissions>"
                + "<ipPermissionsEgress>\(group.allTraffic ? all : "")</ipPermissionsEgress></item>"
        }
        return answer("DescribeSecurityGroups", "<securityGroupInfo>\(items.joined())</securityGroupInfo>")
    }

    private static let modified = answer("ModifyInstanceAttribute", "<return>true</return>")

    @Test func aRememberedGroupDeletedSinceIsCreatedAgainAndTheSwapMadeOnce() async throws {
        let transport = ScriptedTransport(replies: [
            // First quarantine: both groups found, the two-stage swap, the isolation group read back.
            Self.instance("i-1", groups: ["sg-web"]),
            Self.groups([("sg-iso", "remedy-isolation", false)]),
            Self.groups([("sg-untrack", "remedy-untrack", true)]),
            Self.modified, Self.modified,
            // No interface is left in the allow-all group: it is removed (and forgotten).
            Self.answer("DescribeNetworkInterfaces", "<networkInterfaceSet/>"),
            Self.answer("DeleteSecurityGroup", "<return>true</return>"),
            Self.groups([("sg-iso", "remedy-isolation", false)]),
            // Second quarantine: the isolation group comes from memory, the allow-all group is created again; the
            // isolation group was deleted meanwhile.
            Self.instance("i-2", groups: ["sg-web"]),
            Self.groups([]),
            Self.answer("CreateSecurityGroup", "<return>true</return><groupId>sg-untrack2</groupId>"),
            Self.answer("AuthorizeSecurityGroupIngress", "<return>true</return>"),
            Self.modified,
            .success(
                .xml(
                    "<Response><Errors><Error><Code>InvalidGroup.NotFound</Code><Message>The security group "
                        + "'sg-iso' does not exist</Message></Error></Errors><RequestID>r-gone</RequestID></Response>",
                    status: 400
                )
            ),
            Self.groups([]),
            Self.answer("CreateSecurityGroup", "<return>true</return><groupId>sg-iso2</groupId>"),
            Self.answer("RevokeSecurityGroupEgress", "<return>true</return>"),
            Self.modified,
            Self.answer("DescribeNetworkInterfaces", "<networkInterfaceSet/>"),
            Self.answer("DeleteSecurityGroup", "<return>true</return>"),
            Self.groups([("sg-iso2", "remedy-isolation", false)]),
        ])
        let context = AWSContext(
            region: "us-east-1",
            resolver: EndpointResolver(environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9"]),
            credentials: ResolvedCredentialProvider(
                source: .environment,
                provider: StaticCredentialProvider(TestCredentials.valid)
            ),
            transport: transport
        )
        let invoker = CatalogInvoker(context: context)
        func quarantine(_ instance: String) async throws -> ActionResult {
            try await invoker.execute(
                ActionRequest(
                    action: "ec2.quarantine",
                    parameters: ["instance": .string(instance), "isolation_group_name": "remedy-isolation"],
                    runID: "run-\(instance)",
                    stepID: "isolate",
                    account: "111122223333",
                    region: "us-east-1",
                    mode: .live
                )
            )
        }

        let first = try await quarantine("i-1")
        #expect(first.outputs["isolation_group"] == "sg-iso")
        #expect(first.verified)

        let second = try await quarantine("i-2")
        #expect(second.outputs["isolation_group"] == "sg-iso2")
        #expect(second.verified)
        #expect(second.outputs["original_groups"] == ["instance": ["sg-web"]])

        let operations = transport.requests.map { request in
            let form = String(decoding: request.body, as: UTF8.self)
            let action = form.split(separator: "&").first { $0.hasPrefix("Action=") }?.dropFirst(7) ?? "?"
            let group = form.split(separator: "&").first { $0.hasPrefix("GroupId.1=") }?.dropFirst(10)
            return group.map { "\(action) \($0)" } ?? String(action)
        }
        #expect(
            operations.suffix(13) == [
                "DescribeInstances", "DescribeSecurityGroups", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress",
                "ModifyInstanceAttribute sg-untrack2", "ModifyInstanceAttribute sg-iso", "DescribeSecurityGroups",
                "CreateSecurityGroup", "RevokeSecurityGroupEgress", "ModifyInstanceAttribute sg-iso2",
                "DescribeNetworkInterfaces", "DeleteSecurityGroup", "DescribeSecurityGroups sg-iso2",
            ]
        )
    }
}
