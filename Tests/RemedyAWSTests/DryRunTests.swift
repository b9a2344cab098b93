import Foundation
import RemedyAWS
import RemedyCore
import Testing

/// Dry-run is enforced by the client, not by the caller.
@Suite struct DryRunTests {
    @Test func mutatingCallsOfOtherServicesAreRefusedWithoutBeingSent() async throws {
        let transport = ScriptedTransport()
        let iam = IAMClient(try .testing(.iam, transport: transport, mode: .dryRun))
        await #expect {
            try await iam.updateAccessKey(user: "a", accessKeyID: "AKIAIOSFODNN7EXAMPLE", status: "Inactive")
        } throws: { error in
            (error as? AWSError)?.kind == .refused
        }
        let s3 = S3Client(try .testing(.s3, transport: transport, mode: .dryRun))
        await #expect(throws: AWSError.self) { try await s3.putPublicAccessBlock(bucket: "b", .allBlocked) }
        #expect(transport.requests.isEmpty)
    }

    @Test func readsStillGoOutInDryRun() async throws {
        let transport = ScriptedTransport(replies: [.success(RetryTests.identity)])
        let sts = STSClient(try .testing(.sts, transport: transport, mode: .dryRun))
        _ = try await sts.getCallerIdentity()
        #expect(transport.requests.count == 1)
    }

    @Test func ec2MutationsGoOutWithDryRunTrueEvenIfTheCallerSaidFalse() async throws {
        let dryRun = HTTPResponseData.xml(
            "<Response><Errors><Error><Code>DryRunOperation</Code><Message>would succeed</Message></Error></Errors><RequestID>r</RequestID></Response>",
            status: 412
        )
        let transport = ScriptedTransport(replies: [.success(dryRun)])
        let client = try AWSClient.testing(.ec2, transport: transport, mode: .dryRun)
        var parameters = FormParameters(action: "StopInstances", version: "2016-11-15")
        parameters.set("InstanceId.1", "i-01234567")
        parameters.set("DryRun", false)
        await #expect {
            _ = try await client.perform(
                AWSCall(
                    operation: "StopInstances",
                    effect: .mutating(idempotent: true),
                    method: "POST",
                    body: parameters.body
                )
            )
        } throws: { error in
            (error as? AWSError)?.code == "DryRunOperation"
        }
        #expect(
            transport.requests.first?.bodyText
                == "Action=StopInstances&Version=2016-11-15&InstanceId.1=i-01234567&DryRun=true"
        )
    }
}
