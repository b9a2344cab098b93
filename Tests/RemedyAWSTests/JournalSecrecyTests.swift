import Foundation
import RemedyAWS
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

/// No secret or auth material reaches the journal: not from credentials, not from signed requests, not from errors.
extension MotoIntegrationTests {
    @Test func theJournalFileHoldsNoCredentialOrSignatureAfterRunsThatSucceedAndFail() async throws {
        // Given temporary credentials (with a session token) from an assumed role
        let world = try await world()
        let (instance, _) = try await launchInstance(world, groupName: "web-secrecy")
        let iam = try moto.client(.iam, credentials: world.credentials)
        let trust =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
        _ = try await iam.query("CreateRole", effect: .mutating(idempotent: false)) {
            $0.set("RoleName", "responder")
            $0.set("AssumeRolePolicyDocument", trust)
        }
        _ = try await iam.query("PutRolePolicy", effect: .mutating(idempotent: true)) {
            $0.set("RoleName", "responder")
            $0.set("PolicyName", "allow-all")
            $0.set(
                "PolicyDocument",
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            )
        }
        let session = try await STSClient(try moto.client(.sts, credentials: world.credentials)).assumeRole(
            roleARN: "arn:aws:iam::\(MotoServer.account):role/responder",
            sessionName: "responder-at-terminal"
        )
        let token = try #require(session.sessionToken)

        try await withTemporaryDirectory { directory in
            _ = try directory.write("playbooks/contain.yaml", Self.containPlaybook)
            let journalPath = directory.file("journal.sqlite")
            var environment = try doctorEnvironment(session, home: directory.path)
            environment["AWS_SESSION_TOKEN"] = token
            // When one run succeeds and one fails on a missing instance (an AWS error with a message)
            for target in [instance, "i-0deadbeefdeadbeef"] {
                let findingFile = try directory.write("finding-\(target).json", try Self.sshFinding(instance: target))
                _ = try RemedyBinary.run(
                    ["run", findingFile, "--playbooks", directory.file("playbooks"), "--journal", journalPath],
                    environment: environment
                )
            }
            let journal = try JournalDatabase(path: journalPath)
            let kinds = try journal.records().map(\.kind)
            #expect(kinds.filter { $0 == "run.succeeded" }.count == 1)
            #expect(kinds.filter { $0 == "run.failed" }.count == 1)
            #expect(
                try journal.records().first?.payload["initiator"]?.stringValue?.contains("assumed-role/responder")
                    == true
            )

            // Then neither the database nor its write-ahead log holds a secret, the token or any signing material
            var stored = Data()
            for suffix in ["", "-wal", "-shm"] {
                stored.append((try? Data(contentsOf: URL(fileURLWithPath: journalPath + suffix))) ?? Data())
            }
            let text = String(decoding: stored, as: UTF8.self)
            #expect(text.contains("step.succeeded"))  // the scan reads the real records
            for forbidden in [
                session.secretAccessKey, token, world.credentials.secretAccessKey, "AWS4-HMAC-SHA256", "Signature=",
                "X-Amz-Security-Token", "x-amz-security-token", "Authorization",
            ] {
                #expect(!text.contains(forbidden), "the journal holds \(forbidden.prefix(12))...")
            }
        }
    }
}
