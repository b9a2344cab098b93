import Foundation
import RemedyTestSupport
import Testing

@testable import RemedyAWS

@Suite struct SigV4SignerTests {
    static let exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let exampleTime = SigV4Timestamp(secondsSince1970: 1_440_938_160)

    // MARK: - Vector sets

    @Test func vectorSetsHaveExactlyTheDocumentedNumberOfCases() {
        #expect(SigV4Fixtures.classicCases.count == 34)
        #expect(SigV4Fixtures.awsCAuthCases.count == 38)
        #expect(SigV4Fixtures.botocoreIDs.count == 50)
    }

    @Test(arguments: SigV4Fixtures.classicCases)
    func classicSuiteCaseMatchesCanonicalRequestStringToSignAndAuthorization(_ name: String) throws {
        let folder = SigV4Fixtures.classicRoot.appendingPathComponent(name)
        let base = (name as NSString).lastPathComponent
        let file = { (suffix: String) in folder.appendingPathComponent("\(base).\(suffix)") }
        let raw = try RawHTTPRequest(parsing: SigV4Fixtures.bytes(file("req")))
        let expectedCanonical = try SigV4Fixtures.text(file("creq"))
        let signedRequest = try SigV4Fixtures.text(file("sreq"))

        // The suite gives the token only through its outputs: signed when the canonical request has it, added
        // after signing when only the signed request does (post-sts-header-after).
        let tokenLine = { (text: String) in
            text.split(separator: "\n").first { $0.lowercased().hasPrefix("x-amz-security-token:") }
                .map { String($0.drop { $0 != ":" }.dropFirst()) }
        }
        let signedToken = tokenLine(expectedCanonical)
        let token = signedToken ?? tokenLine(signedRequest)
        var rules = SigningRules.standard
        rules.omitSessionTokenFromSignature = signedToken == nil && token != nil

        let signer = try SigV4Signer(service: "service", region: "us-east-1", rules: rules)
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: Self.exampleSecret,
            sessionToken: token
        )
        let time = try SigV4Timestamp(parsing: try #require(raw.header("x-amz-date")))
        let signed = try signer.sign(raw.signerRequest(), credentials: credentials, at: time)

        #expect(signed.canonicalRequest == expectedCanonical)
        #expect(signed.stringToSign == (try SigV4Fixtures.text(file("sts"))))
        #expect(signed.authorization == (try SigV4Fixtures.text(file("authz"))))
    }

    enum SigningMode: String, CaseIterable, Sendable {
        case header
        case query
    }

    @Test(arguments: SigV4Fixtures.awsCAuthCases, SigningMode.allCases)
    func awsCAuthCaseMatchesInHeaderAndQueryForm(_ name: String, _ mode: SigningMode) throws {
        let folder = SigV4Fixtures.awsCAuthRoot.appendingPathComponent(name)
        let file = { (name: String) in folder.appendingPathComponent(name) }
        let context = try JSONDecoder().decode(
            AWSCAuthContext.self,
            from: Data(SigV4Fixtures.bytes(file("context.json")))
        )
        let raw = try RawHTTPRequest(parsing: SigV4Fixtures.bytes(file("request.txt")))
        let rules = SigningRules(
            normalizePath: context.normalize,
            encodePath: true,
            addContentSHA256Header: context.signBody,
            omitSessionTokenFromSignature: context.omitSessionToken ?? false
        )
        let signer = try SigV4Signer(service: context.service, region: context.region, rules: rules)
        let credentials = AWSCredentials(
            accessKeyID: context.credentials.accessKeyID,
            secretAccessKey: context.credentials.secretAccessKey,
            sessionToken: context.credentials.token
        )
        let time = try SigV4Timestamp(parsing: context.timestamp)
        let expectedSignedRequest = try RawHTTPRequest(parsing: SigV4Fixtures.bytes(file("\(mode)-signed-request.txt")))

        let canonicalRequest: String
        let stringToSign: String
        let signature: String
        switch mode {
        case .header:
            let signed = try signer.sign(raw.signerRequest(), credentials: credentials, at: time)
            (canonicalRequest, stringToSign, signature) = (
                signed.canonicalRequest, signed.stringToSign, signed.signature
            )
            #expect(signed.authorization == expectedSignedRequest.header("authorization"))
        case .query:
            let presigned = try signer.presign(
                raw.signerRequest(),
                credentials: credentials,
                at: time,
                expires: context.expirationInSeconds
            )
            (canonicalRequest, stringToSign, signature) = (
                presigned.canonicalRequest, presigned.stringToSign, presigned.signature
            )
            let expectedQuery = expectedSignedRequest.target.split(separator: "?", maxSplits: 1).last.map(String.init)
            #expect(presigned.query == expectedQuery)
        }
        #expect(canonicalRequest == (try SigV4Fixtures.text(file("\(mode)-canonical-request.txt"))))
        #expect(stringToSign == (try SigV4Fixtures.text(file("\(mode)-string-to-sign.txt"))))
        #expect(
            signature
                == (try SigV4Fixtures.text(file("\(mode)-signature.txt"))).trimmingCharacters(
                    in: .whitespacesAndNewlines
                )
        )
    }

    @Test(arguments: SigV4Fixtures.botocoreIDs)
    func botocoreVectorMatchesEveryLevel(_ id: String) throws {
        let line = try #require(SigV4Fixtures.botocoreLines[id])
        let expected = try JSONDecoder().decode(BotocoreExpected.Wrapper.self, from: Data(line.utf8)).expected
        let prepared = try SigV4DebugVector.prepare(SigV4DebugVector.decode(line: line))
        let signed = try prepared.signer.sign(prepared.request, credentials: prepared.credentials, at: prepared.time)

        #expect(signed.canonicalRequest == expected.canonicalRequest)
        #expect(signed.stringToSign == expected.stringToSign)
        #expect(signed.signature == expected.signature)
        #expect(signed.authorization == expected.authorization)
        #expect(signed.signedHeaders == expected.signedHeaders)
        #expect(
            Dictionary(uniqueKeysWithValues: signed.headersAdded.map { ($0.name, $0.value) }) == expected.headersAdded
        )
    }

    @Test(arguments: SigV4Fixtures.botocoreIDs)
    func debugVectorPrintsTheBotocoreArtefacts(_ id: String) throws {
        let line = try #require(SigV4Fixtures.botocoreLines[id])
        let expected = try JSONDecoder().decode(BotocoreExpected.Wrapper.self, from: Data(line.utf8)).expected
        let printed = try SigV4DebugVector.run(line: line)
        let output = try JSONDecoder().decode(SigV4DebugVector.Output.self, from: Data(printed.utf8))
        #expect(
            output
                == SigV4DebugVector.Output(
                    id: id,
                    canonicalRequest: expected.canonicalRequest,
                    stringToSign: expected.stringToSign,
                    authorization: expected.authorization
                )
        )
        #expect(printed.hasPrefix("{\"id\":\"\(id)\",\"canonical_request\":"))
        #expect(!printed.contains("\n"))
    }

    // MARK: - Behaviour

    private static func signer(_ service: String = "service", rules: SigningRules = .standard) throws -> SigV4Signer {
        try SigV4Signer(service: service, region: "us-east-1", rules: rules)
    }

    private static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: exampleSecret)

    private static func canonicalLines(_ signed: SigV4SignedRequest) -> [Substring] {
        signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
    }

    @Test func signersSharingAKeyCacheSignEachScopeWithItsOwnKey() throws {
        // The signers of one context share derived keys; each service, region and secret keeps its own.
        let shared = SigningKeyCache()
        let request = try SigV4Request(method: "POST", url: "https://example.amazonaws.com/")
        let other = AWSCredentials(accessKeyID: "AKIDOTHER", secretAccessKey: "another-secret")
        for _ in 0..<2 {
            for (service, region) in [("ec2", "us-east-1"), ("iam", "us-east-1"), ("ec2", "eu-west-1")] {
                for credentials in [Self.credentials, other] {
                    let sharing = try SigV4Signer(service: service, region: region, rules: .standard, keyCache: shared)
                    let alone = try SigV4Signer(service: service, region: region)
                    #expect(
                        try sharing.sign(request, credentials: credentials, at: Self.exampleTime).authorization
                            == alone.sign(request, credentials: credentials, at: Self.exampleTime).authorization
                    )
                }
            }
        }
    }

    @Test func hostKeepsANonDefaultPortAndDropsTheDefaultOne() throws {
        let loopback = try SigV4Request(method: "POST", url: "http://127.0.0.1:5077/")
        #expect(try loopback.signingHost == "127.0.0.1:5077")
        let signed = try Self.signer().sign(loopback, credentials: Self.credentials, at: Self.exampleTime)
        #expect(Self.canonicalLines(signed).contains("host:127.0.0.1:5077"))

        #expect(try SigV4Request(method: "GET", url: "https://Example.COM:443/x").signingHost == "example.com")
        #expect(try SigV4Request(method: "GET", url: "http://example.com:80/").signingHost == "example.com")
        #expect(try SigV4Request(method: "GET", url: "https://example.com:8443/").signingHost == "example.com:8443")
        #expect(try SigV4Request(method: "GET", url: "http://[::1]:4566/").signingHost == "[::1]:4566")
    }

    @Test func explicitHostHeaderIsSignedInsteadOfTheURLHost() throws {
        let request = try SigV4Request(
            method: "GET",
            url: "https://10.0.0.1/",
            headers: [("Host", "bucket.s3.amazonaws.com")]
        )
        let signed = try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(Self.canonicalLines(signed).contains("host:bucket.s3.amazonaws.com"))
        #expect(!signed.canonicalRequest.contains("10.0.0.1"))
    }

    @Test func repeatedQueryKeysSortByKeyThenValueAndKeysWithoutEqualsGetOne() throws {
        let request = try SigV4Request(method: "GET", url: "https://example.com/?b=2&a=z&acl&a=y&a=&b=1")
        let signed = try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(Self.canonicalLines(signed)[2] == "a=&a=y&a=z&acl=&b=1&b=2")
    }

    @Test func queryComponentsAreCanonicalisedWhateverTheirWireEncoding() throws {
        let request = try SigV4Request(method: "GET", url: "https://example.com/?%7e%41=%c3%a9+x&k=a%2Fb&&raw=a b")
        let signed = try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(Self.canonicalLines(signed)[2] == "k=a%2Fb&raw=a%20b&~A=%C3%A9%20x")
    }

    @Test func standardRulesNormaliseThenEncodeThePathAgainWhileS3SignsItVerbatim() throws {
        let request = try SigV4Request(method: "GET", url: "https://example.com//a/./b/../c%3Ad~e/")
        let standard = try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(Self.canonicalLines(standard)[1] == "/a/c%253Ad~e/")
        let s3 = try Self.signer("s3", rules: .s3()).sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(Self.canonicalLines(s3)[1] == "//a/./b/../c%3Ad~e/")
        #expect(
            Self.canonicalLines(
                try Self.signer().sign(
                    try SigV4Request(method: "GET", url: "https://h"),
                    credentials: Self.credentials,
                    at: Self.exampleTime
                )
            )[1] == "/"
        )
    }

    @Test func s3AlwaysSignsContentSHA256AndCanLeaveThePayloadUnsigned() throws {
        let body = Array("hello".utf8)
        let request = try SigV4Request(method: "PUT", url: "https://b.s3.amazonaws.com/k", payload: .bytes(body))
        let bodyHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        let signed = try Self.signer("s3", rules: .s3()).sign(
            request,
            credentials: Self.credentials,
            at: Self.exampleTime
        )
        #expect(signed.headersAdded.last?.name == "X-Amz-Content-SHA256")
        #expect(signed.headersAdded.last?.value == bodyHash)
        #expect(signed.canonicalRequest.hasSuffix("\n" + bodyHash))
        #expect(signed.signedHeaders == "host;x-amz-content-sha256;x-amz-date")

        let unsigned = try Self.signer("s3", rules: .s3(signPayload: false)).sign(
            request,
            credentials: Self.credentials,
            at: Self.exampleTime
        )
        #expect(unsigned.headersAdded.last?.value == "UNSIGNED-PAYLOAD")
        #expect(unsigned.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))

        let standard = try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(standard.headersAdded.map(\.name) == ["X-Amz-Date"])
        #expect(standard.canonicalRequest.hasSuffix("\n" + bodyHash))
    }

    @Test func precomputedPayloadHashIsUsedAndValidated() throws {
        let hash = String(repeating: "ab", count: 32)
        let request = try SigV4Request(
            method: "PUT",
            url: "https://b.s3.amazonaws.com/k",
            payload: .precomputedHash(hash)
        )
        let signed = try Self.signer("s3", rules: .s3()).sign(
            request,
            credentials: Self.credentials,
            at: Self.exampleTime
        )
        #expect(signed.canonicalRequest.hasSuffix("\n" + hash))

        let streaming = try SigV4Request(
            method: "PUT",
            url: "https://b.s3.amazonaws.com/k",
            payload: .precomputedHash("STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        )
        #expect(
            try Self.signer("s3", rules: .s3()).sign(streaming, credentials: Self.credentials, at: Self.exampleTime)
                .canonicalRequest.hasSuffix("\nSTREAMING-UNSIGNED-PAYLOAD-TRAILER")
        )

        for bad in ["ABAB", String(repeating: "AB", count: 32), "unsigned-payload"] {
            let request = try SigV4Request(
                method: "PUT",
                url: "https://b.s3.amazonaws.com/k",
                payload: .precomputedHash(bad)
            )
            #expect(throws: SigV4Error.invalidPayloadHash) {
                try Self.signer("s3", rules: .s3()).sign(request, credentials: Self.credentials, at: Self.exampleTime)
            }
        }
    }

    @Test func headerValuesAreTrimmedAndInnerWhitespaceCollapsedEvenInQuotes() throws {
        let request = try SigV4Request(
            method: "GET",
            url: "https://example.com/",
            headers: [("X-A", " \t a \t\t b  "), ("x-a", "\"c   d\""), ("X-Empty", "   ")]
        )
        let signed = try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
        let lines = Self.canonicalLines(signed)
        #expect(lines.contains("x-a:a b,\"c d\""))
        #expect(lines.contains("x-empty:"))
    }

    @Test func hopByHopAndProxyRewrittenHeadersAreNotSigned() throws {
        let unsigned = SigningRules.defaultUnsignedHeaders.map { (name: $0.uppercased(), value: "v") }
        let request = try SigV4Request(
            method: "GET",
            url: "https://example.com/",
            headers: unsigned + [("X-Kept", "1")]
        )
        let signed = try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(signed.signedHeaders == "host;x-amz-date;x-kept")
        #expect(signed.headers.count == unsigned.count + 3)
    }

    @Test func sessionTokenIsSignedUnlessTheRulesOmitIt() throws {
        let temporary = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: Self.exampleSecret,
            sessionToken: "tok/en+="
        )
        let request = try SigV4Request(
            method: "GET",
            url: "https://example.com/",
            headers: [("X-Amz-Security-Token", "stale")]
        )
        let signed = try Self.signer().sign(request, credentials: temporary, at: Self.exampleTime)
        #expect(signed.signedHeaders == "host;x-amz-date;x-amz-security-token")
        #expect(Self.canonicalLines(signed).contains("x-amz-security-token:tok/en+="))
        #expect(signed.headers.filter { $0.name.lowercased() == "x-amz-security-token" }.map(\.value) == ["tok/en+="])

        var rules = SigningRules.standard
        rules.omitSessionTokenFromSignature = true
        let omitted = try Self.signer(rules: rules).sign(request, credentials: temporary, at: Self.exampleTime)
        #expect(omitted.signedHeaders == "host;x-amz-date")
        #expect(omitted.headersAdded.contains { $0.name == "X-Amz-Security-Token" && $0.value == "tok/en+=" })

        let presigned = try Self.signer(rules: rules).presign(
            request,
            credentials: temporary,
            at: Self.exampleTime,
            expires: 60
        )
        #expect(!presigned.canonicalRequest.contains("Security-Token"))
        #expect(
            presigned.query.hasSuffix("&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature=\(presigned.signature)")
        )
    }

    @Test func presignedURLCarriesEveryParameterAndReplacesStaleOnes() throws {
        let request = try SigV4Request(
            method: "GET",
            url: "https://b.s3.amazonaws.com:8443/k%20y?x=1&X-Amz-Signature=old"
        )
        let presigned = try Self.signer("s3", rules: .s3(signPayload: false)).presign(
            request,
            credentials: Self.credentials,
            at: Self.exampleTime,
            expires: 900
        )
        #expect(
            presigned.queryParametersAdded.map(\.name) == [
                "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires",
                "X-Amz-Signature",
            ]
        )
        #expect(
            presigned.query.hasPrefix(
                "x=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=900&X-Amz-Signature="
            )
        )
        #expect(!presigned.query.contains("old"))
        #expect(presigned.url == "https://b.s3.amazonaws.com:8443/k%20y?\(presigned.query)")
        #expect(presigned.canonicalRequest.hasSuffix("\nhost:b.s3.amazonaws.com:8443\n\nhost\nUNSIGNED-PAYLOAD"))
    }

    @Test(arguments: [0, -1, 604_801])
    func presignRejectsLifetimesOutsideSevenDays(_ expires: Int) throws {
        let request = try SigV4Request(method: "GET", url: "https://example.com/")
        #expect(throws: SigV4Error.invalidExpiration(expires)) {
            try Self.signer().presign(request, credentials: Self.credentials, at: Self.exampleTime, expires: expires)
        }
    }

    @Test func headersThatWouldSplitOnTheWireAreRejected() throws {
        for value in ["a\r\nX-Injected: 1", "a\nb", "a\u{0}b"] {
            let request = try SigV4Request(method: "GET", url: "https://example.com/", headers: [("X-A", value)])
            #expect(throws: SigV4Error.invalidHeaderValue(name: "X-A")) {
                try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
            }
        }
        for name in ["", "X A", "X:A", "X\u{e9}"] {
            let request = try SigV4Request(method: "GET", url: "https://example.com/", headers: [(name, "v")])
            #expect(throws: SigV4Error.invalidHeaderName(name)) {
                try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
            }
        }
        #expect(throws: SigV4Error.invalidMethod) {
            try Self.signer().sign(
                SigV4Request(method: "GE T", host: "h", path: "/"),
                credentials: Self.credentials,
                at: Self.exampleTime
            )
        }
        #expect(throws: SigV4Error.invalidHost) {
            try Self.signer().sign(
                SigV4Request(method: "GET", host: "h/x", path: "/"),
                credentials: Self.credentials,
                at: Self.exampleTime
            )
        }
        #expect(throws: SigV4Error.invalidScope) { try SigV4Signer(service: "s3/x", region: "us-east-1") }
    }

    @Test func finalHeadersReplaceStaleAuthenticationHeaders() throws {
        let request = try SigV4Request(
            method: "GET",
            url: "https://example.com/",
            headers: [("Authorization", "old"), ("X-Amz-Date", "19990101T000000Z"), ("Accept", "*/*")]
        )
        let signed = try Self.signer().sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(signed.headers.map(\.name) == ["Accept", "X-Amz-Date", "Authorization"])
        #expect(signed.headers[1].value == "20150830T123600Z")
        #expect(signed.headers[2].value == signed.authorization)
        #expect(signed.signedHeaders == "accept;host;x-amz-date")
    }

    @Test func timestampsFormatAndParseByHand() throws {
        #expect(Self.exampleTime.amzDate == "20150830T123600Z")
        #expect(Self.exampleTime.dateStamp == "20150830")
        #expect(SigV4Timestamp(Date(timeIntervalSince1970: 1_709_164_799.999)).amzDate == "20240228T235959Z")
        #expect(SigV4Timestamp(secondsSince1970: 1_709_164_800).amzDate == "20240229T000000Z")
        #expect(SigV4Timestamp(secondsSince1970: 0).amzDate == "19700101T000000Z")
        #expect(SigV4Timestamp(secondsSince1970: 4_102_444_799).amzDate == "20991231T235959Z")
        #expect(try SigV4Timestamp(parsing: "2015-08-30T12:36:00Z") == Self.exampleTime)
        #expect(try SigV4Timestamp(parsing: "20240229T000000Z").secondsSince1970 == 1_709_164_800)
        for bad in [
            "20150830T123600", "2015-08-30 12:36:00Z", "20150230T000000Z", "20151330T000000Z", "2015083OT123600Z",
        ] {
            #expect(throws: SigV4Error.invalidTimestamp(bad)) { try SigV4Timestamp(parsing: bad) }
        }
    }

    @Test func signingKeysAreCachedPerSecretAndDay() throws {
        let signer = try Self.signer()
        let request = try SigV4Request(method: "GET", url: "https://example.com/")
        let first = try signer.sign(request, credentials: Self.credentials, at: Self.exampleTime)
        let again = try signer.sign(request, credentials: Self.credentials, at: Self.exampleTime)
        #expect(first.signature == again.signature)

        let other = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "another-secret")
        #expect(try signer.sign(request, credentials: other, at: Self.exampleTime).signature != first.signature)
        #expect(
            try signer.sign(request, credentials: Self.credentials, at: Self.exampleTime).signature == first.signature
        )

        let nextDay = SigV4Timestamp(secondsSince1970: Self.exampleTime.secondsSince1970 + 86_400)
        let key = signer.signingKey(for: Self.credentials, at: nextDay)
        #expect(key.dateStamp == "20150831")
        let fresh = SigningKey(
            secretAccessKey: Self.exampleSecret,
            date: nextDay,
            region: "us-east-1",
            service: "service"
        )
        #expect(key.signature(for: "x") == fresh.signature(for: "x"))
        // Fill and overflow the cache; results must not change.
        for index in 0..<20 {
            let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret-\(index)")
            _ = try signer.sign(request, credentials: credentials, at: Self.exampleTime)
        }
        #expect(
            try signer.sign(request, credentials: Self.credentials, at: Self.exampleTime).signature == first.signature
        )
    }

    @Test func wireURLsSplitWithoutReencoding() throws {
        let request = try SigV4Request(
            method: "GET",
            url: "HTTPS://user:pw@Bucket.S3.amazonaws.com:8443/a%2Fb//c?x=%41&y#frag"
        )
        #expect(request.scheme == "https")
        #expect(request.host == "bucket.s3.amazonaws.com")
        #expect(request.port == 8443)
        #expect(request.path == "/a%2Fb//c")
        #expect(request.query == "x=%41&y")
        let bare = try SigV4Request(method: "GET", url: "http://[2001:db8::1]")
        #expect(bare.host == "[2001:db8::1]")
        #expect(bare.path.isEmpty)
        #expect(try bare.signingHost == "[2001:db8::1]")
        let loopback = try SigV4Request(method: "GET", url: "http://[::1]:4566?x=1")
        #expect(loopback.host == "[::1]")
        #expect(loopback.port == 4566)
        #expect(loopback.path.isEmpty)
        #expect(loopback.query == "x=1")
        // The split goes by bytes; characters beyond ASCII pass through whole.
        let unicode = try SigV4Request(
            method: "GET",
            url: "https://h\u{e9}.example/caf\u{e9}/\u{1F600}?k=\u{fc}#\u{e9}"
        )
        #expect(unicode.host == "h\u{e9}.example")
        #expect(unicode.path == "/caf\u{e9}/\u{1F600}")
        #expect(unicode.query == "k=\u{fc}")
        // A combining mark after a delimiter does not hide it (as one Character, "/\u{301}" is not "/").
        let combining = try SigV4Request(method: "GET", url: "https://h/\u{301}x?\u{301}=1#\u{301}")
        #expect(combining.host == "h")
        #expect(combining.path == "/\u{301}x")
        #expect(combining.query == "\u{301}=1")
    }

    @Test(arguments: [
        ("example.com/path", "missing scheme"),
        ("example.com:80/path", "missing scheme"),
        ("ht tp://example.com/", "invalid scheme"),
        ("h\u{e9}://example.com/", "invalid scheme"),
        ("://example.com/", "invalid scheme"),
        ("https://example.com:99999/", "invalid port"),
        ("https://example.com:8o/", "invalid port"),
        ("https://example.com:000443/", "invalid port"),
        ("https://example.com:+80/", "invalid port"),
        ("https://example.com:-0/", "invalid port"),
        ("https://[::1/", "unclosed IPv6 literal"),
        ("https://[::1]x/", "junk after IPv6 literal"),
        ("https://user@:443/", "missing host"),
    ])
    func unsplittableURLsNameWhatIsWrong(url: String, reason: String) {
        #expect(throws: SigV4Error.invalidURL(reason: reason)) { try SigV4Request(method: "GET", url: url) }
    }

    /// Random requests under every rule set: no buffer bound may be exceeded, and the output keeps its shape.
    @Test func randomRequestsNeverOverrunTheCanonicalBuffers() throws {
        var random = SplitMix64(seed: 0x5EED)
        let alphabet = Array("aZ09-._~ %+=&/?#:;,!$'()*@[]\u{e9}\u{1F600}\t.".unicodeScalars)
        func text(_ maximum: Int) -> String {
            var result = String.UnicodeScalarView()
            for _ in 0..<random.next(below: maximum + 1) {
                result.append(alphabet[random.next(below: alphabet.count)])
            }
            return String(result)
        }
        let tokenCharacters = Array("abcXYZ019-_.!#$%&'*+^`|~")
        var omitToken = SigningRules.standard
        omitToken.omitSessionTokenFromSignature = true
        let ruleSets: [SigningRules] = [
            .standard, .s3(), .s3(signPayload: false), omitToken,
            SigningRules(normalizePath: false, encodePath: true, addContentSHA256Header: true),
        ]
        for round in 0..<400 {
            var headers: [(name: String, value: String)] = []
            for _ in 0..<random.next(below: 6) {
                let name = String(
                    (0...random.next(below: 12)).map { _ in tokenCharacters[random.next(below: tokenCharacters.count)] }
                )
                headers.append((name: name, value: text(40)))
            }
            if random.next(below: 3) == 0 {
                headers.append((name: "Host", value: text(10).isEmpty ? "h" : "h.example"))
            }
            let request = SigV4Request(
                method: ["GET", "PUT", "POST", "PATCH"][round % 4],
                scheme: round % 3 == 0 ? "http" : "https",
                host: ["example.com", "::1", "LOCALHOST", "10.0.0.1"][round % 4],
                port: round % 5 == 0 ? 65_535 : (round % 7 == 0 ? Int.max : nil),
                path: text(60),
                query: text(80),
                headers: headers,
                payload: .bytes(Array(text(100).utf8))
            )
            let credentials = AWSCredentials(
                accessKeyID: "AKID\(round)",
                secretAccessKey: "secret",
                sessionToken: round % 2 == 0 ? text(120) + "x" : nil
            )
            let signer = try SigV4Signer(service: "svc", region: "eu-west-1", rules: ruleSets[round % ruleSets.count])
            let signed = try signer.sign(request, credentials: credentials, at: Self.exampleTime)
            #expect(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false).count >= 6)
            #expect(signed.signature.utf8.count == 64)
            let presigned = try signer.presign(request, credentials: credentials, at: Self.exampleTime, expires: 3_600)
            #expect(presigned.query.contains("X-Amz-Signature=\(presigned.signature)"))
        }
    }

    // MARK: - Secrets

    private static let secret = "SECRETwJalrXUtnFEMI/K7MDENG+bPxRfiCYzz"
    private static let token = "TOKENIQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQ"

    private static func assertNoSecret(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(secret), sourceLocation: sourceLocation)
        #expect(!text.contains(token), sourceLocation: sourceLocation)
        #expect(!text.contains("SECRET"), sourceLocation: sourceLocation)
        #expect(!text.contains("TOKENIQ"), sourceLocation: sourceLocation)
    }

    private static func dumped(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }

    @Test func credentialsNeverRevealSecretOrTokenWhenPrinted() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: Self.secret,
            sessionToken: Self.token,
            expiration: Date(timeIntervalSince1970: 1_700_000_000)
        )
        for text in [
            credentials.description, credentials.debugDescription, String(describing: credentials),
            String(reflecting: credentials), "\(credentials)", Self.dumped(credentials), Self.dumped([credentials]),
            String(describing: Optional(credentials)),
        ] {
            Self.assertNoSecret(text)
        }
        #expect(credentials.description.contains("ASIAEXAMPLE"))
        #expect(credentials.description.contains("<redacted>"))
    }

    @Test func signerAndSigningKeyNeverRevealTheSecretAfterSigning() throws {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: Self.secret,
            sessionToken: Self.token
        )
        let signer = try Self.signer()
        let request = try SigV4Request(method: "GET", url: "https://example.com/")
        let signed = try signer.sign(request, credentials: credentials, at: Self.exampleTime)
        let presigned = try signer.presign(request, credentials: credentials, at: Self.exampleTime, expires: 60)
        let key = signer.signingKey(for: credentials, at: Self.exampleTime)
        for text in [
            signer.description, String(reflecting: signer), Self.dumped(signer), key.description,
            String(reflecting: key), Self.dumped(key), String(reflecting: signed), Self.dumped(signed),
            String(reflecting: presigned), Self.dumped(presigned),
        ] {
            Self.assertNoSecret(text)
        }
    }

    @Test func errorsNeverRevealSecretOrToken() throws {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: Self.secret,
            sessionToken: Self.token
        )
        let signer = try Self.signer()
        var errors: [any Error] = []
        let failures: [() throws -> Void] = [
            {
                _ = try signer.sign(
                    SigV4Request(method: "GET", host: "h", path: "/", headers: [("X", "a\nb")]),
                    credentials: credentials,
                    at: Self.exampleTime
                )
            },
            {
                _ = try signer.presign(
                    SigV4Request(method: "GET", host: "h", path: "/"),
                    credentials: credentials,
                    at: Self.exampleTime,
                    expires: 0
                )
            },
            {
                _ = try signer.sign(
                    SigV4Request(method: "GET", host: "h", path: "/", payload: .precomputedHash(Self.secret)),
                    credentials: credentials,
                    at: Self.exampleTime
                )
            },
            {
                _ = try SigV4DebugVector.run(
                    line:
                        "{\"id\":\"x\",\"credentials\":{\"secret_access_key\":\"\(Self.secret)\",\"session_token\":\"\(Self.token)\"}}"
                )
            },
            { _ = try SigV4DebugVector.run(line: "{\"secret\":\"\(Self.secret)\" \(Self.token)") },
            {
                _ = try SigV4DebugVector.run(
                    line:
                        "{\"id\":\"x\",\"signer\":\"SigV4Auth\",\"service\":\"s\",\"region\":\"r\",\"timestamp\":\"not-a-time\",\"credentials\":{\"access_key_id\":\"A\",\"secret_access_key\":\"\(Self.secret)\",\"session_token\":\"\(Self.token)\"},\"request\":{\"method\":\"GET\",\"url\":\"https://h/\",\"headers\":[],\"body_base64\":\"\"}}"
                )
            },
        ]
        for failure in failures {
            do {
                try failure()
                Issue.record("expected an error")
            } catch {
                errors.append(error)
            }
        }
        #expect(errors.count == failures.count)
        for error in errors {
            Self.assertNoSecret(String(describing: error))
            Self.assertNoSecret(String(reflecting: error))
            Self.assertNoSecret(error.localizedDescription)
        }
    }

    @Test func debugVectorInputNeverRevealsTheSecret() throws {
        let line = try #require(SigV4Fixtures.botocoreLines["pub-0003"])
        let input = try SigV4DebugVector.decode(line: line)
        let secret = input.credentials.secretAccessKey
        let token = try #require(input.credentials.sessionToken)
        for text in [
            String(describing: input), String(reflecting: input), Self.dumped(input), Self.dumped(input.credentials),
        ] {
            #expect(!text.contains(secret))
            #expect(!text.contains(token))
        }
    }
}
