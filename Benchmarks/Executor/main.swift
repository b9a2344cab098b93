import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyExecutor
import RemedyJournal
import RemedyPlaybooks

// Executor overhead: RunExecutor running 10-step plans with 1, 8 and 64 runs at once, journaled durably (a file
// journal: WAL, synchronous = FULL, signed checkpoints), each step an `ec2.tag` through the real CatalogInvoker
// making signed EC2 calls (DescribeInstances for the prior tags, CreateTags) to a local endpoint that answers at
// once. Per-step overhead = median step interval in the executor (what a step adds to its run: its step.started
// write, which also carries the previous step's result, the action and the executor's work) - median time of the
// same action invoked directly through the invoker by one caller (no journal, no executor). Also printed: the time
// until a step's result is durable (which adds the next step's shared write). Also printed: the invoker's own throughput at each
// concurrency, the split of a step's time, and the CPU time per step with the machine's load from other tenants.
// Usage: ExecutorBenchmark [steps-per-level] [concurrency,...]   (default 3,000 and 1,8,64)

let stepsPerLevel = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 3_000
let levels =
    CommandLine.arguments.dropFirst(2).first.map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1, 8, 64]
let stepsPerRun = 10
let region = "us-east-1"
let account = "111122223333"

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

let playbookText =
    """
    apiVersion: remedy/v1
    name: benchmark-ten-tags
    description: Ten ec2.tag steps on the finding's instance, for the executor benchmark.
    match:
      types: ["Backdoor:EC2/*"]
      resource: AwsEc2Instance
    inputs:
      instance: "{{ finding.resources[0].id }}"
    steps:
    """
    + (1...stepsPerRun).map {
        """

          - id: tag-\($0)
            action: ec2.tag
            with: {instance: "{{ inputs.instance }}", tags: {"remedy:benchmark": "true"}}
        """
    }.joined() + "\n"

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let fixture = try Data(
    contentsOf: repository.appendingPathComponent("Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json")
)
guard let template = try FindingDecoder().decode([UInt8](fixture)).first else {
    throw BenchmarkError("the fixture holds no finding")
}
let parsed = PlaybookParser().parse(playbookText, file: "benchmark.yaml")
guard let playbook = parsed.playbook, parsed.diagnostics.isEmpty else {
    throw BenchmarkError("the benchmark playbook does not parse: \(parsed.diagnostics)")
}
let planner = Planner(catalog: .standard)

/// The fixture's finding about another instance, so that runs hold distinct resources.
func finding(_ number: Int) -> Finding {
    var finding = template
    let instance = "i-" + String(format: "%017x", number)
    finding.id = "benchmark-\(number)"
    finding.resources[0].id = instance
    finding.resources[0].arn = "arn:aws:ec2:\(region):\(account):instance/\(instance)"
    return finding
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

func median(_ values: [Duration]) -> Duration {
    let sorted = values.sorted()
    return sorted.isEmpty ? .zero : sorted[sorted.count / 2]
}

func percentile90(_ values: [Duration]) -> Duration {
    let sorted = values.sorted()
    return sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, sorted.count * 9 / 10)]
}

/// CPU time used so far by this process (user and system) and by the whole machine (every tenant, from `/proc/stat`).
///
/// The machine is shared: the difference tells how much of it others used while this benchmark ran.
struct CPUTime {
    var process: Double
    var machine: Double?

    static func now() -> CPUTime {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let process =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        // The first line adds up every core: user nice system idle iowait irq softirq steal ..., in 1/100 s.
        let fields = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8))?.split(separator: "\n").first?
            .split(separator: " ").dropFirst().compactMap { Double($0) }
        let machine = fields.flatMap { $0.count >= 7 ? ($0[0] + $0[1] + $0[2] + $0[5] + $0[6]) / 100 : nil }
        return CPUTime(process: process, machine: machine)
    }

    static func - (after: CPUTime, before: CPUTime) -> CPUTime {
        CPUTime(
            process: after.process - before.process,
            machine: after.machine.flatMap { end in before.machine.map { end - $0 } }
        )
    }
}

let cores = ProcessInfo.processInfo.activeProcessorCount

/// Runs `work(index)` for `count` indices spread over `workers` concurrent tasks and returns what each returned.
func concurrently<Value: Sendable>(
    workers: Int,
    count: Int,
    _ work: @escaping @Sendable (Int) async throws -> Value
) async throws -> [Value] {
    try await withThrowingTaskGroup(of: [Value].self) { group in
        for worker in 0..<workers {
            group.addTask {
                var values: [Value] = []
                for index in stride(from: worker, to: count, by: workers) { values.append(try await work(index)) }
                return values
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
}

let endpoint = try await EC2Endpoint.start()
let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "remedy-executor-bench-\(UUID().uuidString)"
)
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

let context = AWSContext(
    region: region,
    resolver: EndpointResolver(environment: ["AWS_ENDPOINT_URL": endpoint.url]),
    credentials: ResolvedCredentialProvider(
        source: .environment,
        provider: StaticCredentialProvider(
            AWSCredentials(
                accessKeyID: "AKIDEXAMPLEBENCHMARK",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
            )
        )
    ),
    // Pacing stays in the path (every call still takes a token) but never waits: the endpoint is not AWS.
    pacer: RequestPacer(defaultRate: .init(perSecond: 1e9, burst: 1e9))
)
let invoker = CatalogInvoker(context: context)
let key = try JournalSigningKey.create(at: directory.appendingPathComponent("journal.key").path)
var nextFinding = 0

/// Times `count` direct `ec2.tag` invocations (no journal, no executor) from `concurrency` tasks, after a warm-up.
func rawCalls(concurrency: Int, count: Int) async throws -> (calls: [Duration], elapsed: Duration) {
    let warmCalls = concurrency * 5
    let started = ContinuousClock.now
    let calls = try await concurrently(workers: concurrency, count: count + warmCalls) { index in
        let request = ActionRequest(
            action: "ec2.tag",
            parameters: [
                "instance": .string("i-" + String(format: "%017x", (1 << 40) + index)),
                "tags": ["remedy:benchmark": "true"],
            ],
            runID: "raw-\(index)",
            stepID: "tag-1",
            account: account,
            region: region,
            mode: .live
        )
        let start = ContinuousClock.now
        _ = try await invoker.execute(request)
        // Each worker's first calls warm connections and caches.
        return index < warmCalls ? nil : (start, ContinuousClock.now - start)
    }.compactMap { $0 }
    let warmed = calls.map(\.0).min() ?? started
    return (calls.map(\.1), ContinuousClock.now - warmed)
}

print(
    "executor benchmark: \(stepsPerRun)-step ec2.tag plans, \(stepsPerLevel) steps per level, endpoint \(endpoint.url)"
)
let (baselineCalls, _) = try await rawCalls(concurrency: 1, count: 1_000)
let baseline = median(baselineCalls)
print(
    String(
        format: "median raw call time %.3f ms (ec2.tag via CatalogInvoker alone, one caller: 2 signed EC2 calls)",
        milliseconds(baseline)
    )
)

for concurrency in levels {
    let label = "\(concurrency) concurrent run(s)"
    let runs = (stepsPerLevel / stepsPerRun + concurrency - 1) / concurrency * concurrency
    let journal = StepTimingJournal(
        base: try JournalDatabase(
            path: directory.appendingPathComponent("journal-\(concurrency).sqlite").path,
            signingKey: key
        )
    )
    let executor = RunExecutor(
        journal: journal,
        invoker: invoker,
        catalog: .standard,
        configuration: .init(maximumConcurrentRuns: max(64, concurrency))
    )
    let firstFinding = nextFinding
    nextFinding += runs + concurrency
    let work = try (0..<(runs + concurrency)).map { index in
        let finding = finding(firstFinding + index)
        return (finding, try planner.plan(playbook, for: finding))
    }

    // The same action invoked directly at this concurrency: what the endpoint, the HTTP client and signing allow.
    let rawCPUStart = CPUTime.now()
    let (rawCalls, rawElapsed) = try await rawCalls(concurrency: concurrency, count: runs * stepsPerRun)
    let rawCPU = CPUTime.now() - rawCPUStart
    print(
        String(
            format: "%@: raw calls at the same concurrency: %.0f calls/s, median %.3f ms, %.3f ms CPU per call",
            label,
            Double(rawCalls.count) / (milliseconds(rawElapsed) / 1e3),
            milliseconds(median(rawCalls)),
            rawCPU.process * 1e3 / Double(rawCalls.count + concurrency * 5)
        )
    )

    // Warm-up: one run per worker, not measured.
    _ = try await concurrently(workers: concurrency, count: concurrency) { index in
        _ = try await executor.start(plan: work[index].1, finding: work[index].0, initiator: "benchmark", mode: .live)
    }
    _ = journal.drain()

    let cpuStart = CPUTime.now()
    let started = ContinuousClock.now
    let runResults = try await concurrently(workers: concurrency, count: runs) { index in
        let (finding, plan) = work[concurrency + index]
        let start = ContinuousClock.now
        let outcome = try await executor.start(plan: plan, finding: finding, initiator: "benchmark", mode: .live)
        let succeeded = if case .started(let report) = outcome, report.status == .succeeded { true } else { false }
        return (wall: ContinuousClock.now - start, succeeded: succeeded)
    }
    let elapsed = ContinuousClock.now - started
    let cpu = CPUTime.now() - cpuStart
    let (steps, failedSteps) = journal.drain()
    let stepWall = median(steps.map(\.total))
    let stepInterval = median(steps.map(\.interval))
    let seconds = milliseconds(elapsed) / 1e3

    print(
        String(
            format: "%@: %d runs, %d steps in %.2f s: %.0f journaled steps/s",
            label,
            runs,
            steps.count,
            seconds,
            Double(steps.count) / seconds
        )
    )
    print(
        String(
            format: "%@: median step interval in the executor %.3f ms (p90 %.3f ms); until the result is durable "
                + "%.3f ms (p90 %.3f ms)",
            label,
            milliseconds(stepInterval),
            milliseconds(percentile90(steps.map(\.interval))),
            milliseconds(stepWall),
            milliseconds(percentile90(steps.map(\.total)))
        )
    )
    print(
        String(
            format: "%@: median per-step overhead %.3f ms (step interval - median raw call time); "
                + "%.3f ms until the result is durable",
            label,
            milliseconds(stepInterval - baseline),
            milliseconds(stepWall - baseline)
        )
    )
    print(
        String(
            format: "%@: step split, medians: step.started durable %.3f ms, action %.3f ms, "
                + "result durable (with the next record) %.3f ms",
            label,
            milliseconds(median(steps.map(\.started))),
            milliseconds(median(steps.map(\.action))),
            milliseconds(median(steps.map(\.result)))
        )
    )
    let runWall = median(runResults.map(\.wall))
    print(
        String(
            format: "%@: median run wall time %.3f ms (%.3f ms per step, creation and completion included)",
            label,
            milliseconds(runWall),
            milliseconds(runWall) / Double(stepsPerRun)
        )
    )
    let cpuPerStep = cpu.process * 1e3 / Double(max(1, steps.count))
    print(
        String(
            format: "%@: %.3f ms CPU per journaled step (the whole process: executor, journal, HTTP client, endpoint); "
                + "%d idle cores would allow about %.0f steps/s",
            label,
            cpuPerStep,
            cores,
            Double(cores) * 1e3 / cpuPerStep
        )
    )
    if let machine = cpu.machine {
        print(
            String(
                format: "%@: during the runs the machine's %d cores were %.0f%% busy, %.0f%% of them by this process",
                label,
                cores,
                machine * 100 / (seconds * Double(cores)),
                cpu.process * 100 / (seconds * Double(cores))
            )
        )
    }
    let report = try journal.base.verify()
    let failed = runResults.filter { !$0.succeeded }.count
    if failed > 0 || failedSteps > 0 || !report.isIntact {
        print("\(label): WARNING \(failed) runs did not succeed, \(failedSteps) steps failed; journal: \(report)")
    }
}
try await endpoint.stop()
