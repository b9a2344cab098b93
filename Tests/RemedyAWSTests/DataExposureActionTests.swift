import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Testing

/// The data-exposure, KMS, Lambda and Secrets Manager actions through `CatalogInvoker` against moto: each is
/// executed, its effect read back, probed before and after, undone where it can be, and run in dry-run without
/// changing anything.
extension MotoIntegrationTests {
    /// A client for the world's account, signed with its user's key.
    func client(_ service: AWSService, _ world: World) throws -> AWSClient {
        try moto.client(service, credentials: world.credentials)
    }

    @Test func accountPublicAccessIsBlockedAndUndoRestoresThePriorSettings() async throws {
        let world = try await world()
        let control = S3ControlClient(try client(.s3Control, world))
        let account: [String: JSONValue] = ["account": .string(MotoServer.account)]

        let dryRun = try await world.invoker.execute(request("s3control.block_public_access", account, mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("s3:PutAccountPublicAccessBlock") == true)
        #expect(try await control.publicAccessBlock(account: MotoServer.account) == nil)

        // No settings before: undo removes them again.
        let block = request("s3control.block_public_access", account)
        #expect(try await world.invoker.probe(block) == .notDone)
        let result = try await world.invoker.execute(block)
        #expect(result.verified)
        #expect(result.outputs["previous_configuration"] == .null)
        #expect(try await control.publicAccessBlock(account: MotoServer.account) == .allBlocked)
        #expect(try await world.invoker.probe(block) == .done(ActionResult(verified: true)))
        try await world.invoker.undo(block, priorState: try #require(result.priorState))
        #expect(try await control.publicAccessBlock(account: MotoServer.account) == nil)

        // Partial settings before: undo puts exactly those back.
        let partial = S3Client.PublicAccessBlock(
            blockPublicACLs: true,
            ignorePublicACLs: false,
            blockPublicPolicy: true,
            restrictPublicBuckets: false
        )
        try await control.putPublicAccessBlock(account: MotoServer.account, partial)
        #expect(try await world.invoker.probe(block) == .notDone)
        let second = try await world.invoker.execute(block)
        #expect(try await control.publicAccessBlock(account: MotoServer.account) == .allBlocked)
        try await world.invoker.undo(block, priorState: try #require(second.priorState))
        #expect(try await control.publicAccessBlock(account: MotoServer.account) == partial)
    }

    @Test func defaultEncryptionIsSetToTheKMSKeyAndUndoRestoresThePriorRule() async throws {
        let world = try await world()
        try await world.s3.createBucket("logs")
        let key = try await KMSClient(try client(.kms, world)).createKey(description: "bucket key")
        let before = try await world.s3.bucketEncryption(bucket: "logs")
        let parameters: [String: JSONValue] = ["bucket": "logs", "kms_key": .string(key)]

        let dryRun = try await world.invoker.execute(
            request("s3.enable_default_encryption", parameters, mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("s3:PutEncryptionConfiguration") == true)
        #expect(try await world.s3.bucketEncryption(bucket: "logs") == before)

        let encrypt = request("s3.enable_default_encryption", parameters)
        #expect(try await world.invoker.probe(encrypt) == .notDone)
        let result = try await world.invoker.execute(encrypt)
        #expect(result.verified)
        #expect(
            try await world.s3.bucketEncryption(bucket: "logs")
                == S3Client.DefaultEncryption(algorithm: "aws:kms", kmsKeyID: key, bucketKeyEnabled: true)
        )
        #expect(try await world.invoker.probe(encrypt) == .done(ActionResult(verified: true)))
        // SSE-S3 is a different target: the probe does not take the KMS rule for it.
        #expect(try await world.invoker.probe(request("s3.enable_default_encryption", ["bucket": "logs"])) == .notDone)

        try await world.invoker.undo(encrypt, priorState: try #require(result.priorState))
        #expect(try await world.s3.bucketEncryption(bucket: "logs") == before)
    }

    @Test func sseS3OverAnSSEKMSRuleIsUndoneBackToTheKMSRule() async throws {
        let world = try await world()
        try await world.s3.createBucket("reports")
        let prior = S3Client.DefaultEncryption(algorithm: "aws:kms", kmsKeyID: "alias/reports", bucketKeyEnabled: false)
        try await world.s3.putBucketEncryption(bucket: "reports", prior)
        let encrypt = request("s3.enable_default_encryption", ["bucket": "reports"])
        let result = try await world.invoker.execute(encrypt)
        #expect(result.verified)
        #expect(try await world.s3.bucketEncryption(bucket: "reports")?.algorithm == "AES256")
        try await world.invoker.undo(encrypt, priorState: try #require(result.priorState))
        #expect(try await world.s3.bucketEncryption(bucket: "reports") == prior)
    }

    @Test func publicBucketPolicyStatementsAreRemovedAndTheRestKept() async throws {
        let world = try await world()
        try await world.s3.createBucket("website")
        let publicRead: JSONValue = [
            "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::website/*",
        ]
        let publicList: JSONValue = [
            "Sid": "PublicList", "Effect": "Allow", "Principal": ["AWS": ["*"]], "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::website",
        ]
        let fromOffice: JSONValue = [
            "Sid": "FromOffice", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::website/*", "Condition": ["IpAddress": ["aws:SourceIp": "192.0.2.0/24"]],
        ]
        let denyInsecure: JSONValue = [
            "Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::website/*", "Condition": ["Bool": ["aws:SecureTransport": "false"]],
        ]
        let policy: JSONValue = [
            "Version": "2012-10-17", "Statement": [publicRead, fromOffice, publicList, denyInsecure],
        ]
        try await world.s3.putBucketPolicy(bucket: "website", document: policy.jsonText())
        let remove = request("s3.remove_public_policy_statements", ["bucket": "website"])

        let dryRun = try await world.invoker.execute(
            request("s3.remove_public_policy_statements", ["bucket": "website"], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("s3:PutBucketPolicy") == true)
        #expect(try await currentPolicy(world, "website") == policy)

        #expect(try await world.invoker.probe(remove) == .notDone)
        let result = try await world.invoker.execute(remove)
        #expect(result.verified)
        #expect(result.outputs["removed_statements"] == [publicRead, publicList])
        #expect(try await currentPolicy(world, "website")?["Statement"] == [fromOffice, denyInsecure])
        guard case .done = try await world.invoker.probe(remove) else {
            Issue.record("probe still sees a public statement")
            return
        }

        try await world.invoker.undo(remove, priorState: try #require(result.priorState))
        #expect(try await currentPolicy(world, "website") == policy)
    }

    @Test func aBucketPolicyWithOnlyPublicStatementsIsDeletedAndUndoPutsItBack() async throws {
        let world = try await world()
        try await world.s3.createBucket("open")
        let policy =
            #"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","#
            + #""Resource":"arn:aws:s3:::open/*"}}"#
        try await world.s3.putBucketPolicy(bucket: "open", document: policy)
        let remove = request("s3.remove_public_policy_statements", ["bucket": "open"])
        let result = try await world.invoker.execute(remove)
        #expect(result.verified)
        #expect(try await world.s3.bucketPolicy(bucket: "open") == nil)
        try await world.invoker.undo(remove, priorState: try #require(result.priorState))
        #expect(try await currentPolicy(world, "open") == (try JSONParser().parse(policy)))
    }

    @Test func aPrincipalIsDeniedOnTheBucketByAStatementOfItsOwnThatUndoRemovesAlone() async throws {
        let world = try await world()
        try await world.s3.createBucket("payroll-exports")
        let owner: JSONValue = [
            "Sid": "AnalyticsRead", "Effect": "Allow", "Principal": ["AWS": "arn:aws:iam::111122223333:role/analytics"],
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::payroll-exports/*",
        ]
        let policy: JSONValue = ["Version": "2012-10-17", "Statement": [owner]]
        try await world.s3.putBucketPolicy(bucket: "payroll-exports", document: policy.jsonText())
        let principal = "AIDAQWLBL77HVLZEIC7P1"
        let parameters: [String: JSONValue] = ["bucket": "payroll-exports", "principal_id": .string(principal)]
        let deny = request("s3.deny_principal", parameters)

        // Dry-run: the permission is checked, the policy left as it is
        let dryRun = try await world.invoker.execute(request("s3.deny_principal", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("s3:PutBucketPolicy") == true)
        #expect(try await currentPolicy(world, "payroll-exports") == policy)

        #expect(try await world.invoker.probe(deny) == .notDone)
        let result = try await world.invoker.execute(deny)
        #expect(result.verified)
        let sid = try #require(result.outputs["statement_id"]?.stringValue)
        #expect(sid.hasPrefix("RemedyDeny") && sid.count == 26)
        // The owner's statement stays; remedy's denies every S3 action on the bucket to that principal alone
        let statement: JSONValue = [
            "Sid": .string(sid), "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::payroll-exports", "arn:aws:s3:::payroll-exports/*"],
            "Condition": ["StringEquals": ["aws:userid": .string(principal)]],
        ]
        #expect(try await currentPolicy(world, "payroll-exports")?["Statement"] == [owner, statement])
        guard case .done = try await world.invoker.probe(deny) else {
            Issue.record("the probe does not find remedy's statement")
            return
        }
        // A second finding about the principal changes nothing, and its run has nothing to undo
        let again = try await world.invoker.execute(deny)
        #expect(again.priorState == nil)
        #expect(try await currentPolicy(world, "payroll-exports")?["Statement"] == [owner, statement])

        // Undo removes remedy's statement and keeps what the owner changed meanwhile
        let added: JSONValue = [
            "Sid": "AuditRead", "Effect": "Allow", "Principal": ["AWS": "arn:aws:iam::111122223333:role/audit"],
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::payroll-exports/*",
        ]
        let changed: JSONValue = ["Version": "2012-10-17", "Statement": [owner, statement, added]]
        try await world.s3.putBucketPolicy(bucket: "payroll-exports", document: changed.jsonText())
        try await world.invoker.undo(deny, priorState: try #require(result.priorState))
        #expect(try await currentPolicy(world, "payroll-exports")?["Statement"] == [owner, added])
    }

    @Test func aBucketWithoutAPolicyGetsOneAndUndoDeletesItAndAWildcardPrincipalIsRefused() async throws {
        let world = try await world()
        try await world.s3.createBucket("scratch")
        let deny = request("s3.deny_principal", ["bucket": "scratch", "principal_id": "AROAQWLBL77HVLZEIC7P2:i-0abc"])
        let result = try await world.invoker.execute(deny)
        #expect(result.verified)
        #expect(try await currentPolicy(world, "scratch")?["Statement"]?.arrayValue?.count == 1)
        try await world.invoker.undo(deny, priorState: try #require(result.priorState))
        #expect(try await world.s3.bucketPolicy(bucket: "scratch") == nil)
        // A pattern, a role without its session, or an empty id could deny far more than one principal
        for principal in ["*", "AROAQWLBL77HVLZEIC7P2:*", "AROAQWLBL77HVLZEIC7P2", "AIDA*", ""] {
            await #expect {
                _ = try await world.invoker.execute(
                    request("s3.deny_principal", ["bucket": "scratch", "principal_id": .string(principal)])
                )
            } throws: { ($0 as? ActionFailure)?.code == "InvalidParameter" }
        }
        #expect(try await world.s3.bucketPolicy(bucket: "scratch") == nil)
    }

    func currentPolicy(_ world: World, _ bucket: String) async throws -> JSONValue? {
        try await world.s3.bucketPolicy(bucket: bucket).map { try JSONParser().parse($0) }
    }

    @Test func keyRotationIsEnabledAndUndoDisablesItOnlyWhenItWasOff() async throws {
        let world = try await world()
        let kms = KMSClient(try client(.kms, world))
        let key = try await kms.createKey(description: "customer data")
        let rotate = request("kms.enable_key_rotation", ["key": .string(key)])

        let dryRun = try await world.invoker.execute(
            request("kms.enable_key_rotation", ["key": .string(key)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("kms:EnableKeyRotation") == true)
        #expect(try await kms.isKeyRotationEnabled(key) == false)

        #expect(try await world.invoker.probe(rotate) == .notDone)
        let result = try await world.invoker.execute(rotate)
        #expect(result.verified)
        #expect(try await kms.isKeyRotationEnabled(key))
        #expect(try await world.invoker.probe(rotate) == .done(ActionResult(verified: true)))
        try await world.invoker.undo(rotate, priorState: try #require(result.priorState))
        #expect(try await kms.isKeyRotationEnabled(key) == false)

        // Already on before the step: undo leaves it on.
        try await kms.enableKeyRotation(key)
        let again = try await world.invoker.execute(rotate)
        try await world.invoker.undo(rotate, priorState: try #require(again.priorState))
        #expect(try await kms.isKeyRotationEnabled(key))
    }

    /// A function in moto (no Docker needed to create one), with auth off: moto cannot authenticate Lambda's GET
    /// and DELETE calls, which have no body (docs/aws.md#moto-signature-checking), so these tests check behaviour, not
    /// signatures.
    func createFunction(_ world: World, _ name: String) async throws -> LambdaClient {
        try await moto.turnAuthOff()
        try await createRole(world, "\(name)-role")
        let lambda = LambdaClient(try client(.lambda, world))
        // A zip holding lambda_function.py (`def handler(e, c): return 1`).
        let zip =
            "UEsDBBQAAAAAAJIgfV0NPuUHHwAAAB8AAAASAAAAbGFtYmRhX2Z1bmN0aW9uLnB5ZGVmIGhhbmRsZXIoZSxjKToKICAgIHJldHVybiAx"
            + "ClBLAQIUAxQAAAAAAJIgfV0NPuUHHwAAAB8AAAASAAAAAAAAAAAAAACAAQAAAABsYW1iZGFfZnVuY3Rpb24ucHlQSwUGAAAAAAEAAQBA"
            + "AAAATwAAAAAA"
        _ = try await lambda.client.restJSON(
            "CreateFunction",
            effect: .mutating(idempotent: false),
            method: "POST",
            path: "/2015-03-31/functions",
            body: [
                "FunctionName": .string(name), "Runtime": "python3.12", "Handler": "lambda_function.handler",
                "Role": .string("arn:aws:iam::\(MotoServer.account):role/\(name)-role"),
                "Code": ["ZipFile": .string(zip)],
            ]
        )
        return lambda
    }

    @Test func aLambdaFunctionsCodeAndRoleAreCapturedAsEvidenceWithoutTheDownloadSignature() async throws {
        let world = try await world()
        let lambda = try await createFunction(world, "billing-export")
        let described = try await lambda.function("billing-export")
        let capture = request("lambda.capture_evidence", ["function": "billing-export"])
        // Read-only: dry-run reads the same
        let dryRun = try await world.invoker.execute(
            request("lambda.capture_evidence", ["function": "billing-export"], mode: .dryRun)
        )
        let result = try await world.invoker.execute(capture)
        #expect(result.verified)
        #expect(result.outputs["code_sha256"] == .string(try #require(described.codeSHA256)))
        #expect(dryRun.outputs["code_sha256"] == result.outputs["code_sha256"])
        #expect(result.outputs["version"] == "$LATEST")
        #expect(result.outputs["runtime"] == "python3.12")
        #expect(result.outputs["role_name"] == "billing-export-role")
        #expect(result.outputs["role_arn"] == .string("arn:aws:iam::\(MotoServer.account):role/billing-export-role"))
        // The package's location is kept without the query that would let anyone fetch it
        let location = try #require(result.outputs["code_location"]?.stringValue)
        #expect(!location.contains("?") && !location.contains("Signature"))
        #expect(result.priorState == nil)
        #expect(try await world.invoker.probe(capture) == .notDone)
        await #expect {
            _ = try await world.invoker.execute(request("lambda.capture_evidence", ["function": "no-such-function"]))
        } throws: { ($0 as? ActionFailure)?.code == "ResourceNotFoundException" }
    }

    @Test func lambdaIsThrottledToZeroAndUndoRestoresTheReservedConcurrency() async throws {
        let world = try await world()
        let lambda = try await createFunction(world, "miner")
        try await lambda.putFunctionConcurrency("miner", reserved: 5)
        let throttle = request("lambda.throttle", ["function": "miner"])

        let dryRun = try await world.invoker.execute(request("lambda.throttle", ["function": "miner"], mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("lambda:PutFunctionConcurrency") == true)
        #expect(try await lambda.functionConcurrency("miner") == 5)

        #expect(try await world.invoker.probe(throttle) == .notDone)
        let result = try await world.invoker.execute(throttle)
        #expect(result.verified)
        #expect(result.outputs["previous_concurrency"] == 5)
        #expect(try await lambda.functionConcurrency("miner") == 0)
        #expect(try await world.invoker.probe(throttle) == .done(ActionResult(verified: true)))
        try await world.invoker.undo(throttle, priorState: try #require(result.priorState))
        #expect(try await lambda.functionConcurrency("miner") == 5)

        // No reservation before: undo removes the reservation.
        try await lambda.deleteFunctionConcurrency("miner")
        let second = try await world.invoker.execute(throttle)
        #expect(second.outputs["previous_concurrency"] == .null)
        #expect(try await lambda.functionConcurrency("miner") == 0)
        try await world.invoker.undo(throttle, priorState: try #require(second.priorState))
        #expect(try await lambda.functionConcurrency("miner") == nil)
    }

    @Test func publicLambdaPermissionsAreRemovedAndUndoAddsThemBack() async throws {
        let world = try await world()
        let lambda = try await createFunction(world, "api")
        try await lambda.addPermission("api", statementID: "anyone", action: "lambda:InvokeFunction", principal: "*")
        _ = try await lambda.client.restJSON(
            "AddPermission",
            effect: .mutating(idempotent: false),
            method: "POST",
            path: "/2015-03-31/functions/api/policy",
            body: [
                "StatementId": "from-bucket", "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com",
                "SourceArn": "arn:aws:s3:::uploads",
            ]
        )
        func statementIDs() async throws -> [String] {
            let policy = try await lambda.policy("api") ?? #"{"Statement":[]}"#
            return (try JSONParser().parse(policy)["Statement"]?.arrayValue ?? []).compactMap { $0["Sid"]?.stringValue }
        }
        let remove = request("lambda.remove_public_permissions", ["function": "api"])

        let dryRun = try await world.invoker.execute(
            request("lambda.remove_public_permissions", ["function": "api"], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("lambda:RemovePermission") == true)
        #expect(try await statementIDs() == ["anyone", "from-bucket"])

        #expect(try await world.invoker.probe(remove) == .notDone)
        let result = try await world.invoker.execute(remove)
        #expect(result.verified)
        #expect(result.outputs["removed_statements"]?.arrayValue?.map { $0["Sid"] } == ["anyone"])
        #expect(try await statementIDs() == ["from-bucket"])
        guard case .done = try await world.invoker.probe(remove) else {
            Issue.record("probe still sees a public statement")
            return
        }

        try await world.invoker.undo(remove, priorState: try #require(result.priorState))
        let restored = try JSONParser().parse(try #require(try await lambda.policy("api")))
        let anyone = restored["Statement"]?.arrayValue?.first { $0["Sid"] == "anyone" }
        #expect(anyone?["Principal"] == "*")
        #expect(anyone?["Action"] == "lambda:InvokeFunction")
        #expect(anyone?["Condition"] == nil)

        // A statement whose condition AddPermission cannot express is reported, after the others are put back.
        let prior: JSONValue = [
            "statements": [
                [
                    "Sid": "from-anywhere-ip", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                    "Condition": ["IpAddress": ["aws:SourceIp": "0.0.0.0/0"]],
                ],
                ["Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl"],
            ]
        ]
        await #expect {
            try await world.invoker.undo(remove, priorState: prior)
        } throws: { error in
            let failure = error as? ActionFailure
            return failure?.code == "NotReversible" && failure?.message.contains("from-anywhere-ip") == true
        }
        #expect(try await statementIDs() == ["from-bucket", "anyone", "url"])
    }

    @Test func secretRotationCreatesAVersionNamedByTheStep() async throws {
        let world = try await world()
        let secrets = SecretsManagerClient(try client(.secretsManager, world))
        _ = try await secrets.client.json(
            "CreateSecret",
            effect: .mutating(idempotent: false),
            body: ["Name": "prod/db", "SecretString": "hunter2"]
        )
        let original = try await secrets.describeSecret("prod/db").versionStages
        let rotate = request("secretsmanager.rotate_secret", ["secret": "prod/db"])

        let dryRun = try await world.invoker.execute(
            request("secretsmanager.rotate_secret", ["secret": "prod/db"], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("secretsmanager:RotateSecret") == true)
        #expect(try await secrets.describeSecret("prod/db").versionStages == original)

        #expect(try await world.invoker.probe(rotate) == .notDone)
        let result = try await world.invoker.execute(rotate)
        // moto rotates without a rotation function (AWS requires one) and marks the new version current at once.
        #expect(result.verified)
        let token = IdempotencyToken.uuid("run-1/s1")
        #expect(result.outputs["version_id"] == .string(token))
        let stages = try await secrets.describeSecret("prod/db").versionStages
        #expect(stages[token] == ["AWSCURRENT"])
        #expect(original.keys.allSatisfy { stages[$0] == ["AWSPREVIOUS"] })
        #expect(
            try await world.invoker.probe(rotate)
                == .done(ActionResult(outputs: ["version_id": .string(token)], verified: true))
        )
        #expect(
            try await world.invoker.probe(request("secretsmanager.rotate_secret", ["secret": "prod/db"], step: "s2"))
                == .notDone
        )
    }
}
