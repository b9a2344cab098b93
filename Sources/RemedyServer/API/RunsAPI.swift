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
    /// Most runs one list request reads, matching or not: a filter that matches little pages on instead of reading
    /// every run in the journal.
    static let scanLimit = 1_000

    let executor: RunExecutor
    let journal: any RunJournal
    let approvers: ApproverAuthenticator
    let queue: RunQueue
    let parked: ParkedRuns
    /// How long a decision's body may take to arrive.
    var bodyTimeout: Duration = .seconds(30)

    func list(_ request: Request) async throws -> Response {
        _ = try approvers.principal(request.headers)
        let parameters = request.uri.queryParameters
        let status = try parameters.get("status").map { (text) throws(Rejection) in
            guard let status = RunStatus(rawValue: text) else {
                let known = RunStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw Rejection(.badRequest, "invalid-status", "status must be one of \(known)")
            }
            return status
        }
        let limit = parameters.get("limit").flatMap(Int.init).map { min(max($0, 1), 1_000) } ?? Self.defaultListLimit
        let before = parameters.get("before").flatMap(Int64.init)
        return JSONResponse.make(.ok, try await runs(status: status, limit: limit, before: before))
    }

    /// Newest first, `limit` runs matching `status`, created before the record at `before`, reading at most
    /// `scanLimit` runs: when more may match, `next` is the cursor to pass as `before` for the next page.
    func runs(status: RunStatus?, limit: Int, before: Int64?) async throws -> JSONValue {
        var before = before
        var runs: [JSONValue] = []
        var scanned = 0
        var exhausted = false
        while runs.count < limit, scanned < Self.scanLimit {
            let page = try await journal.runsCreated(before: before, limit: min(100, Self.scanLimit - scanned))
            guard !page.isEmpty else {
                exhausted = true
                break
            }
            for created in page where runs.count < limit {
                scanned += 1
                before = created.sequence
                let report = try await executor.report(runID: created.runID)
                if let status, report.status != status { continue }
                runs.append([
                    "runId": .string(report.runID), "playbook": .string(report.playbook),
                    "status": .string(report.status.rawValue),
                    "waitingAt": report.waitingAt.map(JSONValue.string) ?? .null,
                ])
            }
        }
        let next: JSONValue = exhausted ? .null : before.map { .number(Double($0)) } ?? .null
        return ["runs": .array(runs), "next": next]
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
        let body = try await ServerRoutes.collect(request, limit: Self.maximumDecisionBytes, deadline: bodyTimeout)
        let document: JSONValue
        do {
            document = try JSONParser(limits: .init(maximumBytes: Self.maximumDecisionBytes, maximumDepth: 4))
                .parse(body)
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
            // A campaign approval approved these too; a worker drives each on, as this one.
            for approved in report.alsoApproved { queue.enqueue(approved) }
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
