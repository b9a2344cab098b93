import Foundation
import RemedyAWS
import RemedyCore
import Testing

@Suite struct SecretHygieneTests {
    @Test func errorsAndRequestsDoNotRevealSecrets() async throws {
        let secret = "SUPERSECRETKEYVALUE1234567890abcdefghij"
        let token = "SESSIONTOKENVALUE/abc+def=="
        let credentials = AWSCredentials(
            accessKeyID: "ASIAIOSFODNN7EXAMPLE",
            secretAccessKey: secret,
            sessionToken: token
        )
        let denied = HTTPResponseData.xml(
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>",
            status: 403
        )
        let transport = ScriptedTransport(replies: [.success(denied)])
        let sts = STSClient(try .testing(.sts, transport: transport, credentials: credentials))
        do {
            _ = try await sts.getCallerIdentity()
            Issue.record("no error")
        } catch {
            let text = "\(error) \(String(reflecting: error))"
            #expect(!text.contains(secret))
            #expect(!text.contains(token))
            #expect(text.contains("wrong or the clock is skewed"))
        }
        // The signed request carries the token (it must) but never the secret.
        let request = try #require(transport.requests.first)
        #expect(!request.headers.contains { $0.value.contains(secret) })
        #expect(request.header("X-Amz-Security-Token") == token)
    }
}
