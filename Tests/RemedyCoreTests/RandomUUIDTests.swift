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

    @Test func timeOrderedIDsAreVersionSevenCarryTheirMillisecondAndSortByTime() throws {
        var generator = SplitMix64(seed: 11)
        // Half a millisecond past each of 1,000 milliseconds from 2026-12-01T00:00:00.123Z.
        let ids = (0..<1_000).map { offset in
            let date = Date(timeIntervalSince1970: (1_796_083_200_123 + Double(offset) + 0.5) / 1000)
            return RandomUUID.makeTimeOrdered(at: date, using: &generator)
        }
        for (offset, id) in ids.enumerated() {
            let parsed = try #require(UUID(uuidString: id))
            #expect(parsed.uuidString.lowercased() == id)
            let bytes = parsed.uuid
            #expect(bytes.6 >> 4 == 7)  // version 7
            #expect(bytes.8 >> 6 == 0b10)  // RFC 9562 variant
            let milliseconds = [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5].reduce(UInt64(0)) {
                $0 << 8 | UInt64($1)
            }
            #expect(milliseconds == 1_796_083_200_123 + UInt64(offset))
        }
        // One per millisecond: text order is time order, which keeps the journal's run-id indexes appending.
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(RandomUUID.makeTimeOrdered() != RandomUUID.makeTimeOrdered())
        // Within one millisecond the 74 random bits tell ids apart, and the generator alone decides them.
        let moment = Date(timeIntervalSince1970: 1_796_083_200.1235)
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        var other = SplitMix64(seed: 8)
        let id = RandomUUID.makeTimeOrdered(at: moment, using: &first)
        #expect(id == RandomUUID.makeTimeOrdered(at: moment, using: &second))
        #expect(id != RandomUUID.makeTimeOrdered(at: moment, using: &other))
        #expect(id.prefix(13) == RandomUUID.makeTimeOrdered(at: moment, using: &other).prefix(13))
        // Out-of-range dates clamp instead of trapping.
        #expect(RandomUUID.makeTimeOrdered(at: .distantPast, using: &other).hasPrefix("00000000-0000-7"))
        #expect(RandomUUID.makeTimeOrdered(at: .distantFuture, using: &other).hasPrefix("3a4aa17b-4000-7"))
        #expect(
            RandomUUID.makeTimeOrdered(at: Date(timeIntervalSince1970: .infinity), using: &other)
                .hasPrefix("ffffffff-ffff-7")
        )
    }
}
