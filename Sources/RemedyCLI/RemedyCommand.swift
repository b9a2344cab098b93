import ArgumentParser

/// `remedy`: remediation runner for AWS security findings.
public struct RemedyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "remedy",
        abstract: "Remediate AWS security findings with playbooks: dry-run, approvals and an audit journal.",
        discussion: """
            Exit status: 0 success; 1 input refused or invalid (diagnostics on standard error); 64 usage error.
            """,
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self,
            PlanCommand.self,
            RunCommand.self,
            RunsCommand.self,
            CasesCommand.self,
            ShowCommand.self,
            ApproveCommand.self,
            DenyCommand.self,
            ResumeCommand.self,
            UndoCommand.self,
            CoverageCommand.self,
            ActionsCommand.self,
            IAMPolicyCommand.self,
            DebugCommand.self,
            ServeCommand.self,
            DoctorCommand.self,
            JournalCommand.self,
            ExerciseCommand.self,
        ]
    )

    public init() {}
}
