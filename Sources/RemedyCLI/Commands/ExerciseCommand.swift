import ArgumentParser
import Foundation
import RemedyCore
import RemedyExercise
import RemedyJournal
import RemedyPlaybooks

extension RemedyCommand {
    /// `remedy exercise`: a tabletop simulation of a scenario against a simulated account.
    struct ExerciseCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exercise",
            abstract: "Play a scenario against a simulated AWS account and report what remedy would have done.",
            discussion: """
                The scenario's findings are injected at their offsets; every matching playbook runs through the real \
                planner, executor and actions against an in-memory account, in virtual time; simulated approvers \
                decide through the same rules as remedy approve. No AWS account or network is used.
                The report (text on standard output, or --report FILE.md, FILE.html or FILE.json) shows per finding \
                the playbooks and runs, each step's calls, approvals and waits, time to containment, the account's \
                changes, coverage gaps, failed steps and each expectation. The exercise's journal is a real, signed \
                journal file: remedy journal verify --journal FILE --key FILE.key checks it.
                Exit status: 0 every expectation passed; 1 an expectation failed or the scenario is invalid.
                """
        )

        @Argument(help: "The scenario file (YAML, kind: Scenario).")
        var scenario: String

        @Option(
            name: .long,
            help: "Write the report to FILE.md, FILE.html or FILE.json instead of text on standard output."
        )
        var report: String?

        @Option(
            name: .long,
            help: "The exercise's journal (a new file; default: next to the report, or in the temporary directory)."
        )
        var journal: String?

        @Option(name: .long, help: "Directory of playbooks (default: the scenario's playbooks, else Playbooks).")
        var playbooks: String?

        func validate() throws {
            if let report, !["md", "html", "json"].contains(URL(fileURLWithPath: report).pathExtension) {
                throw ValidationError("--report must end in .md, .html or .json")
            }
        }

        func run() async throws {
            let parsed: Scenario
            switch ScenarioParser().parse(path: scenario) {
            case .success(let value): parsed = value
            case .failure(let error):
                for diagnostic in error.diagnostics { Terminal.standardError.write(diagnostic.description) }
                throw ExitCode.failure
            }
            let directory = playbooks ?? parsed.playbooks ?? "Playbooks"
            let library = PlaybookLibrary.load(paths: [directory], catalog: .standard)
            for diagnostic in library.diagnostics { Terminal.standardError.write(diagnostic.description) }
            if library.diagnostics.containsErrors {
                Terminal.standardError.write("error: the playbooks in \(directory) have errors; run remedy validate")
                throw ExitCode.failure
            }
            if library.playbooks.isEmpty {
                Terminal.standardError.write("error: no playbook loaded from '\(directory)'; pass --playbooks DIR")
                throw ExitCode.failure
            }
            let journalPath = journal ?? Self.defaultJournal(report: report, scenario: parsed.name)
            guard !FileManager.default.fileExists(atPath: journalPath) else {
                Terminal.standardError.write("error: \(journalPath) exists; an exercise writes a new journal")
                throw ExitCode.failure
            }
            let clock = ExerciseClock(start: parsed.start)
            let outcome: ExerciseReport
            let keyPath = journalPath + ".key"
            do {
                let key = try JournalSigningKey.create(at: keyPath)
                let database = try JournalDatabase.exercise(
                    path: journalPath,
                    signingKey: key,
                    wallClock: clock.wallClock
                )
                outcome = try await Exercise(
                    scenario: parsed,
                    playbooks: library.playbooks,
                    journal: database,
                    clock: clock
                ).run()
                try database.checkpoint()
            } catch {
                Terminal.standardError.write("error: \(error)")
                throw ExitCode.failure
            }
            if let report {
                let content: String
                switch URL(fileURLWithPath: report).pathExtension {
                case "html": content = outcome.html
                case "json": content = outcome.json.jsonText(options: .prettyPrinted) + "\n"
                default: content = outcome.text(markdown: true)
                }
                do {
                    try content.write(toFile: report, atomically: true, encoding: .utf8)
                } catch {
                    Terminal.standardError.write("error: cannot write \(report): \(error)")
                    throw ExitCode.failure
                }
                let failed = outcome.expectations.filter { !$0.passed }
                Terminal.standardOutput.write(
                    "exercise \(outcome.scenario): \(outcome.expectations.count - failed.count) of "
                        + "\(outcome.expectations.count) expectations passed; report \(report)"
                )
                for result in failed {
                    Terminal.standardOutput.write("FAIL \(result.location): \(result.text): \(result.detail)")
                }
            } else {
                Terminal.standardOutput.write(String(outcome.text().dropLast()))
            }
            Terminal.standardOutput.write(
                "journal \(journalPath) (verify: remedy journal verify --journal \(journalPath) --key \(keyPath))"
            )
            if !outcome.passed { throw ExitCode.failure }
        }

        static func defaultJournal(report: String?, scenario: String) -> String {
            if let report {
                return URL(fileURLWithPath: report).deletingPathExtension().path + ".journal.sqlite"
            }
            let name = scenario.isEmpty ? "exercise" : scenario
            return NSTemporaryDirectory() + "remedy-exercise-\(name)-\(UUID().uuidString.prefix(8).lowercased()).sqlite"
        }
    }
}
