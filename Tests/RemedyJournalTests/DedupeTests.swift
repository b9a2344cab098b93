import GRDB
import RemedyCore
import RemedyTestSupport
import Testing

@testable import RemedyJournal

/// Dedupe keys live beside the records: `createRun` writes the key with `run.created` or refuses naming the run.
@Suite struct DedupeTests {
    @Test func createRunRemembersTheKeyAndRefusesASecondRunForIt() async throws {
        // Given a journal with one run for a key
        let journal = try JournalDatabase(inMemory: nil)
        let created = try await journal.createRun(
            JournalEntry(runID: "run-1", kind: "run.created", payload: ["n": 1]),
            dedupeKey: "guardduty|f|t"
        )
        guard case .created(let record) = created else {
            Issue.record("the first run was not created")
            return
        }
        #expect(record.sequence == 1)
        // When a second run asks for the same key
        let second = try await journal.createRun(
            JournalEntry(runID: "run-2", kind: "run.created", payload: ["n": 2]),
            dedupeKey: "guardduty|f|t"
        )
        // Then nothing is written and the answer names the first run
        #expect(second == .duplicate(existingRunID: "run-1"))
        #expect(try journal.records().count == 1)
        #expect(try await journal.runID(forDedupeKey: "guardduty|f|t") == "run-1")
        #expect(try await journal.runID(forDedupeKey: "other") == nil)
        #expect(try await journal.runIDs() == ["run-1"])
        #expect(try journal.verify(requirements: .allowingUnsignedTail).isIntact)
    }

    @Test func dedupeKeysCannotBeEditedOrRemoved() async throws {
        let journal = try JournalDatabase(inMemory: nil)
        _ = try await journal.createRun(JournalEntry(runID: "run-1", kind: "run.created"), dedupeKey: "k")
        for statement in ["UPDATE dedupe SET runId = 'run-9'", "DELETE FROM dedupe"] {
            let refused = #expect(throws: DatabaseError.self) { try journal.unsafeExecute(statement) }
            #expect(refused?.message == "dedupe keys are append-only", "\(statement)")
        }
    }
}
