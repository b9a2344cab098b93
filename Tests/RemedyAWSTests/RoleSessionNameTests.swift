import Testing

@testable import RemedyAWS

/// A role session name is what STS accepts (`[\w+=,.@-]{2,64}`), whatever text it is made from.
@Suite struct RoleSessionNameTests {
    @Test(arguments: [
        ("remedy-run-0001", "remedy-run-0001"),
        ("run 7/step:quarantine", "run-7-step-quarantine"),
        ("a_b+c=d,e.f@g-h", "a_b+c=d,e.f@g-h"),
        // One dash per character, however many bytes or scalars it has.
        ("é\r\n😀x", "---x"),
        // Equal to "K" as a Character, yet not what STS accepts: a set of Characters let it through.
        ("\u{212A}x", "-x"),
        ("x", "x-"),
        ("", "--"),
        (String(repeating: "a", count: 70), String(repeating: "a", count: 64)),
    ])
    func disallowedCharactersBecomeDashesAndTheLengthFits(text: String, name: String) {
        #expect(RoleSessionCache.sessionName(text) == name)
    }
}
