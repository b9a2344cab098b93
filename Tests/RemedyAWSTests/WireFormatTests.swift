import Foundation
import RemedyCore
import Testing

@testable import RemedyAWS

/// What remedy puts on the wire, compared with botocore's captures (docs/aws.md#wire-captures).
@Suite struct WireFormatTests {
    @Test func ec2CreateTagsIsAFlatFormBodyLikeBotocores() async throws {
        let transport = ScriptedTransport(replies: [
            .success(
                .xml(
                    "<CreateTagsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId></CreateTagsResponse>"
                )
            )
        ])
        let ec2 = EC2Client(try .testing(.ec2, transport: transport))
        try await ec2.createTags(resources: ["i-de1c44c1c4449e227"], tags: ["remedy:quarantined": "true"])
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url == "https://ec2.us-east-1.amazonaws.com/")
        #expect(
            request.bodyText
                == "Action=CreateTags&Version=2016-11-15&ResourceId.1=i-de1c44c1c4449e227&Tag.1.Key=remedy%3Aquarantined&Tag.1.Value=true"
        )
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(request.header("Authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/") == true)
        #expect(request.header("Authorization")?.contains("/us-east-1/ec2/aws4_request") == true)
        #expect(request.header("amz-sdk-request") == "attempt=1; max=3")
    }

    @Test func hostileValuesCannotAddParameters() async throws {
        let transport = ScriptedTransport(replies: [
            .success(.xml("<UpdateAccessKeyResponse><ResponseMetadata/></UpdateAccessKeyResponse>"))
        ])
        let iam = IAMClient(try .testing(.iam, transport: transport))
        try await iam.updateAccessKey(user: "alice&Action=DeleteUser", accessKeyID: "AKIA\nX", status: "Inactive")
        let body = try #require(transport.requests.first?.bodyText)
        #expect(
            body
                == "Action=UpdateAccessKey&Version=2010-05-08&UserName=alice%26Action%3DDeleteUser&AccessKeyId=AKIA%0AX&Status=Inactive"
        )
        #expect(transport.requests.first?.url == "https://iam.amazonaws.com/")
        #expect(transport.requests.first?.header("Authorization")?.contains("/us-east-1/iam/aws4_request") == true)
    }

    @Test func sqsUsesTheJSONProtocolWithItsTargetAndQueryMode() async throws {
        let transport = ScriptedTransport(replies: [.success(.json(#"{"MessageId": "m-1"}"#))])
        let sqs = SQSClient(try .testing(.sqs, transport: transport))
        let id = try await sqs.sendMessage(queueURL: "https://sqs.us-east-1.amazonaws.com/1/q", body: "hello")
        #expect(id == "m-1")
        let request = try #require(transport.requests.first)
        #expect(request.header("X-Amz-Target") == "AmazonSQS.SendMessage")
        #expect(request.header("Content-Type") == "application/x-amz-json-1.0")
        #expect(request.header("x-amzn-query-mode") == "true")
        #expect(request.bodyText == #"{"MessageBody":"hello","QueueUrl":"https://sqs.us-east-1.amazonaws.com/1/q"}"#)
    }

    @Test func s3UsesVirtualHostsExceptForDottedNamesAndOverrides() async throws {
        let transport = ScriptedTransport()
        let s3 = S3Client(try .testing(.s3, transport: transport, region: "eu-west-1"))
        try await s3.putPublicAccessBlock(bucket: "evidence", .allBlocked)
        try await s3.putPublicAccessBlock(bucket: "my.dotted.bucket", .allBlocked)
        let local = S3Client(
            try .testing(
                .s3,
                transport: transport,
                endpoint: AWSEndpoint(overrideURL: "http://127.0.0.1:5077", signingRegion: "us-east-1")
            )
        )
        try await local.putPublicAccessBlock(bucket: "evidence", .allBlocked)
        let urls = transport.requests.map(\.url)
        #expect(
            urls == [
                "https://evidence.s3.eu-west-1.amazonaws.com/?publicAccessBlock",
                "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket?publicAccessBlock",
                "http://127.0.0.1:5077/evidence?publicAccessBlock",
            ]
        )
        let put = try #require(transport.requests.first)
        #expect(put.header("Content-MD5") != nil)
        #expect(put.header("x-amz-content-sha256")?.count == 64)
        #expect(put.bodyText.contains("<BlockPublicAcls>true</BlockPublicAcls>"))
    }

    @Test func s3ControlPutsTheAccountInTheHostAndHeaderButNotUnderAnOverride() async throws {
        let transport = ScriptedTransport()
        let control = S3ControlClient(try .testing(.s3Control, transport: transport, region: "us-west-2"))
        try await control.putPublicAccessBlock(account: "111122223333", .allBlocked)
        let local = S3ControlClient(
            try .testing(
                .s3Control,
                transport: transport,
                endpoint: AWSEndpoint(overrideURL: "http://127.0.0.1:5077", signingRegion: "us-west-2")
            )
        )
        try await local.putPublicAccessBlock(account: "111122223333", .allBlocked)
        #expect(
            transport.requests.map(\.url) == [
                "https://111122223333.s3-control.us-west-2.amazonaws.com/v20180820/configuration/publicAccessBlock",
                "http://127.0.0.1:5077/v20180820/configuration/publicAccessBlock",
            ]
        )
        #expect(transport.requests.allSatisfy { $0.header("x-amz-account-id") == "111122223333" })
        #expect(
            transport.requests.allSatisfy { $0.header("Authorization")?.contains("/us-west-2/s3/aws4_request") == true }
        )
    }

    @Test func restJSONPathLabelsArePercentEncoded() async throws {
        let transport = ScriptedTransport(replies: [.success(.json(#"{"ReservedConcurrentExecutions": 0}"#))])
        let lambda = LambdaClient(try .testing(.lambda, transport: transport))
        try await lambda.putFunctionConcurrency("arn:aws:lambda:us-east-1:111122223333:function:f", reserved: 0)
        let request = try #require(transport.requests.first)
        #expect(request.method == "PUT")
        #expect(
            request.url
                == "https://lambda.us-east-1.amazonaws.com/2017-10-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111122223333%3Afunction%3Af/concurrency"
        )
        #expect(request.bodyText == #"{"ReservedConcurrentExecutions":0}"#)
    }
}

/// Responses are read strictly: a wrong answer is an error, never an empty success.
@Suite struct ResponseParsingTests {
    @Test func wrongRootElementIsAMalformedResponse() async throws {
        // What moto answers for GetBucketPolicyStatus: a ListObjects result.
        let transport = ScriptedTransport(replies: [
            .success(.xml("<ListBucketResult><Name>b</Name></ListBucketResult>"))
        ])
        let s3 = S3Client(try .testing(.s3, transport: transport))
        await #expect { try await s3.isBucketPolicyPublic(bucket: "bucket") } throws: { error in
            (error as? AWSError)?.kind == .malformedResponse && "\(error)".contains("expected <PolicyStatus>")
        }
    }

    @Test func htmlPageIsNotImplementedAndNotRetried() async throws {
        let page = HTTPResponseData(
            status: 404,
            body: Array("<!DOCTYPE html><html><title>404 Not Found</title></html>".utf8)
        )
        let transport = ScriptedTransport(replies: [.success(page)])
        let hub = SecurityHubClient(try .testing(.securityHub, transport: transport))
        await #expect {
            _ = try await hub.batchUpdateFindings(findings: [("f", "p")], workflowStatus: "RESOLVED", note: nil)
        } throws: { error in
            (error as? AWSError)?.kind == .notImplemented
        }
        #expect(transport.requests.count == 1)
    }

    @Test(
        arguments: [
            ("%7B%22Version%22%3A%222012-10-17%22%7D", false, "{\"Version\":\"2012-10-17\"}"),
            ("a+b%20c", false, "a+b c"), ("a+b%20c", true, "a b c"), ("caf%C3%A9", false, "café"),
            ("plain", false, "plain"), ("", false, ""),
            ("broken%2", false, nil), ("broken%zz", false, nil), ("%FF", false, nil),
        ] as [(String, Bool, String?)]
    )
    func percentEscapesDecodeLikeFoundation(encoded: String, plusAsSpace: Bool, decoded: String?) {
        #expect(URIEncoding.decode(encoded.utf8, plusAsSpace: plusAsSpace) == decoded)
        if !plusAsSpace { #expect(encoded.removingPercentEncoding == decoded) }
        let text = "arn:aws:iam::123456789012:role/a b+c/é"
        #expect(URIEncoding.decode(URIEncoding.encode(text).utf8) == text)
    }

    @Test func successfulAnswerThatIsAnHTMLPageIsNotImplemented() async throws {
        // A proxy or sign-in portal answering 200 with a page, to an XML and to a JSON operation.
        let page = HTTPResponseData(status: 200, body: Array("<!DOCTYPE html><html><body>Sign in</body></html>".utf8))
        let ec2 = EC2Client(try .testing(.ec2, transport: ScriptedTransport(replies: [.success(page)])))
        await #expect { _ = try await ec2.describeInstances(ids: ["i-1"]) } throws: { error in
            (error as? AWSError)?.kind == .notImplemented
                && "\(error)".contains("an HTML page instead of <DescribeInstancesResponse>")
        }
        let hub = SecurityHubClient(try .testing(.securityHub, transport: ScriptedTransport(replies: [.success(page)])))
        await #expect {
            _ = try await hub.batchUpdateFindings(findings: [("f", "p")], workflowStatus: "RESOLVED", note: nil)
        } throws: { error in
            (error as? AWSError)?.kind == .notImplemented && "\(error)".contains("an HTML page instead of JSON")
        }
    }

    @Test(
        arguments: [
            ("<!DOCTYPE html><html></html>", true), ("\n  <HTML><body>Bad Gateway</body></HTML>", true),
            ("<?xml version=\"1.0\"?>\n<!doctype HTML>", true), ("<DescribeInstancesResponse/>", false),
            ("{\"html\": \"<htm\"}", false), ("", false),
            (String(repeating: " ", count: 256) + "<html>", false),
        ]
    )
    func htmlIsRecognisedInTheFirst256BytesInAnyCase(body: String, isHTML: Bool) {
        #expect(AWSErrorDecoder.looksLikeHTML(Array(body.utf8)) == isHTML)
    }

    @Test(
        arguments: [
            ("2026-05-01T12:00:00Z", 1_777_636_800.0), ("2026-05-01T12:00:00.250Z", 1_777_636_800.25),
            ("2026-05-01T14:00:00+02:00", 1_777_636_800.0), ("2026-05-01", nil), ("soon", nil),
        ]
    )
    func timestampsParseWithOrWithoutFractionsAndOffsets(text: String, seconds: Double?) {
        #expect(ISO8601.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test func truncatedBodyIsAMalformedResponse() async throws {
        let transport = ScriptedTransport(replies: [.success(.xml("<DescribeInstancesResponse><reservationSet><item>"))]
        )
        let ec2 = EC2Client(try .testing(.ec2, transport: transport))
        await #expect { _ = try await ec2.describeInstances(ids: ["i-01234567"]) } throws: { error in
            (error as? AWSError)?.code == "MalformedResponse"
        }
    }

    @Test(
        arguments: [
            // EC2 DryRun answer (real capture).
            (
                AWSService.ec2, 412, [(String, String)](),
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><Errors><Error><Code>DryRunOperation</Code><Message>Request would have succeeded, but DryRun flag is set.</Message></Error></Errors><RequestID>request-id</RequestID></Response>",
                "DryRunOperation", "request-id"
            ),
            // IAM (query).
            (
                .iam, 404, [],
                "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>gone</Message></Error><RequestId>yPF4</RequestId></ErrorResponse>",
                "NoSuchEntity", "yPF4"
            ),
            // S3 (no wrapper).
            (
                .s3, 404, [],
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>NoSuchPublicAccessBlockConfiguration</Code><Message>none</Message><RequestId>abc</RequestId></Error>",
                "NoSuchPublicAccessBlockConfiguration", "abc"
            ),
            // SQS: the query-compatible header gives the legacy code.
            (
                .sqs, 400,
                [
                    ("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"),
                    ("X-Amzn-Errortype", "com.amazonaws.sqs#QueueDoesNotExist"),
                ], #"{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "no"}"#,
                "AWS.SimpleQueueService.NonExistentQueue", nil
            ),
            // KMS: __type.
            (.kms, 400, [], #"{"__type": "NotFoundException", "message": "no key"}"#, "NotFoundException", nil),
            // GuardDuty: the header wins over the body.
            (
                .guardDuty, 400, [("X-Amzn-ErrorType", "BadRequestException"), ("x-amzn-RequestId", "gd-1")],
                #"{"__type": "InvalidInputException", "message": "bad"}"#, "BadRequestException", "gd-1"
            ),
            // moto's auth failure for a JSON service: query XML.
            (
                .kms, 403, [],
                "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>mismatch</Message></Error></Errors></ErrorResponse>",
                "SignatureDoesNotMatch", nil
            ),
        ] as [(AWSService, Int, [(String, String)], String, String, String?)]
    )
    func errorsOfEveryProtocolAreDecoded(
        service: AWSService,
        status: Int,
        headers: [(String, String)],
        body: String,
        code: String,
        requestID: String?
    ) async throws {
        let response = HTTPResponseData(status: status, headers: headers.map { ($0.0, $0.1) }, body: Array(body.utf8))
        let transport = ScriptedTransport(replies: [.success(response)])
        let client = try AWSClient.testing(service, transport: transport)
        do {
            _ = try await client.perform(AWSCall(operation: "Op", effect: .readOnly, method: "POST"))
            Issue.record("no error thrown")
        } catch {
            #expect(error.code == code)
            #expect(error.statusCode == status)
            #expect(error.requestID == requestID)
        }
    }
}

@Suite struct STSExchangeTests {
    static let credentialsXML = """
        <AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
        <AccessKeyId>ASIAEXAMPLE000000001</AccessKeyId><SecretAccessKey>s</SecretAccessKey>\
        <SessionToken>t</SessionToken><Expiration>2026-11-29T12:00:00Z</Expiration></Credentials>\
        </AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>
        """

    @Test func webIdentityIsExchangedUnsignedWithTheTokenInTheBody() async throws {
        let transport = ScriptedTransport(replies: [.success(.xml(Self.credentialsXML))])
        let exchange = TransportSTSExchange(
            region: "eu-west-1",
            resolver: EndpointResolver(environment: [:]),
            transport: transport
        )
        let credentials = try await exchange.assumeRoleWithWebIdentity(
            AssumeRoleWithWebIdentityRequest(
                roleARN: "arn:aws:iam::111122223333:role/r",
                sessionName: "s",
                webIdentityToken: "eyJ.token"
            )
        )
        #expect(credentials.accessKeyID == "ASIAEXAMPLE000000001")
        #expect(credentials.sessionToken == "t")
        #expect(credentials.expiration != nil)
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://sts.eu-west-1.amazonaws.com/")
        #expect(request.header("Authorization") == nil)
        #expect(
            request.bodyText
                == "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&RoleSessionName=s&WebIdentityToken=eyJ.token"
        )
    }

    @Test func assumeRoleIsSignedWithTheSourceCredentials() async throws {
        let reply = Self.credentialsXML.replacingOccurrences(of: "AssumeRoleWithWebIdentity", with: "AssumeRole")
        let transport = ScriptedTransport(replies: [.success(.xml(reply))])
        let exchange = TransportSTSExchange(
            region: "us-east-1",
            resolver: EndpointResolver(environment: [:]),
            transport: transport
        )
        _ = try await exchange.assumeRole(
            AssumeRoleRequest(
                roleARN: "arn:aws:iam::111122223333:role/r",
                sessionName: "remedy-run-1",
                externalID: "ext",
                durationSeconds: 900
            ),
            using: TestCredentials.valid
        )
        let request = try #require(transport.requests.first)
        #expect(request.header("Authorization")?.contains("Credential=AKIAIOSFODNN7EXAMPLE/") == true)
        #expect(request.bodyText.hasSuffix("RoleSessionName=remedy-run-1&ExternalId=ext&DurationSeconds=900"))
    }
}
