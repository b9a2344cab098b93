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

        func run() throws {
            let library = PlaybookLibrary.load(paths: paths, catalog: .standard)
            for diagnostic in library.diagnostics {
                Terminal.standardOutput.write(diagnostic.description)
            }
            let errors = library.diagnostics.filter { $0.severity == .error }.count
            let warnings = library.diagnostics.count - errors
            Terminal.standardOutput.write(
                "\(library.playbooks.count) playbook\(library.playbooks.count == 1 ? "" : "s") valid, "
                    + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            )
            if errors > 0 { throw ExitCode.failure }
        }
    }
}
