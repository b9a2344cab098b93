import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

@Suite struct RandomUUIDTests {
    @Test func idsAreLowerCaseVersionFourUUIDsThatFoundationReadsBack() throws {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let id = RandomUUID.make()
            let parsed = try #require(UUID(uuidString: id))
            #expect(parsed.uuidString.lowercased() == id)
            let bytes = parsed.uuid
            #expect(bytes.6 >> 4 == 4)  // version 4
            #expect(bytes.8 >> 6 == 0b10)  // RFC 4122 variant
            seen.insert(id)
        }
        #expect(seen.count == 1_000)
    }

    @Test func theSameGeneratorStateGivesTheSameID() {
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        #expect(RandomUUID.make(using: &first) == RandomUUID.make(using: &second))
        #expect(RandomUUID.make(using: &first) != RandomUUID.make())
    }
}
