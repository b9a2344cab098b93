import Foundation
import Hummingbird
import RemedyCore
import RemedyExecutor

/// `GET /v1/runs`, `GET /v1/runs/{id}` and `POST /v1/runs/{id}/approvals`, for approvers with their own tokens.
///
/// Decisions follow the same rules as `remedy approve`: the executor refuses the initiator, non-approvers, a second
/// decision by the same person and an expired gate, and journals each refusal. An accepted approval is journaled
/// before the answer; the run then continues on a worker, not on the approver's request.
struct RunsAPI: Sendable {
    static let maximumDecisionBytes = 16 << 10
    static let defaultListLimit = 100

    let executor: RunExecutor
    let journal: any RunJournal
    let approvers: ApproverAuthenticator
    let queue: RunQueue
    let parked: ParkedRuns

    func list(_ request: Request) async throws -> Response {
        _ = try approvers.principal(request.headers)
        let status = request.uri.queryParameters.get("status")
        let limit =
            request.uri.queryParameters.get("limit").flatMap(Int.init).map { min(max($0, 1), 1_000) }
            ?? Self.defaultListLimit
        var runs: [JSONValue] = []
        // Newest first; a journal holds every run ever, so the list is bounded.
        for runID in try await journal.runIDs().reversed() {
            guard runs.count < limit else { break }
            let report = try await executor.report(runID: runID)
            if let status, report.status.rawValue != status { continue }
            runs.append([
                "runId": .string(report.runID), "playbook": .string(report.playbook),
                "status": .string(report.status.rawValue), "waitingAt": report.waitingAt.map(JSONValue.string) ?? .null,
            ])
        }
        return JSONResponse.make(.ok, ["runs": .array(runs)])
    }

    func show(_ request: Request, runID: String) async throws -> Response {
        _ = try approvers.principal(request.headers)
        do {
            return JSONResponse.make(.ok, try await executor.report(runID: runID).json)
        } catch let error as RunError {
            throw Self.rejection(error)
        }
    }

    func decide(_ request: Request, runID: String) async throws -> Response {
        let principal = try approvers.principal(request.headers)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumDecisionBytes)
        } catch {
            throw Rejection(
                .contentTooLarge,
                "body-too-large",
                "a decision is at most \(Self.maximumDecisionBytes) bytes"
            )
        }
        let document: JSONValue
        do {
            document = try JSONParser(limits: .init(maximumBytes: Self.maximumDecisionBytes, maximumDepth: 4))
                .parse(Array(buffer: body))
        } catch {
            throw Rejection(.badRequest, "invalid-json", "the decision is not valid JSON: \(error)")
        }
        guard let decisionText = document["decision"]?.stringValue,
            let decision = ApprovalVerdict(rawValue: decisionText)
        else {
            throw Rejection(.badRequest, "invalid-decision", #"the body needs "decision": "approve" or "deny""#)
        }
        let comment = document["comment"]?.stringValue
        if let comment, comment.count > 2_000 {
            throw Rejection(.badRequest, "invalid-decision", "the comment is longer than 2,000 characters")
        }
        let gate: String
        if let named = document["gate"]?.stringValue {
            gate = named
        } else {
            let report: RunReport
            do {
                report = try await executor.report(runID: runID)
            } catch let error as RunError {
                throw Self.rejection(error)
            }
            guard let waiting = report.waitingAt else {
                throw Rejection(.conflict, "not-waiting", "run '\(runID)' is not waiting at an approval gate")
            }
            gate = waiting
        }
        do {
            let report = try await executor.decide(
                runID: runID,
                gate: gate,
                principal: principal,
                decision: decision,
                comment: comment,
                channel: "http",
                continuing: false
            )
            await parked.update(report)
            if report.status.isActive { queue.enqueue(runID) }
            return JSONResponse.make(.ok, report.json)
        } catch let error as RunError {
            throw Self.rejection(error)
        }
    }

    static func rejection(_ error: RunError) -> Rejection {
        let (status, reason): (HTTPResponse.Status, String) =
            switch error {
            case .unknownRun: (.notFound, "unknown-run")
            case .unknownGate: (.notFound, "unknown-gate")
            case .notAnApprover: (.forbidden, "not-an-approver")
            case .initiatorCannotApprove: (.forbidden, "initiator-cannot-approve")
            case .alreadyDecided: (.conflict, "already-decided")
            case .gateExpired: (.conflict, "gate-expired")
            case .gateClosed: (.conflict, "gate-closed")
            case .runBusy: (.conflict, "run-busy")
            case .liveRunInDryRunProcess: (.conflict, "dry-run-server")
            default: (.internalServerError, "run-error")
            }
        return Rejection(status, reason, error.message)
    }
}
