import Foundation
import RemedyAWS
import RemedyCore
import Testing

/// Every protocol family against moto_server with signature checking on: a correctly signed call is accepted and
/// its effect read back; a call signed with a wrong secret is refused with the right typed error.
@Suite(.serialized, .enabled(if: MotoServer.isAvailable, "needs moto_server: run through scripts/test"))
struct MotoIntegrationTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer()
    }

    func wrongSecret(_ credentials: AWSCredentials) -> AWSCredentials {
        AWSCredentials(accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey + "x")
    }

    @Test func ec2ProtocolCreatesAnIsolationGroupWithoutEgress() async throws {
        let credentials = try await moto.prepare()
        let ec2 = EC2Client(try moto.client(.ec2, credentials: credentials))
        let vpcID = try #require(
            try await ec2.client.query("CreateVpc", effect: .mutating(idempotent: false)) {
                $0.set("CidrBlock", "10.9.0.0/16")
            }.string("vpc", "vpcId")
        )
        let group = try await ec2.createSecurityGroup(
            name: "remedy-isolation",
            description: "no traffic",
            vpcID: vpcID,
            tags: ["remedy:managed": "true"]
        )
        // A new group allows all egress; isolation removes it.
        try await ec2.revokeEgress(groupID: group, permissions: [.allTraffic])
        let described = try #require(try await ec2.describeSecurityGroups(ids: [group]).first)
        #expect(described.ingress.isEmpty)
        #expect(described.egress.isEmpty)
        #expect(described.vpcID == vpcID)

        let forged = EC2Client(try moto.client(.ec2, credentials: wrongSecret(credentials)))
        await #expect { _ = try await forged.describeSecurityGroups(ids: [group]) } throws: { error in
            let error = error as? AWSError
            return error?.code == "AuthFailure" && error?.statusCode == 401 && error?.kind == .permanent
        }
    }

    @Test func ec2DryRunChecksPermissionWithoutCreatingAnything() async throws {
        let credentials = try await moto.prepare()
        let live = EC2Client(try moto.client(.ec2, credentials: credentials))
        let vpcID = try #require(
            try await live.client.query("CreateVpc", effect: .mutating(idempotent: false)) {
                $0.set("CidrBlock", "10.8.0.0/16")
            }.string("vpc", "vpcId")
        )
        let dryRun = EC2Client(try moto.client(.ec2, credentials: credentials, mode: .dryRun))
        await #expect {
            _ = try await dryRun.createSecurityGroup(name: "dry", description: "d", vpcID: vpcID)
        } throws: { error in
            (error as? AWSError)?.code == "DryRunOperation" && (error as? AWSError)?.statusCode == 412
        }
        let groups = try await live.describeSecurityGroups(filters: ["group-name": ["dry"]])
        #expect(groups.isEmpty)
    }

    @Test func queryProtocolDeactivatesAKeyAndStsNamesTheCaller() async throws {
        let credentials = try await moto.prepare()
        let iam = IAMClient(try moto.client(.iam, credentials: credentials))
        _ = try await iam.client.query("CreateUser", effect: .mutating(idempotent: false)) {
            $0.set("UserName", "leaked")
        }
        let created = try await iam.client.query("CreateAccessKey", effect: .mutating(idempotent: false)) {
            $0.set("UserName", "leaked")
        }
        let keyID = try #require(created.string("AccessKey", "AccessKeyId"))
        try await iam.updateAccessKey(user: "leaked", accessKeyID: keyID, status: "Inactive")
        #expect(try await iam.listAccessKeys(user: "leaked").map(\.status) == ["Inactive"])

        let identity = try await STSClient(try moto.client(.sts, credentials: credentials)).getCallerIdentity()
        #expect(identity.arn.hasSuffix(":user/remedy-runner"))
        #expect(identity.account == MotoServer.account)

        let forged = IAMClient(try moto.client(.iam, credentials: wrongSecret(credentials)))
        await #expect { _ = try await forged.listAccessKeys(user: "leaked") } throws: { error in
            (error as? AWSError)?.code == "SignatureDoesNotMatch" && "\(error)".contains("clock is skewed")
        }
    }

    @Test func restXMLProtocolBlocksPublicAccessOnABucketAndTheAccount() async throws {
        let credentials = try await moto.prepare()
        let s3 = S3Client(try moto.client(.s3, credentials: credentials))
        try await s3.createBucket("remedy-evidence")
        #expect(try await s3.publicAccessBlock(bucket: "remedy-evidence") == nil)
        try await s3.putPublicAccessBlock(bucket: "remedy-evidence", .allBlocked)
        #expect(try await s3.publicAccessBlock(bucket: "remedy-evidence") == .allBlocked)
        try await s3.putBucketEncryption(bucket: "remedy-evidence", kmsKeyID: nil)
        #expect(try await s3.bucketEncryption(bucket: "remedy-evidence")?.algorithm == "AES256")

        let control = S3ControlClient(try moto.client(.s3Control, credentials: credentials))
        try await control.putPublicAccessBlock(account: MotoServer.account, .allBlocked)
        #expect(try await control.publicAccessBlock(account: MotoServer.account) == .allBlocked)

        let forged = S3Client(try moto.client(.s3, credentials: wrongSecret(credentials)))
        await #expect { _ = try await forged.publicAccessBlock(bucket: "remedy-evidence") } throws: { error in
            (error as? AWSError)?.code == "SignatureDoesNotMatch" && (error as? AWSError)?.statusCode == 403
        }
    }

    @Test func restJSONProtocolImportsAndReadsBackASecurityHubFinding() async throws {
        let credentials = try await moto.prepare()
        let hub = SecurityHubClient(try moto.client(.securityHub, credentials: credentials))
        let finding: JSONValue = [
            "SchemaVersion": "2018-10-08", "Id": "remedy-test-1",
            "ProductArn": "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
            "GeneratorId": "remedy", "AwsAccountId": "123456789012", "Types": ["Software and Configuration Checks"],
            "CreatedAt": "2026-11-29T00:00:00Z", "UpdatedAt": "2026-11-29T00:00:00Z", "Severity": ["Label": "HIGH"],
            "Title": "open", "Description": "port 22 open",
            "Resources": [
                ["Type": "AwsEc2SecurityGroup", "Id": "arn:aws:ec2:us-east-1:123456789012:security-group/sg-01234567"]
            ],
        ]
        let imported = try await hub.client.restJSON(
            "BatchImportFindings",
            effect: .mutating(idempotent: true),
            method: "POST",
            path: "/findings/import",
            body: ["Findings": [finding]]
        )
        #expect(imported["SuccessCount"] == 1)
        let found = try await hub.getFindings(ids: ["remedy-test-1"])
        #expect(found.map { $0["Title"] } == ["open"])

        // moto does not implement BatchUpdateFindings: an HTML 404, reported as such rather than as success.
        await #expect {
            _ = try await hub.batchUpdateFindings(
                findings: [("remedy-test-1", "p")],
                workflowStatus: "RESOLVED",
                note: "x"
            )
        } throws: { error in
            (error as? AWSError)?.kind == .notImplemented
        }

        let forged = SecurityHubClient(try moto.client(.securityHub, credentials: wrongSecret(credentials)))
        await #expect { _ = try await forged.getFindings(ids: ["remedy-test-1"]) } throws: { error in
            (error as? AWSError)?.code == "SignatureDoesNotMatch"
        }
    }

    @Test func jsonProtocolsRoundTripSQSMessagesAndKMSRotation() async throws {
        let credentials = try await moto.prepare()
        let sqs = SQSClient(try moto.client(.sqs, credentials: credentials))
        let queue = try await sqs.createQueue(name: "remedy-events")
        _ = try await sqs.sendMessage(queueURL: queue, body: #"{"detail-type": "GuardDuty Finding"}"#)
        let messages = try await sqs.receiveMessages(queueURL: queue)
        #expect(messages.map(\.body) == [#"{"detail-type": "GuardDuty Finding"}"#])
        try await sqs.deleteMessage(queueURL: queue, receiptHandle: try #require(messages.first).receiptHandle)

        let kms = KMSClient(try moto.client(.kms, credentials: credentials))
        let key = try await kms.createKey(description: "remedy")
        #expect(try await kms.isKeyRotationEnabled(key) == false)
        try await kms.enableKeyRotation(key)
        #expect(try await kms.isKeyRotationEnabled(key) == true)

        let forged = SQSClient(try moto.client(.sqs, credentials: wrongSecret(credentials)))
        await #expect { _ = try await forged.receiveMessages(queueURL: queue) } throws: { error in
            (error as? AWSError)?.code == "SignatureDoesNotMatch"
        }
        let unknownKey = KMSClient(
            try moto.client(
                .kms,
                credentials: AWSCredentials(accessKeyID: "AKIAUNKNOWNKEY000000", secretAccessKey: "x")
            )
        )
        await #expect { _ = try await unknownKey.isKeyRotationEnabled(key) } throws: { error in
            (error as? AWSError)?.code == "InvalidClientTokenId"
        }
    }
}
