import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

@testable import RemedyJournal

/// What a restart reads instead of every run: the runs whose latest record does not finish them.
@Suite struct UnfinishedRunsTests {
    /// Each run's records after `run.created`, and whether it is still unfinished.
    static let histories: [(runID: String, records: [(kind: String, payload: JSONValue)], unfinished: Bool)] = [
        ("run-untouched", [], true),
        (
            "run-succeeded",
            [("step.started", ["step": "a"]), ("step.succeeded", ["step": "a"]), ("run.succeeded", [:])], false
        ),
        ("run-failed", [("run.failed", ["undo": false])], false),
        ("run-failed-undo-next", [("run.failed", ["undo": true])], true),
        ("run-parked", [("approval.requested", ["step": "gate"]), ("run.parked", ["gate": "gate"])], true),
        ("run-in-doubt", [("step.started", ["step": "a"])], true),
        ("run-undoing", [("run.failed", ["undo": true]), ("undo.started", [:]), ("undo.failed", ["step": "a"])], true),
        ("run-undone", [("run.succeeded", [:]), ("undo.started", [:]), ("undo.succeeded", [:])], false),
        ("run-undo-failed", [("run.succeeded", [:]), ("undo.started", [:]), ("undo.failed", [:])], false),
        // Finished, but its latest record cannot say so: included, and reading the run tells.
        ("run-refused-after-end", [("run.succeeded", [:]), ("approval.refused", ["step": "gate"])], true),
    ]

    @Test func theDatabaseAnswersFromItsIndexesWhatReadingEveryRunWouldSay() async throws {
        // Given runs in every state, their records interleaved as concurrent runs write them
        let journal = try JournalDatabase(inMemory: nil)
        for history in Self.histories {
            _ = try await journal.createRun(
                JournalEntry(runID: history.runID, kind: "run.created"),
                dedupeKey: history.runID
            )
        }
        let longest = Self.histories.map(\.records.count).max() ?? 0
        for index in 0..<longest {
            for history in Self.histories where index < history.records.count {
                let record = history.records[index]
                try await journal.append(JournalEntry(runID: history.runID, kind: record.kind, payload: record.payload))
            }
        }
        // When a restart asks which runs are unfinished
        let unfinished = try await journal.unfinishedRuns(after: 0, limit: 100)
        // Then it names exactly those, oldest first, with their latest record's kind
        #expect(unfinished.map(\.runID) == Self.histories.filter(\.unfinished).map(\.runID))
        #expect(unfinished.first { $0.runID == "run-untouched" }?.isUntouched == true)
        #expect(unfinished.first { $0.runID == "run-parked" }?.latestKind == "run.parked")
        #expect(unfinished.first { $0.runID == "run-untouched" }?.createdSequence == 1)
        #expect(unfinished.filter(\.isUntouched).count == 1)
        // And the same as reading every run's records (what journals without indexes do)
        #expect(try await DefaultAnsweringJournal(base: journal).unfinishedRuns(after: 0, limit: 100) == unfinished)
        // And it pages: after a run, up to a limit
        let second = try #require(unfinished.dropFirst().first)
        #expect(try await journal.unfinishedRuns(after: second.createdSequence, limit: 2) == Array(unfinished[2..<4]))
        #expect(
            try await DefaultAnsweringJournal(base: journal).unfinishedRuns(after: second.createdSequence, limit: 2)
                == Array(unfinished[2..<4])
        )
    }

    @Test func aRunsRecordsAfterASequenceComeWithTheRunsTotalLikeReadingThemAll() async throws {
        // Given the histories' runs, interleaved
        let journal = try JournalDatabase(inMemory: nil)
        for history in Self.histories {
            _ = try await journal.createRun(
                JournalEntry(runID: history.runID, kind: "run.created"),
                dedupeKey: history.runID
            )
            for record in history.records {
                try await journal.append(JournalEntry(runID: "other", kind: "step.started", payload: ["step": "x"]))
                try await journal.append(JournalEntry(runID: history.runID, kind: record.kind, payload: record.payload))
            }
        }
        for history in Self.histories {
            let all = try await journal.records(ofRun: history.runID)
            // When a reader holding the first n records asks for the rest, for every n
            for held in 0...all.count {
                let after = held == 0 ? 0 : all[held - 1].sequence
                let since = try await journal.records(ofRun: history.runID, after: after)
                // Then it gets exactly the others, and the total tells it nothing was left out
                #expect(since.records == Array(all[held...]))
                #expect(since.total == all.count)
                #expect(
                    try await DefaultAnsweringJournal(base: journal).records(ofRun: history.runID, after: after)
                        == since
                )
            }
        }
        #expect(try await journal.records(ofRun: "run-unknown", after: 0) == RunRecordsSince(records: [], total: 0))
    }
}
