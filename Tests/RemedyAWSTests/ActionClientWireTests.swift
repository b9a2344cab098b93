import Foundation
import RemedyAWS
import RemedyCore
import Testing

/// The exact requests of the calls the data-exposure and credential actions add, where moto accepts more than AWS
/// does: moto routes Lambda by any API version in the path and cannot check the signature of its bodiless GET and
/// DELETE calls (docs/aws.md#moto-signature-checking), so the paths, methods and bodies are pinned here to botocore
/// 1.43.11's model.
@Suite struct ActionClientWireTests {
    @Test func lambdaConcurrencyAndPermissionCallsUseTheRoutesBotocoreNames() async throws {
        let transport = ScriptedTransport(replies: [
            .success(.json(#"{"ReservedConcurrentExecutions": 7}"#)), .success(.json("{}")), .success(.json("")),
            .success(.json(#"{"Statement": "{}"}"#, status: 201)), .success(.json("", status: 204)),
        ])
        let lambda = LambdaClient(try .testing(.lambda, transport: transport))
        #expect(try await lambda.functionConcurrency("miner") == 7)
        try await lambda.putFunctionConcurrency("miner", reserved: 0)
        try await lambda.deleteFunctionConcurrency("miner")
        try await lambda.addPermission(
            "miner",
            statementID: "url",
            action: "lambda:InvokeFunctionUrl",
            principal: "*",
            functionURLAuthType: "NONE"
        )
        try await lambda.removePermission("miner", statementID: "url")

        let base = "https://lambda.us-east-1.amazonaws.com"
        #expect(
            transport.requests.map { "\($0.method) \($0.url)" } == [
                "GET \(base)/2019-09-30/functions/miner/concurrency",
                "PUT \(base)/2017-10-31/functions/miner/concurrency",
                "DELETE \(base)/2017-10-31/functions/miner/concurrency",
                "POST \(base)/2015-03-31/functions/miner/policy",
                "DELETE \(base)/2015-03-31/functions/miner/policy/url",
            ]
        )
        #expect(transport.requests[0].body.isEmpty && transport.requests[2].body.isEmpty)
        #expect(
            try JSONParser().parse(transport.requests[3].body) == [
                "StatementId": "url", "Action": "lambda:InvokeFunctionUrl", "Principal": "*",
                "FunctionUrlAuthType": "NONE",
            ]
        )
    }

    @Test func accountBlockDeletionAndBucketEncryptionRemovalAreDeletesOnTheirSubresources() async throws {
        let transport = ScriptedTransport(fallback: HTTPResponseData(status: 204, body: []))
        let control = S3ControlClient(try .testing(.s3Control, transport: transport))
        try await control.deletePublicAccessBlock(account: "111122223333")
        let s3 = S3Client(try .testing(.s3, transport: transport))
        try await s3.deleteBucketEncryption(bucket: "logs")
        try await s3.putBucketEncryption(
            bucket: "logs",
            S3Client.DefaultEncryption(algorithm: "aws:kms", kmsKeyID: "alias/a&b", bucketKeyEnabled: false)
        )

        #expect(
            transport.requests.map { "\($0.method) \($0.url)" } == [
                "DELETE https://111122223333.s3-control.us-east-1.amazonaws.com/v20180820/configuration/publicAccessBlock",
                "DELETE https://logs.s3.amazonaws.com/?encryption",
                "PUT https://logs.s3.amazonaws.com/?encryption",
            ]
        )
        #expect(transport.requests[0].header("x-amz-account-id") == "111122223333")
        // The key is escaped, and a Bucket Key left off is not sent.
        #expect(
            transport.requests[2].bodyText
                == #"<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>"#
                + "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>"
                + "<KMSMasterKeyID>alias/a&amp;b</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule>"
                + "</ServerSideEncryptionConfiguration>"
        )
        #expect(transport.requests[2].header("Content-MD5") != nil)
    }

    @Test func idempotencyTokensAreStableUUIDsWithinSecretsManagerLimits() {
        let token = IdempotencyToken.uuid("run-1/s1")
        #expect(token == IdempotencyToken.uuid("run-1/s1"))
        #expect(token != IdempotencyToken.uuid("run-1/s2"))
        #expect(token.count == 36)
        #expect(token.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(IdempotencyToken.hex("run-1/s1") == token.replacingOccurrences(of: "-", with: ""))
        #expect(IdempotencyToken.hex("run-1/s1").allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }
}
