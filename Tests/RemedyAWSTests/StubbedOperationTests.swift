import Foundation
import RemedyAWS
import RemedyCore
import RemedyTestSupport
import Testing

/// Operations moto 5.2.1 does not implement (docs/aws.md#moto-operations-it-lacks-or-gets-wrong), or
/// implements without the behaviour remedy relies on, sent over the real HTTP stack to ``AWSStubServer``, which checks
/// every request against botocore 1.43.11's model of the operation (`Fixtures/botocore-shapes`) and answers like the
/// real API.
@Suite struct StubbedOperationTests {
    private static let region = "us-east-1"
    private static let productARN = "arn:aws:securityhub:us-east-1::product/aws/guardduty"

    private func client(_ service: AWSService, _ stub: AWSStubServer) throws -> AWSClient {
        let endpoint = try #require(AWSEndpoint(overrideURL: stub.baseURL, signingRegion: Self.region))
        return try AWSClient(
            service: service,
            region: Self.region,
            endpoint: endpoint,
            credentials: StaticCredentialProvider(TestCredentials.valid),
            configuration: .init(retry: RetryStrategy(maximumAttempts: 1), timeout: .seconds(20)),
            transport: AsyncHTTPClientTransport(),
            clock: TestClock()
        )
    }

    /// Every request reached a route and conformed.
    private func expectConforming(_ stub: AWSStubServer, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for exchange in stub.exchanges {
            #expect(exchange.operation != nil, "no route for \(exchange.request)", sourceLocation: sourceLocation)
            #expect(exchange.problems.isEmpty, "\(exchange.problems)", sourceLocation: sourceLocation)
        }
    }

    // moto has no route for BatchUpdateFindings (404 HTML); the stub checks the botocore model instead.
    @Test func batchUpdateFindingsResolvesWithANoteAndSendsExactlyTheIDsGiven() async throws {
        try await withAWSStubServer([.securityHubBatchUpdateFindings(unprocessedIDs: ["f-gone"])]) { stub in
            let hub = SecurityHubClient(try client(.securityHub, stub))
            let unprocessed = try await hub.batchUpdateFindings(
                findings: [("f-1", Self.productARN), ("f-gone", Self.productARN)],
                workflowStatus: "RESOLVED",
                note: "contained by remedy run r-1"
            )
            #expect(unprocessed.map(\.id) == ["f-gone"])
            #expect(unprocessed.map(\.reason) == ["Finding Not Found"])

            expectConforming(stub)
            let request = try #require(stub.requests(for: "securityhub.BatchUpdateFindings").first)
            #expect(request.method == "PATCH")
            #expect(request.path == "/findings/batchupdate")
            let body = try JSONParser().parse(request.body)
            #expect(
                body["FindingIdentifiers"]?.arrayValue?.compactMap { $0["Id"]?.stringValue } == ["f-1", "f-gone"]
            )
            #expect(body["Workflow"] == ["Status": "RESOLVED"])
            #expect(body["Note"] == ["Text": "contained by remedy run r-1", "UpdatedBy": "remedy"])
        }
    }

    // moto lacks BatchUpdateFindings; the botocore pattern for Note.Text (`.*\S.*`) refuses a blank note.
    @Test func batchUpdateFindingsLeavesOutABlankNoteAndSplitsMoreThanAHundredFindings() async throws {
        try await withAWSStubServer([.securityHubBatchUpdateFindings()]) { stub in
            let hub = SecurityHubClient(try client(.securityHub, stub))
            let findings = (1...150).map { (id: "f-\($0)", productARN: Self.productARN) }
            let unprocessed = try await hub.batchUpdateFindings(
                findings: findings,
                workflowStatus: "NOTIFIED",
                note: "  "
            )
            #expect(unprocessed.isEmpty)

            expectConforming(stub)
            let bodies = try stub.requests(for: "securityhub.BatchUpdateFindings").map {
                try JSONParser().parse($0.body)
            }
            #expect(bodies.map { $0["FindingIdentifiers"]?.arrayValue?.count } == [100, 50])
            #expect(bodies.allSatisfy { $0["Note"] == nil })
        }
    }

    // moto answers GetFindings for GuardDuty with a 404 HTML page; the stub checks the botocore model instead.
    @Test func guardDutyGetFindingsReturnsTheFindingsGuardDutyKnows() async throws {
        let fixture = "Fixtures/findings/raw/guardduty-ssh-bruteforce.json"
        let finding = try JSONParser().parse(Repository.bytes(fixture))
        let id = try #require(finding["id"]?.stringValue)
        try await withAWSStubServer([try .guardDutyGetFindings(fixture: fixture)]) { stub in
            let guardDuty = GuardDutyClient(try client(.guardDuty, stub))
            let findings = try await guardDuty.getFindings(
                detectorID: "cbd390b656a4d2bad821df997d529975",
                ids: [id, "unknown"]
            )
            #expect(findings == [finding])

            expectConforming(stub)
            let request = try #require(stub.requests(for: "guardduty.GetFindings").first)
            #expect(request.path == "/detector/cbd390b656a4d2bad821df997d529975/findings/get")
            #expect(try JSONParser().parse(request.body) == ["findingIds": [.string(id), "unknown"]])
        }
    }

    // moto lacks GetFindings and ArchiveFindings; the botocore model allows at most 50 findingIds a call.
    @Test func guardDutyArchivesAndGetsFindingsInBatchesOfFifty() async throws {
        let routes: [AWSStubRoute] = [.guardDutyGetFindings([]), .guardDutyArchiveFindings()]
        try await withAWSStubServer(routes) { stub in
            let guardDuty = GuardDutyClient(try client(.guardDuty, stub))
            let ids = (1...120).map { "finding-\($0)" }
            try await guardDuty.archiveFindings(detectorID: "d-1", ids: ids)
            #expect(try await guardDuty.getFindings(detectorID: "d-1", ids: ids).isEmpty)

            expectConforming(stub)
            let archived = try stub.requests(for: "guardduty.ArchiveFindings").map {
                try JSONParser().parse($0.body)["findingIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            }
            #expect(archived.map(\.count) == [50, 50, 20])
            #expect(archived.flatMap { $0 } == ids)
            #expect(stub.requests(for: "guardduty.GetFindings").count == 3)
            #expect(
                stub.requests(for: "guardduty.ArchiveFindings").allSatisfy {
                    $0.path == "/detector/d-1/findings/archive"
                }
            )
        }
    }

    // moto lists detectors but was not probed for paging (docs/aws.md#moto-operations-it-lacks-or-gets-wrong); the stub
    // checks the botocore model and pages.
    @Test func listDetectorsFollowsNextTokenAcrossPages() async throws {
        try await withAWSStubServer([.guardDutyListDetectors(["d-1", "d-2", "d-3"], pageSize: 2)]) { stub in
            let guardDuty = GuardDutyClient(try client(.guardDuty, stub))
            #expect(try await guardDuty.listDetectors() == ["d-1", "d-2", "d-3"])

            expectConforming(stub)
            #expect(stub.requests(for: "guardduty.ListDetectors").map(\.uri) == ["/detector", "/detector?nextToken=2"])
            #expect(stub.requests(for: "guardduty.ListDetectors").allSatisfy { $0.body.isEmpty })
        }
    }

    // moto answers SimulatePrincipalPolicy with HTTP 500 (NotImplementedError); the stub checks the botocore model.
    @Test func simulatePrincipalPolicyMapsEveryActionToItsDecisionAcrossPages() async throws {
        let decisions = ["s3:GetObject": "allowed", "iam:CreateUser": "explicitDeny"]
        try await withAWSStubServer([.iamSimulatePrincipalPolicy(decisions: decisions, pageSize: 2)]) { stub in
            let iam = IAMClient(try client(.iam, stub))
            let found = try await iam.simulatePrincipalPolicy(
                policySourceARN: "arn:aws:iam::111122223333:user/alice",
                actions: ["s3:GetObject", "iam:CreateUser", "ec2:RunInstances"]
            )
            #expect(
                found == [
                    "s3:GetObject": "allowed", "iam:CreateUser": "explicitDeny", "ec2:RunInstances": "implicitDeny",
                ]
            )

            expectConforming(stub)
            let requests = stub.requests(for: "iam.SimulatePrincipalPolicy")
            #expect(requests.count == 2)
            #expect(
                requests.first?.bodyText
                    == "Action=SimulatePrincipalPolicy&Version=2010-05-08"
                    + "&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Auser%2Falice"
                    + "&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=iam%3ACreateUser"
                    + "&ActionNames.member.3=ec2%3ARunInstances"
            )
            #expect(requests.last.map { FormBody($0.body).first("Marker") } == "2")
        }
    }

    // moto was not probed for WAFv2 (docs/aws.md#moto-operations-it-lacks-or-gets-wrong); the stub checks the botocore
    // model and the lock token.
    @Test func ipSetUpdateCarriesTheLockTokenAndDescriptionItRead() async throws {
        let token = "0a1b2c3d-0000-4000-8000-00000000000a"
        let next = "0a1b2c3d-0000-4000-8000-00000000000b"
        let setID = "a1b2c3d4-5678-90ab-cdef-0123456789ab"
        let routes: [AWSStubRoute] = [
            .wafv2GetIPSet(addresses: ["192.0.2.0/24"], lockToken: token, description: "remedy blocklist"),
            .wafv2UpdateIPSet(currentLockToken: token, nextLockToken: next),
        ]
        try await withAWSStubServer(routes) { stub in
            let waf = WAFv2Client(try client(.wafv2, stub))
            var set = try await waf.getIPSet(name: "blocked", id: setID, scope: "REGIONAL")
            #expect(set.addresses == ["192.0.2.0/24"])
            #expect(set.lockToken == token)
            set.addresses.append("198.51.100.7/32")
            #expect(try await waf.updateIPSet(set) == next)

            expectConforming(stub)
            let update = try JSONParser().parse(try #require(stub.requests(for: "wafv2.UpdateIPSet").first).body)
            #expect(update["LockToken"] == .string(token))
            #expect(update["Addresses"] == ["192.0.2.0/24", "198.51.100.7/32"])
            #expect(update["Description"] == "remedy blocklist")

            // A stale token is refused as WAF refuses it.
            set.lockToken = "0a1b2c3d-0000-4000-8000-00000000000f"
            await #expect {
                try await waf.updateIPSet(set)
            } throws: { error in
                (error as? AWSError)?.code == "WAFOptimisticLockException"
            }
        }
    }

    // moto was not probed for CloudTrail (docs/aws.md#moto-operations-it-lacks-or-gets-wrong); the stub checks the
    // botocore model.
    @Test func startLoggingNamesTheTrail() async throws {
        try await withAWSStubServer([.cloudTrailStartLogging()]) { stub in
            let trail = CloudTrailClient(try client(.cloudTrail, stub))
            try await trail.startLogging(trail: "arn:aws:cloudtrail:us-east-1:111122223333:trail/org")

            expectConforming(stub)
            let request = try #require(stub.requests(for: "cloudtrail.StartLogging").first)
            #expect(
                request.header("X-Amz-Target") == "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.StartLogging"
            )
            #expect(request.bodyText == #"{"Name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org"}"#)
        }
    }

    // moto was not probed for Secrets Manager (docs/aws.md#moto-operations-it-lacks-or-gets-wrong), and rotation needs
    // a Lambda; the stub checks the botocore model.
    @Test func rotateSecretSendsTheClientTokenAndReturnsTheNewVersion() async throws {
        try await withAWSStubServer([.secretsManagerRotateSecret()]) { stub in
            let secrets = SecretsManagerClient(try client(.secretsManager, stub))
            let token = "9f0e6a52-3c1b-4f7e-8a61-0d2b5c4e7f10"
            #expect(try await secrets.rotateSecret("prod/db", clientRequestToken: token) == token)

            expectConforming(stub)
            let body = try JSONParser().parse(
                try #require(stub.requests(for: "secretsmanager.RotateSecret").first).body
            )
            #expect(body == ["SecretId": "prod/db", "ClientRequestToken": .string(token), "RotateImmediately": true])
        }
    }

    // moto was not probed for ELBv2 (docs/aws.md#moto-operations-it-lacks-or-gets-wrong); the stub checks the botocore
    // model.
    @Test func deregisterTargetSendsTheInstanceAsTheFirstTarget() async throws {
        try await withAWSStubServer([.elbv2DeregisterTargets()]) { stub in
            let elb = ELBv2Client(try client(.elasticLoadBalancingV2, stub))
            let group = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/0123456789abcdef"
            try await elb.deregisterTarget("i-0123456789abcdef0", targetGroupARN: group)

            expectConforming(stub)
            let request = try #require(stub.requests(for: "elbv2.DeregisterTargets").first)
            #expect(FormBody(request.body).first("Targets.member.1.Id") == "i-0123456789abcdef0")
            #expect(request.header("Authorization")?.contains("/us-east-1/elasticloadbalancing/aws4_request") == true)
        }
    }

    // moto was not probed for Auto Scaling (docs/aws.md#moto-operations-it-lacks-or-gets-wrong); the stub checks the
    // botocore model.
    @Test func detachInstanceKeepsDesiredCapacity() async throws {
        try await withAWSStubServer([.autoScalingDetachInstances()]) { stub in
            let autoScaling = AutoScalingClient(try client(.autoScaling, stub))
            try await autoScaling.detachInstance("i-0123456789abcdef0", group: "web")

            expectConforming(stub)
            let request = try #require(stub.requests(for: "autoscaling.DetachInstances").first)
            #expect(
                request.bodyText
                    == "Action=DetachInstances&Version=2011-01-01&InstanceIds.member.1=i-0123456789abcdef0"
                    + "&AutoScalingGroupName=web&ShouldDecrementDesiredCapacity=false"
            )
        }
    }

    // The stub must refuse what AWS would refuse, or the tests above prove nothing.
    @Test func stubRefusesANonConformingRequestWithValidationException() async throws {
        try await withAWSStubServer([.guardDutyArchiveFindings()]) { stub in
            let guardDuty = try client(.guardDuty, stub)
            await #expect {
                _ = try await guardDuty.restJSON(
                    "ArchiveFindings",
                    effect: .mutating(idempotent: true),
                    method: "POST",
                    path: "/detector/d-1/findings/archive",
                    body: ["FindingIds": ["f-1"]]
                )
            } throws: { error in
                let error = error as? AWSError
                return error?.code == "ValidationException" && error?.statusCode == 400
                    && error?.message.contains("findingIds: required member missing from the body") == true
            }
            #expect(stub.exchanges.map(\.status) == [400])
        }
    }
}
