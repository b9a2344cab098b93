import Foundation
import RemedyCore
import RemedyExercise
import RemedyJournal
import RemedyPlaybooks
import RemedyTestSupport
import Testing

/// A played scenario: its report, the account afterwards and the journal it wrote.
struct PlayedScenario {
    var report: ExerciseReport
    var account: AccountState
    var calls: [SimulatedAccount.Call]
    var journal: JournalDatabase
    var key: JournalSigningKey
}

enum Scenarios {
    static func load(_ name: String) throws -> Scenario {
        switch ScenarioParser().parse(path: Repository.path("Fixtures/scenarios/\(name).yaml")) {
        case .success(let scenario): return scenario
        case .failure(let error): throw error
        }
    }

    static func parse(_ text: String, file: String = "test.yaml") -> Result<Scenario, DiagnosticsError> {
        ScenarioParser().parse(text, file: file)
    }

    /// Plays `scenario` with the repository's playbooks (as `adjusting` leaves them) and a signed journal in
    /// `directory`.
    static func play(
        _ scenario: Scenario,
        in directory: TemporaryDirectory,
        adjusting adjust: (inout Playbook) -> Void = { _ in }
    ) async throws -> PlayedScenario {
        var library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
        #expect(!library.diagnostics.containsErrors)
        for index in library.playbooks.indices { adjust(&library.playbooks[index]) }
        let clock = ExerciseClock(start: scenario.start)
        let key = try JournalSigningKey.create(at: directory.file("journal.key"))
        let journal = try JournalDatabase.exercise(
            path: directory.file("journal.sqlite"),
            signingKey: key,
            wallClock: clock.wallClock
        )
        let exercise = Exercise(scenario: scenario, playbooks: library.playbooks, journal: journal, clock: clock)
        let report = try await exercise.run()
        try journal.checkpoint()
        return PlayedScenario(
            report: report,
            account: await exercise.account.state,
            calls: await exercise.account.calls,
            journal: journal,
            key: key
        )
    }

    static func play(_ name: String, in directory: TemporaryDirectory) async throws -> PlayedScenario {
        try await play(try load(name), in: directory)
    }
}

extension ExerciseReport {
    func expectation(_ text: String) -> ExpectationResult? { expectations.first { $0.text == text } }
}
