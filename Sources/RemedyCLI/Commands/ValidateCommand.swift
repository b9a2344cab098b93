import ArgumentParser
import RemedyActions
import RemedyCore
import RemedyPlaybooks

extension RemedyCommand {
    /// `remedy validate`: checks playbooks without running anything.
    struct ValidateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check playbooks and report every problem as file:line:column.",
            discussion: "Exit status 1 when any error is found."
        )

        @Argument(help: "Playbook files or directories.")
        var paths: [String] = ["Playbooks"]

        @Option(name: .long, help: "Also check this configuration file, and the playbooks' approver groups against it.")
        var config: String?

        func run() throws {
            let library = PlaybookLibrary.load(paths: paths, catalog: .standard)
            var diagnostics = library.diagnostics
            if let config { diagnostics += check(config: config, playbooks: library.playbooks) }
            for diagnostic in diagnostics.sortedByLocation() {
                Terminal.standardOutput.write(diagnostic.description)
            }
            let errors = diagnostics.filter { $0.severity == .error }.count
            let warnings = diagnostics.count - errors
            Terminal.standardOutput.write(
                "\(library.playbooks.count) playbook\(library.playbooks.count == 1 ? "" : "s") valid, "
                    + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            )
            if errors > 0 { throw ExitCode.failure }
        }

        /// The configuration's own problems, then approval steps naming groups it does not define.
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
                }
            }
            return problems
        }
    }
}
