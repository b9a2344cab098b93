import Foundation
import RemedyCore
import RemedyExecutor
import RemedyJournal
import RemedyPlaybooks
import RemedyTestSupport
import Synchronization
import Testing

@testable import RemedyServer

/// Holds one step's call until released, so a test can shut the server down while a call is in flight.
actor HeldInvoker: ActionInvoker {
    let heldStep: String
    private(set) var executed: [String] = []
    private var release: CheckedContinuation<Void, Never>?
    private var released = false
    private var startedWaiters: [CheckedContinuation<Void, Never>] = []

    init(holding step: String) {
        heldStep = step
    }

    func execute(
        _ request: ActionRequest,
        recordingPriorState _: @escaping PriorStateRecorder
    ) async throws(ActionFailure) -> ActionResult {
        executed.append(request.stepID)
        if request.stepID == heldStep, !released {
            for waiter in startedWaiters { waiter.resume() }
            startedWaiters = []
            await withCheckedContinuation { release = $0 }
        }
        return ActionResult(requestIDs: ["req-\(request.stepID)"], verified: true)
    }

    func probe(_ request: ActionRequest) async throws(ActionFailure) -> ProbeResult { .notDone }
    func undo(_ request: ActionRequest, priorState: JSONValue) async throws(ActionFailure) {}

    /// Returns once the held step's call is in flight.
    func waitUntilHeld() async {
        if executed.contains(heldStep) { return }
        await withCheckedContinuation { startedWaiters.append($0) }
    }

    func releaseHeld() {
        released = true
        release?.resume()
        release = nil
    }
}

@Suite struct ShutdownAndFuzzTests {
    static let twoStepPlaybook = """
        apiVersion: remedy/v1
        name: two-steps
        match: {types: ["Backdoor:EC2/*"], resource: AwsEc2Instance}
        inputs: {instance: "{{ finding.resources[0].id }}"}
        steps:
          - id: hold
            action: ec2.tag
            with: {instance: "{{ inputs.instance }}", tags: {"remedy:case": "{{ run.id }}"}}
          - id: second
            action: ec2.enable_termination_protection
            with: {instance: "{{ inputs.instance }}"}
        """

    @Test func aGracefulShutdownMidRunLosesNothingAndTheRunResumesOnRestart() async throws {
        try await withTemporaryDirectory { directory in
            let journalPath = directory.file("journal.sqlite")
            let held = HeldInvoker(holding: "hold")
            let runID = try await ServerHarness.with(
                playbooks: [Self.twoStepPlaybook],
                invoker: held,
                journalPath: journalPath
            ) { harness in
                let answer = try await harness.postEvent(try ServerHarness.fixture(IntakeTests.backdoor))
                let runID = try #require(answer.json["runs"]?[0]?["runId"]?.stringValue)
                await held.waitUntilHeld()
                let stopping = Task { await harness.shutdown() }
                while !harness.server.drain.isDraining { try await Task.sleep(for: .milliseconds(10)) }
                // The call in flight finishes and is journaled; the run stops before its next call.
                await held.releaseHeld()
                await stopping.value
                let report = try await harness.waitForRun(runID) { $0.step("hold")?.status == .succeeded }
                #expect(report.status == .running)
                #expect(report.step("second")?.status == .pending)
                return runID
            }
            #expect(await held.executed == ["hold"])

            let fresh = ScriptedActionInvoker()
            try await ServerHarness.with(
                playbooks: [Self.twoStepPlaybook],
                invoker: fresh,
                journalPath: journalPath
            ) { harness in
                let report = try await harness.waitForRun(runID) { $0.status == .succeeded }
                #expect(report.step("second")?.status == .succeeded)
                #expect(await fresh.steps(.execute) == ["second"])
                #expect(await fresh.steps(.probe).isEmpty)
                #expect(try harness.journal.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)
            }
        }
    }

    @Test func runsAcceptedButNeverTakenUpAreDrivenAfterARestartAndFinishedOnesAreLeftAlone() async throws {
        try await withTemporaryDirectory { directory in
            // Given a journal where an earlier server accepted 40 findings (each a new finding) and drove none, and
            // one run that had already succeeded
            let journalPath = directory.file("journal.sqlite")
            let journal = try JournalDatabase(path: journalPath)
            let playbook = try #require(PlaybookParser().parse(Self.twoStepPlaybook, file: "p.yaml").playbook)
            let event = try JSONParser().parse(try ServerHarness.fixture(IntakeTests.backdoor))
            let earlier = RunExecutor(journal: journal, invoker: ScriptedActionInvoker(), catalog: .standard)
            var accepted: [String] = []
            for number in 0..<41 {
                var finding = try #require(try FindingDecoder().decode(event).first)
                finding.id = "finding-\(number)"
                guard
                    case .planned(let plan)? = Planner(catalog: .standard).outcomes(for: finding, playbooks: [playbook])
                        .first
                else { throw HarnessError("the playbook did not plan the finding") }
                if number == 0 {
                    _ = try await earlier.start(
                        plan: plan,
                        finding: finding,
                        initiator: "feed:bearer:siem",
                        mode: .live
                    )
                    continue
                }
                guard
                    case .created(let runID, _, _) = try await earlier.create(
                        plan: plan,
                        finding: finding,
                        initiator: "feed:bearer:siem",
                        mode: .live
                    )
                else { throw HarnessError("finding \(number) was a duplicate") }
                accepted.append(runID)
            }
            // When a server starts on that journal
            let invoker = ScriptedActionInvoker()
            try await ServerHarness.with(playbooks: [Self.twoStepPlaybook], invoker: invoker, journalPath: journalPath)
            {
                harness in
                // Then every accepted run is driven to the end, once
                for runID in accepted { _ = try await harness.waitForRun(runID) { $0.status == .succeeded } }
                #expect(await invoker.steps(.execute).count == accepted.count * 2)
                #expect(Set(await invoker.calls(.execute).map(\.request.runID)) == Set(accepted))
            }
        }
    }

    /// Thousands of mutated payloads, authenticated, from eight clients at once: every answer is a 202 or a 4xx
    /// with a reason, and the server still answers afterwards.
    @Test func mutatedPayloadsNeverCrashOrHangTheServer() async throws {
        let seeds = try [
            IntakeTests.backdoor, "eventbridge/securityhub-imported-three-findings.json",
            "eventbridge/config-restricted-ssh.json", "sns/guardduty-credential-access-anomalous-behavior.json",
            "asff-batch/get-findings-mixed.json",
        ].map(ServerHarness.fixture)
        let configuration = ServerHarness.configuration { $0.server.limits.requestsPerSecond = 100_000 }
        try await ServerHarness.with(configuration: configuration) { harness in
            let statuses = try await withThrowingTaskGroup(of: [Int: Int].self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var generator = SplitMix64(seed: UInt64(client) &* 0x9E37_79B9)
                        var counts: [Int: Int] = [:]
                        for _ in 0..<375 {
                            let body = Mutator.mutate(seeds[Int(generator.next() % UInt64(seeds.count))], &generator)
                            let answer = try await harness.postEvent(body)
                            counts[answer.status, default: 0] += 1
                            if answer.status != 202 {
                                #expect(answer.json["error"]?.stringValue != nil, "\(answer.status): \(answer.text)")
                            }
                        }
                        return counts
                    }
                }
                return try await group.reduce(into: [:]) { total, counts in total.merge(counts, uniquingKeysWith: +) }
            }
            #expect(statuses.values.reduce(0, +) == 3_000)
            #expect(Set(statuses.keys).isSubset(of: [202, 400, 413, 422]), "\(statuses)")
            #expect(try await harness.send("GET", "/healthz").status == 200)
            #expect(try harness.journal.verify(keys: [], requirements: .allowingUnsignedTail).isIntact)
        }
    }
}

enum Mutator {
    static let interesting: [[UInt8]] = [
        Array("{".utf8), Array("[".utf8), Array("\"".utf8), Array("\\u0000".utf8), Array("null".utf8),
        Array("1e999".utf8), Array("&Action=Delete".utf8), Array("i-0\u{0430}bc".utf8), [0xff, 0xfe], [0],
        Array(repeating: UInt8(ascii: "["), count: 100),
    ]

    static func mutate(_ seed: [UInt8], _ generator: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        for _ in 0..<(1 + Int(generator.next() % 4)) {
            guard !bytes.isEmpty else { break }
            let position = Int(generator.next() % UInt64(bytes.count))
            switch generator.next() % 5 {
            case 0: bytes[position] ^= UInt8(truncatingIfNeeded: 1 << (generator.next() % 8))
            case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int(generator.next() % 64)))
            case 2:
                bytes.insert(contentsOf: interesting[Int(generator.next() % UInt64(interesting.count))], at: position)
            case 3: bytes = Array(bytes.prefix(position))
            default:
                // Swap a digit for another: ids, timestamps and counts that still parse.
                if let digit = bytes[position...].firstIndex(where: { (48...57).contains($0) }) {
                    bytes[digit] = UInt8(48 + generator.next() % 10)
                }
            }
        }
        return bytes
    }
}
