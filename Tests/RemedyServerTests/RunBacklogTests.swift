import Foundation
import RemedyCore
import RemedyJournal
import RemedyTestSupport
import Testing

@testable import RemedyServer

/// The bounded queue spills into the journal and reads every run back, in order, without losing one.
@Suite struct RunBacklogTests {
    func createRuns(_ count: Int, in journal: JournalDatabase) async throws -> [CreatedRun] {
        var runs: [CreatedRun] = []
        for number in 0..<count {
            let entry = JournalEntry(runID: "run-\(number)", kind: RunEventKind.runCreated.rawValue, payload: [:])
            guard case .created(let record) = try await journal.createRun(entry, dedupeKey: "key-\(number)") else {
                throw HarnessError("run-\(number) was a duplicate")
            }
            runs.append(CreatedRun(runID: "run-\(number)", sequence: record.sequence))
        }
        return runs
    }

    @Test func runsBeyondTheQueuesCapacityWaitInTheJournalAndAllComeBack() async throws {
        try await withTemporaryDirectory { directory in
            let journal = try JournalDatabase(path: directory.file("journal.sqlite"))
            let queue = RunQueue()
            let backlog = RunBacklog(queue: queue, journal: journal, capacity: 4)
            let runs = try await createRuns(25, in: journal)
            // Admitted out of order, as concurrent requests may be.
            for run in runs.reversed() { await backlog.admit(run.runID, sequence: run.sequence) }
            #expect(queue.depth == 4)
            #expect(await backlog.isOverflowing)

            var delivered: [String] = []
            var iterator = queue.runs.makeAsyncIterator()
            while await backlog.isOverflowing || queue.depth > 0 {
                guard let runID = await iterator.next() else { break }
                queue.taken()
                delivered.append(runID)
                try await backlog.refill()
            }
            #expect(Set(delivered) == Set(runs.map(\.runID)))
            #expect(queue.depth == 0)
            #expect(await !backlog.isOverflowing)
        }
    }

    @Test func theJournalPagesRunsByCreationSequence() async throws {
        try await withTemporaryDirectory { directory in
            let journal = try JournalDatabase(path: directory.file("journal.sqlite"))
            let runs = try await createRuns(5, in: journal)
            _ = try await journal.append([JournalEntry(runID: "run-0", kind: "step.started", payload: [:])])
            let page = try await journal.runsCreated(after: runs[1].sequence, limit: 2)
            #expect(page == Array(runs[2...3]))
        }
    }
}
