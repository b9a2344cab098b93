import Foundation
import RemedyCore
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
        struct Counter: RandomNumberGenerator {
            var state: UInt64 = 0
            mutating func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                return state
            }
        }
        var first = Counter()
        var second = Counter()
        #expect(RandomUUID.make(using: &first) == RandomUUID.make(using: &second))
        #expect(RandomUUID.make(using: &first) != RandomUUID.make())
    }
}
