import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyEngine
import RemedyExecutor
import RemedyPlaybooks
import Synchronization

/// Plays a scenario: injects its findings into the simulated account at their offsets, runs every matching playbook
/// through the real planner, executor and actions, plays the approvers, and reports.
///
/// ```swift
/// let clock = ExerciseClock(start: scenario.start)
/// let journal = try JournalDatabase.exercise(path: path, signingKey: key, wallClock: clock.wallClock)
/// let report = try await Exercise(scenario: scenario, playbooks: playbooks, journal: journal, clock: clock).run()
/// ```
///
/// Runs go one at a time, in event order, so an exercise is deterministic: the same scenario gives the same report.
/// `JournalDatabase.exercise` opens a journal for that: one writer at a time, nothing real at stake.
public struct Exercise: Sendable {
    public let scenario: Scenario
    public let playbooks: [Playbook]
    public let journal: any RunJournal
    public let clock: ExerciseClock
    public let account: SimulatedAccount

    public init(scenario: Scenario, playbooks: [Playbook], journal: any RunJournal, clock: ExerciseClock) {
        self.scenario = scenario
        self.playbooks = playbooks
        self.journal = journal
        self.clock = clock
        account = SimulatedAccount(state: scenario.account, clock: clock)
    }

    enum Event {
        case inject(Int)
        case decide(runID: String, gate: String, approver: Int)
        case expire(runID: String, gate: String)
    }

    /// What the event loop learns along the way.
    struct Progress {
        var findings: [ExerciseReport.FindingEntry] = []
        /// Run id to the index of its finding in `findings`.
        var runFinding: [String: Int] = [:]
        var scheduledGates: Set<String> = []
        /// The gate each parked run waits at, as its latest report said: answers and expiries for gates the run has
        /// left are dropped without reading the journal.
        var waiting: [String: String] = [:]
        var events: [(at: Duration, order: Int, event: Event)] = []
        var order = 0

        mutating func schedule(_ event: Event, at: Duration) {
            order += 1
            events.append((at, order, event))
        }

        mutating func next() -> (at: Duration, event: Event)? {
            guard
                let index = events.indices.min(by: {
                    (events[$0].at, events[$0].order) < (events[$1].at, events[$1].order)
                })
            else { return nil }
            let next = events.remove(at: index)
            return (next.at, next.event)
        }
    }

    public func run() async throws -> ExerciseReport {
        let initial = await account.state
        let transport = SimulatedTransport(account: account)
        let context = Self.awsContext(for: account, clock: clock)
        let slack = SlackWebhooks(
            channels: Dictionary(
                scenario.slackChannels.map { ($0, "https://hooks.slack.com/services/exercise/simulated/\($0)") },
                uniquingKeysWith: { first, _ in first }
            ),
            transport: transport
        )
        let clock = self.clock
        let time = TimeSource(clock: clock.actionClock, deadlineClock: clock.executorClock, wallClock: clock.wallClock)
        var groups: [String: [String]] = [:]
        for approver in scenario.approvers {
            for group in approver.groups {
                groups["group:\(group)", default: []].append(approver.principal)
                groups["role:\(group)", default: []].append(approver.principal)
            }
        }
        let counter = RunCounter()
        // The engine remedy serve would run with its default configuration, on the simulated account's transport
        // and the exercise's virtual time; each call is attributed to its run for the report.
        let engine = Engine(
            configuration: RemedyConfiguration(),
            journal: journal,
            invoker: ExerciseInvoker(
                base: Engine.invoker(through: context, slack: slack, journal: journal, time: time)
            ),
            approvers: StaticApproverDirectory(groups: groups),
            slack: slack,
            time: time,
            makeRunID: { counter.next() }
        )
        let executor = engine.executor()
        let initiator = await account.baseIdentity
        let watches = await Watches.register(scenario.expectations, account: account, initial: initial)

        var progress = Progress()
        for index in scenario.findings.indices { progress.schedule(.inject(index), at: scenario.findings[index].at) }
        let planner = engine.planner
        while let (at, event) = progress.next() {
            // Answers and expiries for gates already left are dropped without moving the clock.
            switch event {
            case .inject:
                clock.advance(to: at)
            case .decide(let runID, let gate, _), .expire(let runID, let gate):
                guard progress.waiting[runID] == gate else { continue }
                clock.advance(to: at)
            }
            switch event {
            case .inject(let index):
                let injected = scenario.findings[index]
                let findings: [Finding]
                do {
                    findings = try FindingDecoder().decode(injected.document)
                } catch {
                    progress.findings.append(
                        .init(
                            id: injected.origin,
                            types: [],
                            source: "-",
                            resource: "-",
                            mentions: [],
                            injectedAt: clock.elapsed,
                            origin: injected.origin,
                            runs: [],
                            refusals: [],
                            rejection: error.description
                        )
                    )
                    continue
                }
                for finding in findings {
                    await account.record(finding: finding)
                    let findingIndex = progress.findings.count
                    progress.findings.append(
                        .init(
                            id: finding.id,
                            types: finding.types,
                            source: finding.source.rawValue,
                            resource: finding.resources.first.map { "\($0.type) \($0.id)" } ?? "-",
                            mentions: finding.resources.flatMap { resource in
                                [resource.id, resource.arn, resource.details["userName"]?.stringValue].compactMap { $0 }
                            },
                            injectedAt: clock.elapsed,
                            origin: injected.origin,
                            runs: [],
                            refusals: [],
                            rejection: nil
                        )
                    )
                    for outcome in planner.outcomes(for: finding, playbooks: playbooks) {
                        switch outcome {
                        case .notMatched:
                            continue
                        case .refused(let playbook, let reason):
                            progress.findings[findingIndex].refusals.append("\(playbook): \(reason)")
                        case .planned(let plan):
                            let start = try await executor.start(
                                plan: plan,
                                finding: finding,
                                initiator: initiator,
                                mode: .live
                            )
                            guard case .started(let report) = start else { continue }
                            progress.runFinding[report.runID] = findingIndex
                            schedule(after: report, &progress)
                        }
                    }
                }
            case .decide(let runID, let gate, let approverIndex):
                let approver = scenario.approvers[approverIndex]
                let verdict: ApprovalVerdict
                if case .reject = approver.behaviour { verdict = .deny } else { verdict = .approve }
                do {
                    let report = try await executor.decide(
                        runID: runID,
                        gate: gate,
                        principal: approver.principal,
                        decision: verdict,
                        comment: "simulated approver (\(scenario.name))",
                        channel: "exercise (simulated approver)"
                    )
                    schedule(after: report, &progress)
                    // A campaign approval moved these on too: their own answers, still scheduled, are dropped.
                    for approved in report.alsoApproved {
                        schedule(after: try await executor.report(runID: approved), &progress)
                    }
                } catch let refusal as RunError {
                    // Refused the way `remedy approve` refuses; the refusal is in the journal.
                    _ = refusal
                }
            case .expire(let runID, _):
                schedule(after: try await executor.resume(runID: runID), &progress)
            }
        }
        return try await ExerciseReportBuilder(
            scenario: scenario,
            journal: journal,
            account: account,
            initial: initial,
            progress: progress,
            watches: watches,
            end: clock.elapsed
        ).build()
    }

    /// The AWS context the exercise's actions use: the simulated account as transport, the exercise's own access
    /// key as the base identity (it assumes the playbooks' target roles), default endpoints, pacing on virtual time.
    public static func awsContext(for account: SimulatedAccount, clock: ExerciseClock) -> AWSContext {
        let pacing = RemedyConfiguration.Pacing()
        return AWSContext(
            region: account.region,
            resolver: EndpointResolver(environment: [:]),
            credentials: ResolvedCredentialProvider(
                source: .environment,
                provider: StaticCredentialProvider(
                    AWSCredentials(accessKeyID: account.baseAccessKeyID, secretAccessKey: "exercise-secret")
                )
            ),
            transport: SimulatedTransport(account: account),
            pacer: RequestPacer(
                defaultRate: .init(perSecond: pacing.defaultRate.perSecond, burst: pacing.defaultRate.burst),
                clock: clock.awsClock
            )
        )
    }

    /// After a run moved on: when it parked at a gate, the approvers' answers and the gate's expiry are scheduled.
    private func schedule(after report: RunReport, _ progress: inout Progress) {
        progress.waiting[report.runID] = report.status == .parked ? report.waitingAt : nil
        guard report.status == .parked, let gate = report.waitingAt, let waiting = report.waitingGate else { return }
        guard progress.scheduledGates.insert("\(report.runID)/\(gate)").inserted else { return }
        let now = clock.elapsed
        for (index, approver) in scenario.approvers.enumerated() where waiting.admits(approver.principal) {
            switch approver.behaviour {
            case .approve(let delay), .reject(let delay):
                progress.schedule(.decide(runID: report.runID, gate: gate, approver: index), at: now + delay)
            case .never:
                break
            }
        }
        if let expiry = Timestamp.parse(waiting.expiresAt) {
            let offset = Duration.milliseconds(Int64((expiry.timeIntervalSince(scenario.start) * 1000).rounded(.up)))
            progress.schedule(.expire(runID: report.runID, gate: gate), at: offset + .seconds(1))
        }
    }
}

/// Names the exercise's runs in order, so the same scenario gives the same report.
///
/// `run-exercise-0001`, `run-exercise-0002`, ...
final class RunCounter: Sendable {
    private let count = Mutex(0)

    func next() -> String {
        let value = count.withLock { count -> Int in
            count += 1
            return count
        }
        return "run-exercise-" + String(format: "%04d", value)
    }
}
