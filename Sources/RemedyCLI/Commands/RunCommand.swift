import ArgumentParser
import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyExecutor
import RemedyJournal
import RemedyPlaybooks

extension RemedyCommand {
    /// `remedy run`: normalise, match, plan and execute, journaling every step.
    struct RunCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Remediate a finding: match playbooks, plan, and execute the steps with a journal.",
            discussion: """
                The initiator is the caller's AWS identity (STS GetCallerIdentity). On a terminal each step is shown \
                as it happens and, at an approval gate, remedy says who must approve and offers to wait there for \
                their decision (taken with remedy approve, in any process), to deny (when you are an approver), or \
                to park. Otherwise a run that reaches a gate parks and prints its id. A finding already run (same id \
                and update time) starts nothing.
                Exit status: 0 every run succeeded (or the finding was already handled); 1 a run failed or the input \
                was refused; 2 a run is parked at an approval gate.
                """
        )

        @Argument(help: "Finding file (JSON), or - for standard input.")
        var finding: String

        @OptionGroup(title: "Playbooks")
        var playbookOptions: PlaybookOptions

        @Option(name: .long, help: "Run only this playbook.")
        var playbook: String?

        @Flag(name: .long, help: "Make read-only calls only; check mutating calls for permission instead.")
        var dryRun = false

        @Flag(name: .long, help: "No network at all: print the plan, as remedy plan does.")
        var offline = false

        @OptionGroup(title: "Engine")
        var engineOptions: EngineOptions

        @OptionGroup(title: "Output")
        var outputOptions: OutputOptions

        func validate() throws {
            if dryRun && offline { throw ValidationError("--dry-run and --offline exclude each other") }
        }

        func run() async throws {
            let findings = try FindingInput.read(finding)
            let configuration = try engineOptions.journalOptions.loadConfiguration()
            let library = try playbookOptions.loadLibrary(configuration: configuration)
            let playbooks = library.playbooks.filter { playbook == nil || $0.name == playbook }
            if let playbook, playbooks.isEmpty {
                Terminal.standardError.write("error: no valid playbook named '\(playbook)'")
                throw ExitCode.failure
            }
            let planner = Planner(catalog: .standard)
            let outcomes = findings.map { ($0, planner.outcomes(for: $0, playbooks: playbooks)) }
            if offline {
                let report = PlanReport(entries: outcomes.map { PlanReport.Entry(finding: $0.0, outcomes: $0.1) })
                Terminal.standardOutput.write(report.text(catalog: .standard, explain: false))
                if report.hasRefusals { throw ExitCode.failure }
                return
            }

            let interactive = outputOptions.output == .text && Terminal.isInteractive
            let showProgress: RunExecutor.RecordObserver = { record in
                if let line = RunProgress.line(for: record) { Terminal.standardOutput.write(line) }
            }
            let engine = try await engineOptions.engine(
                configuration: configuration,
                dryRun: dryRun,
                observer: interactive ? showProgress : nil
            )
            let mode: ExecutionMode = dryRun ? .dryRun : .live
            var exitCode: Int32 = 0
            var planned: [(finding: Finding, plan: Plan)] = []
            for (finding, findingOutcomes) in outcomes {
                for outcome in findingOutcomes {
                    switch outcome {
                    case .notMatched:
                        continue
                    case .refused(let playbook, let reason):
                        Terminal.standardError.write(
                            "refused: playbook \(playbook) for finding \(finding.id): \(reason)"
                        )
                        exitCode = 1
                    case .planned(let plan):
                        planned.append((finding, plan))
                    }
                }
            }
            // On a terminal one run at a time, so its gates can be answered; otherwise all at once, within the
            // executor's concurrency limit and one run per resource.
            let starts = try await withThrowingTaskGroup(of: (Int, RunExecutor.Start).self) { group in
                var starts: [RunExecutor.Start?] = Array(repeating: nil, count: planned.count)
                for (index, entry) in planned.enumerated() {
                    let start = {
                        (
                            index,
                            try await engine.executor.start(
                                plan: entry.plan,
                                finding: entry.finding,
                                initiator: engine.caller,
                                mode: mode
                            )
                        )
                    }
                    if interactive {
                        let (index, started) = try await start()
                        starts[index] = try await follow(started, engine: engine)
                    } else {
                        group.addTask(operation: start)
                    }
                }
                for try await (index, start) in group { starts[index] = start }
                return starts.compactMap { $0 }
            }
            var reports: [JSONValue] = []
            for (entry, start) in zip(planned, starts) {
                switch start {
                case .duplicate(let existing):
                    if outputOptions.output == .text {
                        let status = try await engine.executor.report(runID: existing).status
                        let retry =
                            status == .failed
                            ? "; to go on from its failed step: remedy resume --retry-failed \(existing)" : ""
                        Terminal.standardOutput.write(
                            "finding \(entry.finding.id) was already handled by run \(existing) (\(status.rawValue)); "
                                + "nothing started\(retry)"
                        )
                    }
                    reports.append(["runId": .string(existing), "duplicate": true])
                case .started(let report):
                    if interactive {
                        Terminal.standardOutput.write(report.summary)
                    } else if outputOptions.output == .text {
                        Terminal.standardOutput.write(report.text)
                    }
                    reports.append(report.json)
                    if report.exitStatus == 1 || (report.exitStatus == 2 && exitCode == 0) {
                        exitCode = report.exitStatus
                    }
                }
            }
            engine.checkpoint()
            if outputOptions.output == .json {
                Terminal.standardOutput.write(JSONValue.array(reports).jsonText(options: .prettyPrinted))
            }
            if reports.isEmpty, exitCode == 0, outputOptions.output == .text {
                Terminal.standardOutput.write("no playbook matches; nothing to do")
            }
            if exitCode != 0 { throw ExitCode(exitCode) }
        }

        /// Takes a started run through its gates at the terminal.
        private func follow(
            _ start: RunExecutor.Start,
            engine: EngineOptions.CommandEngine
        ) async throws -> RunExecutor.Start {
            guard case .started(let report) = start else { return start }
            return .started(try await GatePrompt(engine: engine).follow(report))
        }
    }

    /// `remedy runs`: the runs in the journal.
    struct RunsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "runs", abstract: "List the runs in the journal.")

        @OptionGroup(title: "Journal")
        var journalOptions: JournalOptions

        @Option(name: .long, help: "Only runs with this status (pending, running, parked, succeeded, failed, ...).")
        var status: String?

        func run() async throws {
            let journal = try journalOptions.openJournal(try journalOptions.loadConfiguration())
            for runID in try await journal.runIDs() {
                let report = RunReport(try RunState(records: try await journal.records(ofRun: runID)))
                if let status, report.status.rawValue != status { continue }
                Terminal.standardOutput.write(
                    "\(report.runID)  \(report.status.rawValue)  \(report.playbook)  \(report.mode.rawValue)"
                )
            }
        }
    }

    /// `remedy show`: one run's timeline from the journal.
    struct ShowCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a run's timeline (steps, outputs, request ids, decisions), or a case's runs."
        )

        @Argument(help: "The run id, or a case id (case-...).")
        var runID: String

        @OptionGroup(title: "Journal")
        var journalOptions: JournalOptions

        func run() async throws {
            let journal = try journalOptions.openJournal(try journalOptions.loadConfiguration())
            if runID.hasPrefix("case-") {
                guard let found = try await CaseSummary.all(in: journal).first(where: { $0.caseID == runID }) else {
                    Terminal.standardError.write("error: no case \(runID) in the journal; list cases with remedy cases")
                    throw ExitCode.failure
                }
                Terminal.standardOutput.write(found.text)
                return
            }
            let records = try await journal.records(ofRun: runID)
            guard !records.isEmpty else {
                Terminal.standardError.write("error: no run \(runID) in the journal")
                throw ExitCode.failure
            }
            for record in records {
                var payload = record.payload
                if case .object(var members) = payload {
                    // The full plan is in run.created; the timeline shows its summary.
                    members["steps"] = nil
                    members["finding"] = nil
                    payload = .object(members)
                }
                Terminal.standardOutput.write(
                    "\(record.recordedAt)  #\(record.sequence)  \(record.kind)  \(payload.jsonText())"
                )
            }
        }
    }
}

extension RunReport {
    /// The last line after progress was shown step by step.
    var summary: String {
        var lines = ["run \(runID)  \(status.rawValue)"]
        if let waitingAt {
            lines.append("  parked at approval \(waitingAt): remedy approve \(runID) --step \(waitingAt)")
        }
        return lines.joined(separator: "\n")
    }

    var text: String {
        var lines = ["run \(runID)  playbook \(playbook)  \(mode.rawValue)  \(status.rawValue)"]
        for step in steps {
            var line = "  \(step.id)  \(step.status.rawValue)"
            if let verdict = step.verdict { line += "  \(verdict)" }
            if let failure = step.failure { line += "  \(failure)" }
            lines.append(line)
        }
        if let waitingAt {
            lines.append("  parked at approval \(waitingAt): remedy approve \(runID) --step \(waitingAt)")
        }
        if let failureReason { lines.append("  failed: \(failureReason)") }
        if !alsoApproved.isEmpty {
            lines.append(
                "  campaign approval: also approved \(alsoApproved.count) waiting run(s): "
                    + alsoApproved.joined(separator: ", ")
            )
        }
        if let caseID {
            lines.append(
                "  case \(caseID)"
                    + (alreadyContainedBy.map { ": already contained by run \($0); nothing more was done" } ?? "")
            )
        }
        return lines.joined(separator: "\n")
    }
}
