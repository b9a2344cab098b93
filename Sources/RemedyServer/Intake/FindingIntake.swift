import HTTPTypes
import Logging
import RemedyCore
import RemedyExecutor
import RemedyPlaybooks

/// Turns an authenticated request body into journaled runs and queues them for the workers.
///
/// Every finding of a request is decoded before anything is journaled, so a request is accepted whole or refused
/// whole, and the refusal names the entries that failed. The answer is given only once each run's `run.created`
/// (with its dedupe key) is durable.
struct FindingIntake: Sendable {
    let decoder: FindingDecoder
    let planner: Planner
    let playbooks: [Playbook]
    let executor: RunExecutor
    let backlog: RunBacklog
    let metrics: ServerMetrics
    let logger: Logger

    /// A request's findings: one document, or a JSON array of them (a batch).
    func findings(in document: JSONValue) throws(Rejection) -> [Finding] {
        guard case .array(let entries) = document else {
            do {
                return try decoder.decode(document)
            } catch {
                throw Self.rejection(error, entry: nil)
            }
        }
        guard !entries.isEmpty else { throw Rejection(.badRequest, "empty-batch", "the batch holds no events") }
        var findings: [Finding] = []
        var problems: [String] = []
        for (index, entry) in entries.enumerated() {
            do {
                findings.append(contentsOf: try decoder.decode(entry))
            } catch {
                problems.append("[\(index)]: \(error.message)")
            }
        }
        guard problems.isEmpty else {
            throw Rejection(
                .unprocessableContent,
                "invalid-batch",
                "nothing was accepted; \(problems.count) of \(entries.count) entries failed: "
                    + problems.prefix(20).joined(separator: "; ")
            )
        }
        guard findings.count <= decoder.maximumFindings else {
            throw Rejection(
                .contentTooLarge,
                "too-many-findings",
                "the request holds \(findings.count) findings, over the limit of \(decoder.maximumFindings)"
            )
        }
        return findings
    }

    /// Journals a run for every planned finding and queues it; returns the 202 body.
    func accept(_ findings: [Finding], from feed: FeedIdentity) async throws -> JSONValue {
        var runs: [JSONValue] = []
        var unmatched: [JSONValue] = []
        var refused: [JSONValue] = []
        for finding in findings {
            metrics.findingReceived(feed: feed.method, isSample: finding.isSample)
            var matched = false
            for outcome in planner.outcomes(for: finding, playbooks: playbooks) {
                switch outcome {
                case .notMatched:
                    continue
                case .refused(let playbook, let reason):
                    matched = true
                    refused.append([
                        "findingId": .string(finding.id), "playbook": .string(playbook), "reason": .string(reason),
                    ])
                    logger.warning(
                        "playbook refused the finding",
                        metadata: [
                            "finding.id": .string(finding.id), "run.playbook": .string(playbook),
                            "plan.refusal": .string(reason),
                        ]
                    )
                case .planned(let plan):
                    matched = true
                    let creation = try await executor.create(
                        plan: plan,
                        finding: finding,
                        initiator: feed.description,
                        mode: executor.mode
                    )
                    switch creation {
                    case .created(let runID, let sequence, let caseID):
                        metrics.runCreated(duplicate: false)
                        await backlog.admit(runID, sequence: sequence)
                        runs.append(Self.entry(finding, plan.playbook, runID: runID, duplicate: false, caseID: caseID))
                        logger.info(
                            "run created",
                            metadata: [
                                "run.id": .string(runID), "finding.id": .string(finding.id),
                                "run.playbook": .string(plan.playbook), "http.feed": .string(feed.description),
                            ]
                        )
                    case .duplicate(let existing):
                        metrics.runCreated(duplicate: true)
                        runs.append(Self.entry(finding, plan.playbook, runID: existing, duplicate: true))
                    }
                }
            }
            if !matched { unmatched.append(.string(finding.id)) }
        }
        return [
            "findings": .number(Double(findings.count)), "samples": .number(Double(findings.count { $0.isSample })),
            "runs": .array(runs), "unmatched": .array(unmatched), "refused": .array(refused),
        ]
    }

    /// A sample's run is marked: it dry-runs, and a live one fails `SampleFinding` before any call.
    private static func entry(
        _ finding: Finding,
        _ playbook: String,
        runID: String,
        duplicate: Bool,
        caseID: String? = nil
    ) -> JSONValue {
        var entry: [String: JSONValue] = [
            "findingId": .string(finding.id), "playbook": .string(playbook), "runId": .string(runID),
            "duplicate": .bool(duplicate),
        ]
        if let caseID { entry["case"] = .string(caseID) }
        if finding.isSample { entry["sample"] = true }
        return .object(entry)
    }

    static func rejection(_ error: FindingInputError, entry: Int?) -> Rejection {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .invalidJSON: .badRequest
            case .unknownShape, .notAFinding, .invalidFinding: .unprocessableContent
            }
        return Rejection(status, error.kind.rawValue, error.message)
    }
}
