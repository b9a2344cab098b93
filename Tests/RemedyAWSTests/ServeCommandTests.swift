import Crypto
import Foundation
import RemedyAWS
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

/// `remedy serve` as a process against moto with signature checking on: a feed posts a finding, an approver
/// approves over HTTP, the bucket ends blocked in moto, and SIGTERM stops the server cleanly.
extension MotoIntegrationTests {
    static let gatedLockdownPlaybook = """
        apiVersion: remedy/v1
        name: bucket-lockdown
        match: {controls: ["S3.8"], resource: AwsS3Bucket}
        steps:
          - id: approve-block
            approve: {approvers: ["arn:aws:iam::123456789012:user/lead"], timeout: 30m}
          - id: block
            action: s3.block_public_access
            with: {bucket: "{{ finding.resources[0].id }}"}
        """

    @Test func serveTakesAFindingOverHTTPAndRemediatesAfterAnHTTPApproval() async throws {
        let credentials = try await moto.prepare()
        let s3 = S3Client(try moto.client(.s3, credentials: credentials))
        try await s3.createBucket("acme-web-assets-prod")
        try await withTemporaryDirectory { directory in
            let feedToken = "feed-\(UUID().uuidString)"
            let leadToken = "lead-\(UUID().uuidString)"
            let leadHash = SHA256.hash(data: Array(leadToken.utf8)).map { String(format: "%02x", $0) }.joined()
            try directory.write("playbooks/lockdown.yaml", Self.gatedLockdownPlaybook)
            let config = try directory.write(
                "remedy.yaml",
                """
                apiVersion: remedy/v1
                server:
                  listen: 127.0.0.1:0
                  auth:
                    bearer_tokens:
                      eventbridge: {env: FEED_TOKEN}
                  approver_tokens:
                    "arn:aws:iam::123456789012:user/lead": "sha256:\(leadHash)"
                """
            )
            let journalPath = directory.file("journal.sqlite")
            var environment = try doctorEnvironment(credentials, home: directory.path)
            environment["FEED_TOKEN"] = feedToken
            let server = try await ServingRemedy.start(
                ["--config", config, "--journal", journalPath, "--playbooks", directory.file("playbooks")],
                environment: environment
            )
            let http = AsyncHTTPClientTransport()
            func send(_ method: String, _ path: String, token: String, body: String = "") async throws -> JSONValue {
                let response = try await http.send(
                    HTTPRequestData(
                        method: method,
                        url: server.baseURL + path,
                        headers: [("Authorization", "Bearer \(token)")],
                        body: Array(body.utf8)
                    ),
                    timeout: .seconds(20)
                )
                #expect((200..<300).contains(response.status), "\(method) \(path): \(response.status)")
                return try JSONParser().parse(response.body)
            }

            let finding = try Repository.read("Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json")
            let accepted = try await send("POST", "/v1/events", token: feedToken, body: finding)
            let runID = try #require(accepted["runs"]?[0]?["runId"]?.stringValue)
            var status = ""
            for _ in 0..<200 where status != "parked" {
                status = try await send("GET", "/v1/runs/\(runID)", token: leadToken)["status"]?.stringValue ?? ""
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == "parked")
            #expect(try await s3.publicAccessBlock(bucket: "acme-web-assets-prod") == nil)

            _ = try await send(
                "POST",
                "/v1/runs/\(runID)/approvals",
                token: leadToken,
                body: #"{"decision":"approve"}"#
            )
            for _ in 0..<200 where status != "succeeded" {
                status = try await send("GET", "/v1/runs/\(runID)", token: leadToken)["status"]?.stringValue ?? ""
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == "succeeded")
            #expect(try await s3.publicAccessBlock(bucket: "acme-web-assets-prod") == .allBlocked)

            let metrics = try await http.send(
                HTTPRequestData(method: "GET", url: server.baseURL + "/metrics", headers: [], body: []),
                timeout: .seconds(20)
            )
            let exposition = String(decoding: metrics.body, as: UTF8.self)
            let putCalls = exposition.split(separator: "\n").filter {
                $0.hasPrefix("remedy_aws_calls_total{") && $0.contains(#"service="s3""#)
                    && $0.contains(#"operation="PutPublicAccessBlock""#)
            }
            #expect(putCalls.count == 1 && putCalls.first?.hasSuffix(" 1") == true, "\(exposition)")
            #expect(exposition.contains(#"remedy_runs_total{status="succeeded"} 1"#))

            let logs = server.standardError
            #expect(try await server.terminate() == 0)
            #expect(logs.contains(#""run.id":"\#(runID)""#))
            #expect(!logs.contains(feedToken) && !logs.contains(leadToken))
            let journal = try JournalDatabase(path: journalPath)
            let records = try journal.records()
            #expect(records.first?.payload["initiator"] == "feed:bearer:eventbridge")
            #expect(records.contains { $0.kind == "approval.granted" && $0.payload["channel"] == "http" })
            #expect(try journal.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)
        }
    }
}
