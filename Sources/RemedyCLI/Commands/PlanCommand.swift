import ArgumentParser
import RemedyActions
import RemedyCore
import RemedyExecutor
import RemedyPlaybooks

extension RemedyCommand {
    /// `remedy plan`: what remedy would do for a finding, without network or side effects.
    struct PlanCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Show the playbooks a finding matches and the exact steps and parameters they would run.",
            discussion: """
                Offline: reads the finding and the playbooks, makes no network call. Values known only during a run \
                (step outputs, the run id) are shown as deferred.
                Exit status: 0 planned (also when nothing matches); 1 the finding was refused, or a matching \
                playbook cannot be used with it (for example an identifier that fails validation).
                """
        )

        @Argument(help: "Finding file (JSON), or - for standard input.")
        var finding: String

        @OptionGroup(title: "Playbooks")
        var playbookOptions: PlaybookOptions

        @OptionGroup(title: "Output")
        var outputOptions: OutputOptions

        @Flag(name: .long, help: "Also list the playbooks that did not match, with the reason.")
        var explain = false

        func run() throws {
            let findings = try FindingInput.read(finding)
            let library = try playbookOptions.loadLibrary()
            let planner = Planner(catalog: .standard)
            let report = PlanReport(
                entries: findings.map { finding in
                    PlanReport.Entry(
                        finding: finding,
                        outcomes: planner.outcomes(for: finding, playbooks: library.playbooks)
                    )
                }
            )
            switch outputOptions.output {
            case .json: Terminal.standardOutput.write(report.json.jsonText(options: .prettyPrinted))
            case .text: Terminal.standardOutput.write(report.text(catalog: .standard, explain: explain))
            }
            if report.hasRefusals { throw ExitCode.failure }
        }
    }
}
