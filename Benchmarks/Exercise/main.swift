// Wall time of `remedy exercise` on the 50-instance crypto-mining scenario, as the command runs it: scenario parsed,
// playbooks loaded, every run journaled to a new signed SQLite journal, report rendered.
//
//     swift run -c release ExerciseBenchmark [--rounds 9] [--scenario Fixtures/scenarios/crypto-mining-campaign.yaml]
//
// Prints each round and the median; run from the repository root.
import Foundation
import RemedyCore
import RemedyExercise
import RemedyJournal
import RemedyPlaybooks

var rounds = 9
var scenarioPath = "Fixtures/scenarios/crypto-mining-campaign.yaml"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--rounds": rounds = Int(arguments.popFirst() ?? "") ?? rounds
    case "--scenario": scenarioPath = arguments.popFirst() ?? scenarioPath
    default:
        FileHandle.standardError.write(Data("usage: ExerciseBenchmark [--rounds N] [--scenario FILE]\n".utf8))
        exit(64)
    }
}

func playOnce(_ scenarioPath: String) async throws -> (seconds: Double, report: ExerciseReport, transactions: Int) {
    let directory = NSTemporaryDirectory() + "remedy-exercise-bench-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let started = ContinuousClock.now
    let scenario = try ScenarioParser().parse(path: scenarioPath).get()
    let library = PlaybookLibrary.load(paths: [scenario.playbooks ?? "Playbooks"], catalog: .standard)
    let clock = ExerciseClock(start: scenario.start)
    let key = try JournalSigningKey.create(at: directory + "/journal.key")
    let journal = try JournalDatabase.exercise(  // as `remedy exercise` opens it
        path: directory + "/journal.sqlite",
        signingKey: key,
        wallClock: clock.wallClock
    )
    let report = try await Exercise(scenario: scenario, playbooks: library.playbooks, journal: journal, clock: clock)
        .run()
    try journal.checkpoint()
    _ = report.html
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (seconds, report, journal.transactionsCommitted)
}

var times: [Double] = []
for round in 1...rounds {
    let (seconds, report, transactions) = try await playOnce(scenarioPath)
    times.append(seconds)
    let runs = report.findings.flatMap(\.runs).count
    print(
        String(
            format:
                "round %d: %.3f s wall, %d runs, %d calls, %d journal transactions, virtual span %@, expectations %@",
            round,
            seconds,
            runs,
            report.totalCalls,
            transactions,
            "\(report.end)",
            report.passed ? "passed" : "FAILED"
        )
    )
}
times.sort()
print(
    String(
        format: "median %.3f s, min %.3f s, max %.3f s over %d rounds",
        times[times.count / 2],
        times[0],
        times[times.count - 1],
        rounds
    )
)
