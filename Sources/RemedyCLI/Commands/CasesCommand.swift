import ArgumentParser
import Foundation
import RemedyCore
import RemedyExecutor

extension RemedyCommand {
    /// `remedy cases`: recurring findings about one resource, grouped by the playbook that acted on them.
    struct CasesCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cases",
            abstract: "List cases: the live runs of one playbook on one resource, a finding each.",
            discussion: """
                A finding about a resource with a live run of the same playbook that started within cases.window \
                (24h by default) joins that run's case, and first checks whether its containment still holds. \
                Show one case with remedy show CASE.
                """
        )

        @Flag(name: .long, help: "Only cases still open to new findings (their last run started within the window).")
        var open = false

        @OptionGroup(title: "Journal")
        var journalOptions: JournalOptions

        func run() async throws {
            let configuration = try journalOptions.loadConfiguration()
            let journal = try journalOptions.openJournal(configuration)
            let cases = try await CaseSummary.all(in: journal)
            let openSince = Date().addingTimeInterval(-configuration.cases.window.seconds)
            for summary in cases {
                let isOpen = summary.lastStartedAt.map { $0 >= openSince } ?? false
                if open, !isOpen { continue }
                let contained = summary.runs.count { $0.alreadyContainedBy != nil }
                Terminal.standardOutput.write(
                    "\(summary.caseID)  \(isOpen ? "open" : "closed")  \(summary.playbook)  \(summary.resource)  "
                        + "\(summary.runs.count) run(s), \(Set(summary.findingIDs).count) finding(s), "
                        + "\(contained) already contained  last \(summary.runs.last?.status.rawValue ?? "?")"
                )
            }
        }
    }
}

/// One case as the journal tells it: its runs in order, with their findings.
struct CaseSummary {
    var caseID: String
    var playbook: String
    var resource: String
    var runs: [RunReport] = []
    var findingIDs: [String] = []
    var lastStartedAt: Date?

    /// Every case in the journal, oldest first, from its live runs.
    static func all(in journal: any RunJournal) async throws -> [CaseSummary] {
        var cases: [String: CaseSummary] = [:]
        var order: [String] = []
        for runID in try await journal.runIDs() {
            let state = try RunState(records: try await journal.records(ofRun: runID))
            let definition = state.definition
            guard let caseID = definition.caseID else { continue }
            if cases[caseID] == nil {
                order.append(caseID)
                cases[caseID] = CaseSummary(
                    caseID: caseID,
                    playbook: definition.playbook,
                    resource: definition.resource
                )
            }
            cases[caseID]?.runs.append(RunReport(state))
            cases[caseID]?.findingIDs.append(definition.findingID)
            cases[caseID]?.lastStartedAt = definition.startedAtDate
        }
        return order.compactMap { cases[$0] }
    }

    /// What `remedy show CASE` prints.
    var text: String {
        var lines = ["case \(caseID)  playbook \(playbook)  resource \(resource)"]
        for (run, finding) in zip(runs, findingIDs) {
            let contained = run.alreadyContainedBy.map { "  already contained by \($0)" } ?? ""
            lines.append("  \(run.runID)  \(run.status.rawValue)  finding \(finding)\(contained)")
        }
        return lines.joined(separator: "\n")
    }
}
