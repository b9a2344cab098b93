import RemedyCore
import Testing

@Suite struct ExpressionTests {
    let scope = ExpressionScope(
        finding: [
            "source": "guardduty",
            "severity": ["score": 80, "label": "HIGH"],
            "types": ["Backdoor:EC2/C&CActivity.B"],
            "resources": [["id": "i-0123456789abcdef0", "tags": ["env": "prod"]]],
        ],
        inputs: ["ports": [22, 3389]],
        steps: ["evidence": ["snapshot_ids": ["snap-1", "snap-2"]]]
    )

    func evaluate(_ text: String) throws -> Evaluation {
        try Template(parsing: text).evaluate(in: scope)
    }

    @Test func wholeValueExpressionKeepsItsType() throws {
        #expect(try evaluate("{{ inputs.ports }}") == .value([22, 3389]))
        #expect(try evaluate("{{ finding.severity.score }}") == .value(80))
    }

    @Test func embeddedExpressionsRenderAsText() throws {
        #expect(
            try evaluate("snapshots {{ steps.evidence.snapshot_ids }} of {{ finding.resources[0].id }}")
                == .value("snapshots snap-1, snap-2 of i-0123456789abcdef0")
        )
    }

    @Test func comparisonsAndBooleanOperators() throws {
        #expect(try evaluate("{{ finding.severity.score >= 70 and finding.source == 'guardduty' }}") == .value(true))
        #expect(try evaluate("{{ not (finding.severity.label in ['LOW', 'MEDIUM']) }}") == .value(true))
        #expect(try evaluate("{{ 'Backdoor' in finding.types[0] || false }}") == .value(true))
        #expect(try evaluate("{{ finding.resources[0].tags['env'] != 'prod' }}") == .value(false))
    }

    @Test func missingPathsAreNullNotErrors() throws {
        #expect(try evaluate("{{ finding.resources[5].id }}") == .value(.null))
        #expect(try evaluate("{{ finding.raw.nothing == null }}") == .value(true))
    }

    @Test func stepOutputsNotYetKnownDefer() throws {
        guard case .deferred(let path) = try evaluate("{{ steps.isolate.isolation_group }}") else {
            Issue.record("expected deferral")
            return
        }
        #expect(path.description == "steps.isolate.isolation_group")
        // `and` decides on a false left side without waiting for the right one.
        #expect(try evaluate("{{ false and steps.isolate.isolation_group }}") == .value(false))
    }

    @Test func invalidExpressionsAreRefusedWithAReason() {
        #expect(throws: ExpressionError("unknown name 'env'; paths start with one of: finding, inputs, steps, run")) {
            try Template(parsing: "{{ env.HOME }}")
        }
        #expect(throws: ExpressionError.self) { try Template(parsing: "{{ finding.id ") }
        #expect(throws: ExpressionError.self) { try Template(parsing: "{{ finding.id; rm -rf / }}") }
        #expect(throws: ExpressionError.self) { try evaluate("{{ finding.severity.score < 'high' }}") }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "(", count: 100) + "true" + String(repeating: ")", count: 100)
        #expect(throws: ExpressionError.self) { try ExpressionParser().parse(deep) }
        #expect(throws: ExpressionError.self) { try ExpressionParser().parse(String(repeating: "a", count: 2000)) }
    }
}

@Suite struct JSONParserTests {
    @Test func parsesAndWritesBack() throws {
        let value = try JSONParser().parse(#"{"b": [1, 2.5, true, null, "\u00e9\n"], "a": {}}"#)
        #expect(value.jsonText() == #"{"a":{},"b":[1,2.5,true,null,"é\n"]}"#)
        let pretty: JSONValue = ["b": [1, ["c": nil]], "a": [:]]
        #expect(
            pretty.jsonText(options: .prettyPrinted)
                == "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": null\n    }\n  ]\n}"
        )
    }

    @Test func refusesWithPosition() {
        #expect(throws: JSONSyntaxError("expected ',' or '}' in an object", line: 2, column: 3)) {
            try JSONParser().parse("{\"a\": 1\n  \"b\" 2}")
        }
        #expect(throws: JSONSyntaxError.self) { try JSONParser().parse(#"{"a": 1, "a": 2}"#) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser().parse("[1,]") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser().parse("\"tab\there\"") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser().parse("01") }
    }

    @Test func nestedObjectsKeepTheirOwnMembers() throws {
        // Members are gathered on one stack for every open object: each object must get exactly its own.
        let text = #"{"a": {"a": 1, "b": {"a": [{"a": "x"}, {}]}}, "b": {"a": 2}, "c": [{"d": null}, {"e": false}]}"#
        let expected: JSONValue = [
            "a": ["a": 1, "b": ["a": [["a": "x"], [:]]]], "b": ["a": 2], "c": [["d": nil], ["e": false]],
        ]
        #expect(try JSONParser().parse(text) == expected)
        #expect(try JSONParser().parse(expected.jsonText()) == expected)
    }

    @Test func aDuplicateMemberIsNamedWhereItsValueEnds() {
        #expect(throws: JSONSyntaxError("duplicate member \"a\"", line: 2, column: 8)) {
            try JSONParser().parse("{\"a\": 1,\n \"a\": 2}")
        }
        #expect(throws: JSONSyntaxError("duplicate member \"k\"", line: 1, column: 24)) {
            try JSONParser().parse(#"{"o": {"k": 1, "k": [2]}, "k": 3}"#)
        }
        // Found when the object ends: an error later inside the object is reported first.
        #expect(throws: JSONSyntaxError("unexpected character 'x'", line: 1, column: 18)) {
            try JSONParser().parse(#"{"a":1,"a":2,"b":x}"#)
        }
    }

    @Test func stringsAreTakenAsUTF8AndRefusedWhenTheyAreNot() throws {
        #expect(try JSONParser().parse(Array(#"["plain", "é…", "🛡 ok"]"#.utf8)) == ["plain", "é…", "🛡 ok"])
        for invalid: [UInt8] in [
            [0xC3, 0x28], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82],
        ] {
            #expect(throws: JSONSyntaxError("invalid UTF-8 in a string", line: 1, column: 3)) {
                try JSONParser().parse(
                    [UInt8(ascii: "["), UInt8(ascii: "\"")] + invalid + [UInt8(ascii: "\""), UInt8(ascii: "]")]
                )
            }
        }
    }

    @Test func writesEveryEscapeByteForByte() {
        let value = JSONValue.string("q\" b\\ n\n r\r t\t nul\u{0} us\u{1F} del\u{7F} ls\u{2028} ps\u{2029} … é 🛡")
        #expect(value.jsonText() == #""q\" b\\ n\n r\r t\t nul\u0000 us\u001f del\u007f ls\u2028 ps\u2029 … é 🛡""#)
    }

    @Test func depthIsLimitedBeforeRecursingFurther() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser().parse(deep) }
    }
}

@Suite struct ResourceIdentifierTests {
    @Test(arguments: [
        (ResourceIdentifierKind.instanceID, "i-0123456789abcdef0", true),
        (.instanceID, "i-01234567", true),
        (.instanceID, "i-0123456789abcdef0\n", false),
        (.instanceID, "i-0123456789abcdef0&Action=TerminateInstances", false),
        (.instanceID, "i-0123456789abcdef\u{0456}", false),
        (.bucketName, "my.bucket-1", true),
        (.bucketName, "../../etc", false),
        (.bucketName, "192.168.1.1", false),
        (.bucketName, "Upper", false),
        (.accessKeyID, "AKIAIOSFODNN7EXAMPLE", true),
        (.accessKeyID, "AKIAIOSFODNN7EXAMPL\u{0}", false),
        (.roleARN, "arn:aws:iam::111122223333:role/RemedyResponder", true),
        (.roleARN, "arn:aws:iam::111122223333:role/x\"", false),
        (.arn, "arn:aws-cn:s3:::bucket", true),
        (.arn, "arn:evil:s3:::bucket", false),
        (.ipAddress, "203.0.113.7", true),
        (.ipAddress, "2001:db8::1", true),
        (.ipAddress, "203.0.113.256", false),
        (.ipAddress, "1.2.3.4&x=y", false),
        (.region, "us-gov-west-1", true),
        (.region, "us-east-1; rm -rf /", false),
        (.accountID, "11112222333", false),
    ])
    func identifierFormats(kind: ResourceIdentifierKind, value: String, valid: Bool) {
        #expect((kind.problem(with: value) == nil) == valid)
    }

    @Test func errorShowsControlCharactersEscaped() {
        let problem = ResourceIdentifierKind.instanceID.problem(with: "i-01234567\r\nX-Injected: 1")
        #expect(problem == "'i-01234567\\u{d}\\u{a}X-Injected: 1' is not a valid EC2 instance id")
    }
}
