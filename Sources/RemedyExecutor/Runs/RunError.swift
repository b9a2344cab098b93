import RemedyCore

/// Why the executor refused a request or could not go on with a run; the message says what to do instead.
///
/// Compare with `==` against the static members (`error == .initiatorCannotApprove`): the message is not compared.
public struct RunError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case unknownRun
        case unknownGate
        case notAnApprover
        case initiatorCannotApprove
        case alreadyDecided
        case gateExpired
        case gateClosed
        case notUndoable
        case notRetryable
        case unreadableJournal
        case runBusy
        case leaseLost
        case liveRunInDryRunProcess
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: RunError, rhs: RunError) -> Bool { lhs.code == rhs.code }

    /// No run with this id is in the journal.
    public static let unknownRun = RunError(.unknownRun, "unknown run")
    /// The run has no approval gate of this id, or has not reached it.
    public static let unknownGate = RunError(.unknownGate, "unknown approval gate")
    /// The principal is not among the gate's approvers.
    public static let notAnApprover = RunError(.notAnApprover, "not an approver")
    /// The principal started the run and so cannot approve it.
    public static let initiatorCannotApprove = RunError(.initiatorCannotApprove, "the initiator cannot approve")
    /// The principal already decided on this gate.
    public static let alreadyDecided = RunError(.alreadyDecided, "already decided")
    /// The gate's timeout passed: it fails closed and takes no decision.
    public static let gateExpired = RunError(.gateExpired, "the approval expired")
    /// The gate was already decided (quorum met or denied) or the run is over.
    public static let gateClosed = RunError(.gateClosed, "the approval is closed")
    /// The run cannot be undone (still active, dry-run, or already undone).
    public static let notUndoable = RunError(.notUndoable, "the run cannot be undone")
    /// The run cannot be retried from a failed step (not failed, or failed where a retry cannot help).
    public static let notRetryable = RunError(.notRetryable, "the run cannot be retried")
    /// The journal holds a record the executor cannot read.
    public static let unreadableJournal = RunError(.unreadableJournal, "unreadable journal record")
    /// Another process (or executor) is driving the run now.
    public static let runBusy = RunError(.runBusy, "the run is being driven elsewhere")
    /// This executor lost its lease on the run while driving it: it stops before acting again.
    public static let leaseLost = RunError(.leaseLost, "the lease on the run was lost")

    /// A live run reached an executor of a process started with `--dry-run`, which never makes a mutating call.
    public static let liveRunInDryRunProcess = RunError(
        .liveRunInDryRunProcess,
        "a live run cannot be driven by a dry-run process"
    )

    static func liveRunInDryRunProcess(_ runID: String) -> RunError {
        RunError(
            .liveRunInDryRunProcess,
            "run '\(runID)' is live and this process was started with --dry-run, which makes no mutating call; "
                + "drive it from a live process (remedy resume \(runID), or a live remedy serve)"
        )
    }

    static func unknownRun(_ runID: String) -> RunError {
        RunError(.unknownRun, "no run '\(runID)' in the journal; list runs with remedy runs")
    }

    static func unknownGate(_ gate: String, runID: String) -> RunError {
        RunError(.unknownGate, "run '\(runID)' is not waiting at an approval gate '\(gate)'")
    }

    static func notAnApprover(_ principal: String, gate: String) -> RunError {
        RunError(
            .notAnApprover,
            "\(principal) is not an approver of gate '\(gate)'; ask one of the approvers the playbook lists"
        )
    }

    static func initiatorCannotApprove(_ principal: String, as approver: String, gate: String) -> RunError {
        RunError(
            .initiatorCannotApprove,
            "\(principal)\(Self.countingAs(approver, principal)) started this run and cannot approve gate '\(gate)'; "
                + "ask another approver"
        )
    }

    /// ` (as ROLE)` when a session counts as its role.
    private static func countingAs(_ approver: String, _ principal: String) -> String {
        approver == principal ? "" : " (as \(approver))"
    }

    static func alreadyDecided(_ principal: String, as approver: String, gate: String) -> RunError {
        RunError(
            .alreadyDecided,
            "\(principal)\(Self.countingAs(approver, principal)) already decided on gate '\(gate)'; each approver "
                + "decides once"
        )
    }

    static func gateExpired(_ gate: String, expiresAt: String) -> RunError {
        RunError(
            .gateExpired,
            "gate '\(gate)' expired at \(expiresAt) and failed closed; start a new run to act on the finding"
        )
    }

    static func gateClosed(_ gate: String, runID: String) -> RunError {
        RunError(.gateClosed, "gate '\(gate)' of run '\(runID)' takes no more decisions: it is already decided")
    }

    static func notUndoable(_ runID: String, _ reason: String) -> RunError {
        RunError(.notUndoable, "run '\(runID)' cannot be undone: \(reason)")
    }

    static func notRetryable(_ runID: String, _ reason: String) -> RunError {
        RunError(.notRetryable, "run '\(runID)' cannot be retried: \(reason)")
    }

    static func unreadableJournal(_ message: String) -> RunError {
        RunError(.unreadableJournal, "unreadable journal: \(message); check it with remedy journal verify")
    }

    static func runBusy(_ runID: String, holder: String, until: String) -> RunError {
        RunError(
            .runBusy,
            "run '\(runID)' is being driven by \(holder) (lease until \(until)); wait for it, or retry after the lease "
                + "expires if that process is gone"
        )
    }

    static func leaseLost(_ runID: String, to holder: String) -> RunError {
        RunError(
            .leaseLost,
            "lost the lease on run '\(runID)' to \(holder); stopped before acting again, that process continues the run"
        )
    }
}
