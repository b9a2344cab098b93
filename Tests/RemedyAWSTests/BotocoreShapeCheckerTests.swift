import RemedyTestSupport
import Testing

/// The checker the AWS stub relies on, tested with hand-written requests so that it is known to fail.
@Suite struct BotocoreShapeCheckerTests {
    private static let signed: [(name: String, value: String)] = [("Content-Type", "application/json")]

    private func request(
        _ method: String,
        _ uri: String,
        headers: [(name: String, value: String)] = signed,
        body: String
    ) -> RecordedRequest {
        RecordedRequest(method: method, uri: uri, headers: headers, body: Array(body.utf8))
    }

    private func problems(_ operation: String, _ request: RecordedRequest) throws -> [String] {
        try BotocoreShapeChecker.named(operation).problems(in: request).map(\.description)
    }

    @Test func restJSONRequestAsBotocoreSendsItConforms() throws {
        let body = """
            {"FindingIdentifiers":[{"Id":"f-1","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty"}],\
            "Workflow":{"Status":"RESOLVED"},"Note":{"Text":"contained","UpdatedBy":"remedy"}}
            """
        #expect(
            try problems("securityhub.BatchUpdateFindings", request("PATCH", "/findings/batchupdate", body: body)) == []
        )
    }

    @Test func restJSONRequestWithWrongEnumMissingRequiredAndUnknownMemberIsRefused() throws {
        let body = """
            {"FindingIdentifiers":[{"Id":"f-1"}],"Workflow":{"Status":"CLOSED"},"Note":{"Text":"x"},"Colour":"red"}
            """
        let found = try problems(
            "securityhub.BatchUpdateFindings",
            request("PATCH", "/findings/batchupdate", body: body)
        )
        #expect(found.contains("FindingIdentifiers[0].ProductArn: required member missing"))
        #expect(found.contains { $0.hasPrefix("Workflow.Status: \"CLOSED\" is not one of NEW, NOTIFIED, RESOLVED") })
        #expect(found.contains("Note.UpdatedBy: required member missing"))
        #expect(found.contains { $0.hasPrefix("Colour: unknown member") })
        #expect(found.count == 4)
    }

    @Test func restJSONRequestIsCheckedForMethodPathAndTypes() throws {
        let body = #"{"FindingIdentifiers":{"Id":"f-1"},"Confidence":"high","Criticality":101}"#
        let found = try problems("securityhub.BatchUpdateFindings", request("POST", "/findings/update", body: body))
        #expect(found.contains("method: is POST, expected PATCH"))
        #expect(found.contains("path: /findings/update does not match /findings/batchupdate"))
        #expect(found.contains("FindingIdentifiers: is a object, expected a list"))
        #expect(found.contains("Confidence: is \"high\", expected an integer"))
        #expect(found.contains("Criticality: has 101.0, more than the maximum 100"))
    }

    @Test func restJSONMemberIsKnownOnlyByItsWireName() throws {
        // GuardDuty's wire names are camelCase: `FindingIds` is the model's member name, not what goes on the wire.
        let wrong = try problems(
            "guardduty.GetFindings",
            request("POST", "/detector/d-1/findings/get", body: #"{"FindingIds":["a"]}"#)
        )
        #expect(wrong.contains("FindingIds: unknown member; the wire name is findingIds"))
        #expect(wrong.contains("findingIds: required member missing from the body"))
        let right = try problems(
            "guardduty.GetFindings",
            request("POST", "/detector/d-1/findings/get", body: #"{"findingIds":["a"]}"#)
        )
        #expect(right == [])
    }

    @Test func uriLabelsAndQueryStringAreChecked() throws {
        let checker = try BotocoreShapeChecker.named("guardduty.ListDetectors")
        #expect(checker.uriLabels(in: "/detector") == [:])
        #expect(
            try BotocoreShapeChecker.named("guardduty.GetFindings").uriLabels(in: "/detector/abc/findings/get") == [
                "DetectorId": "abc"
            ]
        )
        #expect(
            checker.problems(in: request("GET", "/detector?maxResults=50&nextToken=x", headers: [], body: "")) == []
        )
        let found = checker.problems(in: request("GET", "/detector?maxResults=500&limit=3", headers: [], body: ""))
            .map(\.description)
        #expect(found.contains("?maxResults: has 500.0, more than the maximum 50"))
        #expect(found.contains("?limit: unknown query parameter"))
        #expect(checker.isCall(request("GET", "/detector", body: "")))
        #expect(!checker.isCall(request("GET", "/detector/abc", body: "")))
    }

    @Test func tooManyListElementsAreRefused() throws {
        let ids = (1...51).map { "\"id-\($0)\"" }.joined(separator: ",")
        let found = try problems(
            "guardduty.ArchiveFindings",
            request("POST", "/detector/d-1/findings/archive", body: #"{"findingIds":[\#(ids)]}"#)
        )
        #expect(found == ["findingIds: has 51 elements, more than the maximum 50"])
    }

    @Test func jsonProtocolChecksTargetContentTypeAndPatterns() throws {
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AWSWAF_20190729.GetIPSet"),
        ]
        let good = #"{"Name":"blocked","Scope":"REGIONAL","Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"}"#
            .replacingOccurrences(of: "EXAMPLE11111", with: "0123456789ab")
        #expect(try problems("wafv2.GetIPSet", request("POST", "/", headers: headers, body: good)) == [])
        let bad = #"{"Name":"blocked list","Scope":"regional","Id":"x"}"#
        let wrongHeaders: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("X-Amz-Target", "AWSWAF_20190729.GetIpSet"),
        ]
        let found = try problems("wafv2.GetIPSet", request("POST", "/", headers: wrongHeaders, body: bad))
        #expect(found.contains("X-Amz-Target: is AWSWAF_20190729.GetIpSet, expected AWSWAF_20190729.GetIPSet"))
        #expect(found.contains("Content-Type: is application/json, expected application/x-amz-json-1.1"))
        #expect(found.contains { $0.hasPrefix("Name: \"blocked list\" does not match the pattern") })
        #expect(found.contains { $0.hasPrefix("Scope: \"regional\" is not one of CLOUDFRONT, REGIONAL") })
        #expect(found.contains { $0.hasPrefix("Id: \"x\" does not match the pattern") })
    }

    @Test func queryProtocolFormAsBotocoreSendsItConforms() throws {
        let body =
            "Action=SimulatePrincipalPolicy&Version=2010-05-08"
            + "&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Auser%2Falice"
            + "&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=iam%3ACreateUser"
            + "&ContextEntries.member.1.ContextKeyName=aws%3ASourceIp&ContextEntries.member.1.ContextKeyType=ip"
            + "&ContextEntries.member.1.ContextKeyValues.member.1=192.0.2.1&MaxItems=10"
        let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        #expect(try problems("iam.SimulatePrincipalPolicy", request("POST", "/", headers: form, body: body)) == [])
    }

    @Test func queryProtocolFlatListsWrongVersionAndBadScalarsAreRefused() throws {
        let body =
            "Action=SimulatePrincipalPolicy&Version=2010-05-09&ActionNames.1=s3%3AGetObject"
            + "&ContextEntries.member.1.ContextKeyType=ipaddress&MaxItems=ten&ResourceArns.member.2=x"
        let form = [("Content-Type", "application/x-www-form-urlencoded")]
        let found = try problems("iam.SimulatePrincipalPolicy", request("POST", "/", headers: form, body: body))
        #expect(found.contains("Version: is 2010-05-09, expected 2010-05-08"))
        #expect(found.contains("ActionNames.1: the query protocol nests these elements under ActionNames.member.N"))
        #expect(found.contains("PolicySourceArn: required member missing"))
        #expect(found.contains { $0.hasPrefix("ContextEntries[0].ContextKeyType: \"ipaddress\" is not one of") })
        #expect(found.contains("MaxItems: \"ten\" is not an integer"))
        #expect(found.contains("ResourceArns: indices [2] are not 1...1"))
    }

    @Test func queryProtocolBooleansAndStructuredListMembers() throws {
        let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let good =
            "Action=DetachInstances&Version=2011-01-01&InstanceIds.member.1=i-0123456789abcdef0"
            + "&AutoScalingGroupName=web&ShouldDecrementDesiredCapacity=false"
        #expect(try problems("autoscaling.DetachInstances", request("POST", "/", headers: form, body: good)) == [])
        let bad =
            "Action=DetachInstances&Version=2011-01-01&InstanceIds.member.1=i-0123456789abcdef0123"
            + "&AutoScalingGroupName=web&ShouldDecrementDesiredCapacity=no"
        let found = try problems("autoscaling.DetachInstances", request("POST", "/", headers: form, body: bad))
        #expect(found.contains("ShouldDecrementDesiredCapacity: \"no\" is not true or false"))
        #expect(found.contains("InstanceIds[0]: has 22 characters, more than the maximum 19"))
        let targets =
            "Action=DeregisterTargets&Version=2015-12-01&TargetGroupArn=tg&Targets.member.1.Id=i-1"
            + "&Targets.member.1.Port=0"
        #expect(
            try problems("elbv2.DeregisterTargets", request("POST", "/", headers: form, body: targets))
                == ["Targets[0].Port: has 0.0, fewer than the minimum 1"]
        )
    }
}
