import ArgumentParser
import Foundation
import RemedyActions
import RemedyCore
import RemedyExercise
import RemedyPlaybooks

extension RemedyCommand {
    /// `remedy validate`: checks playbooks without running anything.
    struct ValidateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check playbooks and exercise scenarios and report every problem as file:line:column.",
            discussion: "Exit status 1 when any error is found."
        )

        @Argument(help: "Playbook or scenario (kind: Scenario) files, or directories of them.")
        var paths: [String] = ["Playbooks"]

        @Option(
            name: .long,
            help:
                "Also check this configuration file, and the playbooks' approver groups and Slack channels against it."
        )
        var config: String?

        func run() throws {
            let (playbookPaths, scenarioFiles) = Self.separateScenarios(paths)
            let library =
                playbookPaths.isEmpty && !scenarioFiles.isEmpty
                ? PlaybookLibrary(playbooks: [], diagnostics: [])
                : PlaybookLibrary.load(paths: playbookPaths, catalog: .standard)
            var diagnostics = library.diagnostics
            if let config { diagnostics += check(config: config, playbooks: library.playbooks) }
            for file in scenarioFiles {
                if case .failure(let error) = ScenarioParser().parse(path: file) { diagnostics += error.diagnostics }
            }
            for diagnostic in diagnostics.sortedByLocation() {
                Terminal.standardOutput.write(diagnostic.description)
            }
            let errors = diagnostics.filter { $0.severity == .error }.count
            let warnings = diagnostics.count - errors
            let scenarios =
                scenarioFiles.isEmpty
                ? "" : "\(scenarioFiles.count) scenario\(scenarioFiles.count == 1 ? "" : "s") checked, "
            Terminal.standardOutput.write(
                "\(library.playbooks.count) playbook\(library.playbooks.count == 1 ? "" : "s") valid, \(scenarios)"
                    + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            )
            if errors > 0 { throw ExitCode.failure }
        }

        /// Scenario files (`kind: Scenario`) apart from playbook paths; a directory holding only scenarios is not
        /// passed on as playbooks.
        static func separateScenarios(_ paths: [String]) -> (playbooks: [String], scenarios: [String]) {
            var playbooks: [String] = []
            var scenarios: [String] = []
            let manager = FileManager.default
            for path in paths {
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    playbooks.append(path)  // The library reports the missing path.
                    continue
                }
                let files =
                    isDirectory.boolValue
                    ? ((try? manager.contentsOfDirectory(atPath: path)) ?? []).filter {
                        $0.hasSuffix(".yaml") || $0.hasSuffix(".yml")
                    }.sorted().map { (path.hasSuffix("/") ? path : path + "/") + $0 } : [path]
                let found = files.filter { file in
                    (try? SourceFile.read(file)).map(ScenarioParser.isScenario) ?? false
                }
                scenarios += found
                if found.count < files.count || files.isEmpty {
                    playbooks += isDirectory.boolValue && !found.isEmpty ? files.filter { !found.contains($0) } : [path]
                }
            }
            return (playbooks, scenarios)
        }

        /// The configuration's own problems, then approval steps naming groups it does not define and `notify.slack`
        /// steps naming channels it does not configure (which would fail every run at that step).
        func check(config path: String, playbooks: [Playbook]) -> [Diagnostic] {
            let text: String
            do {
                text = try SourceFile.read(path)
            } catch {
                return [.error(error.message, at: SourceLocation(file: path, line: 1, column: 1))]
            }
            let (configuration, diagnostics) = ConfigurationParser().parse(text, file: path)
            guard let configuration else { return diagnostics }
            var problems = diagnostics
            for playbook in playbooks {
                for step in playbook.steps {
                    for reference in step.approval?.approvers ?? []
                    where configuration.approvers.principals(for: reference).isEmpty {
                        problems.append(
                            .error("approver \(reference) is not a group defined in \(path)", at: step.location)
                        )
                    }
                    if let problem = slackChannelProblem(step, configuration, path) { problems.append(problem) }
                }
            }
            return problems
        }

        /// A `notify.slack` step's channel that the configuration does not name under `notifications.slack.channels`.
        private func slackChannelProblem(
            _ step: Step,
            _ configuration: RemedyConfiguration,
            _ path: String
        ) -> Diagnostic? {
            guard let action = step.action, action.name == NotifySlack.descriptor.name else { return nil }
            let configured = configuration.notifications.slackChannels.keys.sorted()
            switch action.parameters["channel"] {
            case nil:
                return configured.contains("default")
                    ? nil
                    : .error(
                        "step '\(step.id)' posts to Slack channel 'default', which is not under "
                            + "notifications.slack.channels in \(path)",
                        at: step.location
                    )
            case .literal(.string(let channel))?:
                guard !configured.contains(channel) else { return nil }
                let known =
                    configured.isEmpty ? "none is configured" : "configured: \(configured.joined(separator: ", "))"
                return .error(
                    "step '\(step.id)' posts to Slack channel '\(channel)', which is not under "
                        + "notifications.slack.channels in \(path) (\(known))",
                    at: step.location
                )
            default:
                return .warning(
                    "step '\(step.id)' computes its Slack channel: it cannot be checked against \(path)",
                    at: step.location
                )
            }
        }
    }
}
