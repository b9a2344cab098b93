import ArgumentParser
import RemedyCore
import RemedyExecutor

extension RemedyCommand {
    /// `remedy approve`: an approver's yes at a gate; the run continues once the quorum is met.
    struct ApproveCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Approve a parked run at its approval gate, as the caller's AWS identity.",
            discussion: DecisionOptions.discussion
        )

        @OptionGroup var decision: DecisionOptions

        func run() async throws { try await decision.record(.approve) }
    }

    /// `remedy deny`: an approver's no; the run stops.
    struct DenyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deny",
            abstract: "Deny a parked run at its approval gate: the run stops.",
            discussion: DecisionOptions.discussion
        )

        @OptionGroup var decision: DecisionOptions

        func run() async throws { try await decision.record(.deny) }
    }

    /// `remedy resume`: continue runs after a crash or a restart, probing steps left in doubt.
    struct ResumeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Continue a run (or every active run) from the journal; steps left in doubt are probed first."
        )

        @Argument(help: "The run id; all active runs when absent.")
        var runID: String?

        @Flag(
            help: """
                Go on with a failed run from the step that failed, its attempts forgiven (after a transient error, \
                or once its cause is fixed); a call left in doubt is probed first. Needs the run id.
                """
        )
        var retryFailed = false

        @OptionGroup(title: "Engine")
        var engineOptions: EngineOptions

        func validate() throws {
            if retryFailed, runID == nil { throw ValidationError("--retry-failed needs the id of the failed run") }
        }

        func run() async throws {
            let engine = try await engineOptions.engine()
            let reports: [RunReport]
            if let runID, retryFailed {
                reports = [try await engine.executor.retryFailed(runID: runID, requestedBy: engine.caller)]
            } else if let runID {
                reports = [try await engine.executor.resume(runID: runID)]
            } else {
                reports = try await engine.executor.resumeAll()
            }
            for report in reports { Terminal.standardOutput.write(report.text) }
            engine.checkpoint()
            let statuses = Set(reports.map(\.exitStatus))
            // A failure outranks a parked run, as in remedy run.
            if statuses.contains(1) { throw ExitCode.failure }
            if statuses.contains(2) { throw ExitCode(2) }
        }
    }

    /// `remedy undo`: reverse a run's completed reversible steps, newest first.
    struct UndoCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "undo",
            abstract: "Reverse a run's completed reversible steps, newest first, from the prior state in the journal."
        )

        @Argument(help: "The run id.")
        var runID: String

        @OptionGroup(title: "Engine")
        var engineOptions: EngineOptions

        func run() async throws {
            let engine = try await engineOptions.engine()
            let report: RunReport
            do {
                report = try await engine.executor.undo(runID: runID, requestedBy: engine.caller)
            } catch {
                Terminal.standardError.write("error: \(error)")
                throw ExitCode.failure
            }
            Terminal.standardOutput.write(report.text)
            engine.checkpoint()
            if report.status != .undone { throw ExitCode.failure }
        }
    }
}

/// The options `approve` and `deny` share, and the decision itself.
struct DecisionOptions: ParsableArguments {
    static let discussion = """
        Who decides is the caller's AWS identity (STS GetCallerIdentity), as SSM Automation does; an assumed-role \
        session counts as its role. --as NAME is accepted only when the configuration sets \
        approvers.allow_local_principals (exercises, tests). The initiator cannot approve their own run.
        """

    @Argument(help: "The run id.")
    var runID: String

    @Option(name: .long, help: "The approval step (default: the gate the run waits at).")
    var step: String?

    @Option(name: .long, help: "A comment recorded with the decision.")
    var comment: String?

    @Option(name: .customLong("as"), help: "A local principal name, where the configuration allows them.")
    var localPrincipal: String?

    @OptionGroup(title: "Engine")
    var engineOptions: EngineOptions

    func record(_ verdict: ApprovalVerdict) async throws {
        let engine = try await engineOptions.engine()
        let principal: String
        let channel: String
        if let localPrincipal {
            guard engine.configuration.approvers.allowsLocalPrincipals else {
                Terminal.standardError.write(
                    "error: --as is refused: the configuration does not allow local principals"
                )
                throw ExitCode.failure
            }
            (principal, channel) = (localPrincipal, "cli (local name)")
        } else {
            (principal, channel) = (engine.caller, "cli (AWS identity)")
        }
        do {
            let gate: String
            if let step {
                gate = step
            } else if let waiting = try await engine.executor.report(runID: runID).waitingAt {
                gate = waiting
            } else {
                Terminal.standardError.write("error: run \(runID) is not waiting at an approval gate")
                throw ExitCode.failure
            }
            let report = try await engine.executor.decide(
                runID: runID,
                gate: gate,
                principal: principal,
                decision: verdict,
                comment: comment,
                channel: channel
            )
            Terminal.standardOutput.write(report.text)
            engine.checkpoint()
            if report.exitStatus == 1 { throw ExitCode.failure }
        } catch let error as RunError {
            Terminal.standardError.write("error: \(error)")
            throw ExitCode.failure
        }
    }
}
