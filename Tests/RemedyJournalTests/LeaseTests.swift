import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

@testable import RemedyJournal

/// Run leases: one holder at a time, taken over when expired or when the holder's process is gone.
@Suite struct LeaseTests {
    let start = Date(timeIntervalSince1970: 1_750_000_000)
    let alive = LeaseHolder.thisProcess()
    let otherExecutor = LeaseHolder.thisProcess()

    @Test func aLiveHolderKeepsTheRunUntilItsLeaseExpires() async throws {
        let journal = try JournalDatabase(inMemory: nil)
        #expect(
            try await journal.claimLease(runID: "run-1", holder: alive, now: start, duration: .seconds(60)) == .acquired
        )
        // Another executor is refused while the lease runs, and told who has it until when
        let refused = try await journal.claimLease(
            runID: "run-1",
            holder: otherExecutor,
            now: start.addingTimeInterval(59),
            duration: .seconds(60)
        )
        #expect(refused == .held(by: alive.description, until: start.addingTimeInterval(60)))
        // The holder renews; a different run is free
        #expect(
            try await journal.claimLease(
                runID: "run-1",
                holder: alive,
                now: start.addingTimeInterval(30),
                duration: .seconds(60)
            )
                == .acquired
        )
        #expect(
            try await journal.claimLease(runID: "run-2", holder: otherExecutor, now: start, duration: .seconds(60))
                == .acquired
        )
        // Once the renewed lease expires, the other executor takes over
        #expect(
            try await journal.claimLease(
                runID: "run-1",
                holder: otherExecutor,
                now: start.addingTimeInterval(90),
                duration: .seconds(60)
            ) == .acquired
        )
    }

    @Test func aLeaseLeftByAKilledProcessOnThisHostIsTakenOverAtOnce() async throws {
        let journal = try JournalDatabase(inMemory: nil)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = LeaseHolder(
            host: alive.host,
            processID: child.processIdentifier,
            instance: "gone",
            scope: LeaseHolder.thisScope
        )
        #expect(LeaseHolder.thisScope != nil)
        #expect(
            try await journal.claimLease(runID: "run-1", holder: dead, now: start, duration: .seconds(60)) == .acquired
        )
        #expect(
            try await journal.claimLease(runID: "run-1", holder: alive, now: start, duration: .seconds(60)) == .acquired
        )
    }

    @Test func aDeadLookingPidFromAnotherProcessTableOnThisHostIsWaitedOut() async throws {
        // A container on this host (same host name, host networking) in its own pid namespace, or a holder from
        // before the reboot, or one whose scope was never recorded: its pid means nothing in this process table.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let scope = try #require(LeaseHolder.thisScope)
        let boot = scope.split(separator: ":")[0]
        for otherScope in [
            "\(boot):4026599999", "00000000-0000-0000-0000-000000000000:\(scope.split(separator: ":")[1])", nil,
        ] {
            let journal = try JournalDatabase(inMemory: nil)
            let neighbour = LeaseHolder(
                host: alive.host,
                processID: child.processIdentifier,
                instance: "neighbour",
                scope: otherScope
            )
            #expect(!neighbour.isGoneFromThisHost)
            _ = try await journal.claimLease(runID: "run-1", holder: neighbour, now: start, duration: .seconds(60))
            #expect(
                try await journal.claimLease(runID: "run-1", holder: alive, now: start, duration: .seconds(60))
                    == .held(by: neighbour.description, until: start.addingTimeInterval(60))
            )
            // Until the lease expires
            #expect(
                try await journal.claimLease(
                    runID: "run-1",
                    holder: alive,
                    now: start.addingTimeInterval(60),
                    duration: .seconds(60)
                ) == .acquired
            )
        }
    }

    @Test func aHolderOnAnotherHostIsWaitedOut() async throws {
        let journal = try JournalDatabase(inMemory: nil)
        let remote = LeaseHolder(host: "another-host", processID: 999_999, instance: "x")
        _ = try await journal.claimLease(runID: "run-1", holder: remote, now: start, duration: .seconds(60))
        #expect(
            try await journal.claimLease(runID: "run-1", holder: alive, now: start, duration: .seconds(60))
                == .held(by: remote.description, until: start.addingTimeInterval(60))
        )
    }

    @Test func releaseFreesTheRunOnlyForItsHolder() async throws {
        let journal = try JournalDatabase(inMemory: nil)
        _ = try await journal.claimLease(runID: "run-1", holder: alive, now: start, duration: .seconds(60))
        try await journal.releaseLease(runID: "run-1", holder: otherExecutor)
        #expect(
            try await journal.claimLease(runID: "run-1", holder: otherExecutor, now: start, duration: .seconds(60))
                != .acquired
        )
        try await journal.releaseLease(runID: "run-1", holder: alive)
        #expect(
            try await journal.claimLease(runID: "run-1", holder: otherExecutor, now: start, duration: .seconds(60))
                == .acquired
        )
    }

    @Test func aRunsLastRecordsAndTheEndOfItsLeaseShareOneTransaction() async throws {
        let journal = try JournalDatabase(inMemory: nil)
        _ = try await journal.claimLease(runID: "run-1", holder: alive, now: start, duration: .seconds(60))
        let before = journal.batcher.commits
        let records = try await journal.append(
            [
                JournalEntry(runID: "run-1", kind: "step.succeeded", payload: ["step": "tag"]),
                JournalEntry(runID: "run-1", kind: "run.succeeded"),
            ],
            releasingLeaseOf: "run-1",
            holder: alive
        )
        #expect(records.map(\.kind) == ["step.succeeded", "run.succeeded"])
        #expect(journal.batcher.commits == before + 1)
        #expect(
            try await journal.claimLease(runID: "run-1", holder: otherExecutor, now: start, duration: .seconds(60))
                == .acquired
        )
        // A release by a holder that no longer has the lease appends and leaves the lease to its holder
        try await journal.append(
            [JournalEntry(runID: "run-1", kind: "step.started")],
            releasingLeaseOf: "run-1",
            holder: alive
        )
        #expect(
            try await journal.claimLease(runID: "run-1", holder: alive, now: start, duration: .seconds(60))
                != .acquired
        )
        #expect(try journal.verify(requirements: .allowingUnsignedTail).recordsChecked == 3)
    }

    @Test func holdersRoundTripThroughTheirStoredText() {
        #expect(LeaseHolder(alive.description) == alive)
        #expect(alive.scope == LeaseHolder.thisScope)
        // A lease written before scopes were recorded still reads, without one
        #expect(LeaseHolder("host/42/abcd") == LeaseHolder(host: "host", processID: 42, instance: "abcd"))
        #expect(LeaseHolder("no-slashes") == nil)
    }
}

/// Several processes share one journal file.
@Suite struct SharedJournalTests {
    @Test func twoProcessesAppendingToOneFileBothSucceedAndTheChainHolds() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("journal.sqlite")
            let first = try JournalDatabase(path: path)
            let second = try JournalDatabase(path: path)  // its own connection pool, as another process has
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (name, journal) in [("a", first), ("b", second)] {
                    group.addTask {
                        for index in 0..<200 {
                            try await journal.append(
                                JournalEntry(
                                    runID: "run-\(name)",
                                    kind: "step.succeeded",
                                    payload: ["n": .number(Double(index))]
                                )
                            )
                        }
                    }
                }
                try await group.waitForAll()
            }
            let records = try first.records()
            #expect(records.count == 400)
            #expect(records.map(\.sequence) == Array(1...400))
            #expect(try first.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)
        }
    }
}
