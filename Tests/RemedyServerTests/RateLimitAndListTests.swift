import Foundation
import HTTPTypes
import RemedyActions
import RemedyCore
import RemedyExecutor
import RemedyJournal
import RemedyTestSupport
import Synchronization
import Testing

@testable import RemedyServer

/// Who a request counts as for rate limits, and a runs list that does not read the whole journal.
@Suite struct RateLimitAndListTests {
    func headers(_ forwarded: String?) -> HTTPFields {
        var fields = HTTPFields()
        if let forwarded, let name = HTTPField.Name("X-Forwarded-For") { fields[name] = forwarded }
        return fields
    }

    @Test func theForwardedAddressIsBelievedOnlyFromATrustedProxyAndReadFromTheRight() {
        let direct = ClientAddress(header: nil, trustedProxies: [])
        // Without a configured header a client's own X-Forwarded-For picks nothing
        #expect(direct.bucket(peer: "198.51.100.7", headers: headers("203.0.113.9")) == "198.51.100.7")
        let behindProxy = ClientAddress(header: "X-Forwarded-For", trustedProxies: ["10.0.0.0/8"])
        // From the load balancer: the client it names; a forged entry to the left is not believed
        #expect(behindProxy.bucket(peer: "10.1.2.3", headers: headers("203.0.113.9")) == "203.0.113.9")
        #expect(
            behindProxy.bucket(peer: "10.1.2.3", headers: headers("1.2.3.4, 203.0.113.9, 10.9.9.9")) == "203.0.113.9"
        )
        // From anyone else, the header is ignored
        #expect(behindProxy.bucket(peer: "198.51.100.7", headers: headers("203.0.113.9")) == "198.51.100.7")
        // A garbled header leaves the last address that parsed
        #expect(behindProxy.bucket(peer: "10.1.2.3", headers: headers("not-an-ip")) == "10.1.2.3")
    }

    @Test func anIPv6ClientIsCountedByItsSlash64() {
        let address = ClientAddress(header: nil, trustedProxies: [])
        let one = address.bucket(peer: "2001:db8:1:2::1", headers: HTTPFields())
        let sameNetwork = address.bucket(peer: "2001:db8:1:2:ffff:ffff:ffff:fffe", headers: HTTPFields())
        let otherNetwork = address.bucket(peer: "2001:db8:1:3::1", headers: HTTPFields())
        #expect(one == "2001:db8:1:2::/64")
        #expect(one == sameNetwork)
        #expect(one != otherNetwork)
        #expect(address.bucket(peer: "::ffff:192.0.2.1", headers: HTTPFields()) == "192.0.2.1")
    }

    @Test func aFullTableMakesRoomInsteadOfSharingOneBucket() async {
        // Given a table for two clients, both out of tokens
        let limiter = ClientRateLimiter(rate: 0.001, burst: 1, capacity: 2)
        for client in ["a", "b"] {
            #expect(await limiter.admit(client) == nil)
            #expect(await limiter.admit(client) != nil)
        }
        // When clients the table has no room for arrive, each gets a bucket of its own
        for client in ["c", "d", "e"] {
            #expect(await limiter.admit(client) == nil, "\(client)")
        }
        #expect(await limiter.count == 2)
    }

    /// Counts how many runs' records are read.
    final class CountingJournal: WrappingJournal {
        let base: any RunJournal
        let reads = Mutex(0)

        init(_ base: any RunJournal) { self.base = base }

        func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] { try await base.append(entries) }

        func records(ofRun runID: String) async throws -> [JournalRecord] {
            reads.withLock { $0 += 1 }
            return try await base.records(ofRun: runID)
        }
    }

    @Test func aFilteredListReadsAtMostAThousandRunsAndSaysWhereToGoOn() async throws {
        // Given 1,200 pending runs
        let database = try JournalDatabase(inMemory: nil)
        let journal = CountingJournal(database)
        let executor = RunExecutor(journal: journal, invoker: ScriptedActionInvoker(), catalog: .standard)
        let plan = Plan(playbook: "p", findingID: "f", steps: [])
        for index in 0..<1_200 {
            let finding = Finding(
                id: "f-\(index)",
                source: .guardduty,
                types: ["Recon:EC2/PortProbeUnprotectedPort"],
                severity: Severity(score: 20),
                account: "123456789012",
                region: "us-east-1",
                partition: .aws,
                resources: [FindingResource(type: "AwsEc2Instance", id: "i-0123456789abcdef0")],
                updatedAt: "2026-12-01T00:00:00Z",
                raw: [:]
            )
            _ = try await executor.create(plan: plan, finding: finding, initiator: "test", mode: .live)
        }
        let api = RunsAPI(
            executor: executor,
            journal: journal,
            approvers: ApproverAuthenticator(tokenHashes: [:]),
            queue: RunQueue(),
            parked: ParkedRuns()
        )
        // When a filter matches nothing
        let failed = try await api.runs(status: .failed, limit: 100, before: nil)
        // Then a thousand runs were read, not 1,200, and the answer says where to go on
        #expect(journal.reads.withLock { $0 } == 1_000)
        #expect(failed["runs"] == [])
        let next = try #require(failed["next"]?.integerValue)
        journal.reads.withLock { $0 = 0 }
        let rest = try await api.runs(status: .failed, limit: 100, before: Int64(next))
        #expect(journal.reads.withLock { $0 } == 200)
        #expect(rest["next"] == .null)
    }

    @Test func anUnknownStatusIsRefusedNotTakenAsMatchingNothing() async throws {
        try await ServerHarness.with { harness in
            let answer = try await harness.send(
                "GET",
                "/v1/runs?status=bogus",
                headers: [("Authorization", "Bearer \(ServerHarness.leadToken)")]
            )
            #expect(answer.status == 400)
            #expect(answer.json["error"] == "invalid-status")
        }
    }
}
