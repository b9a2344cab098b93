import Foundation
import RemedyCore
import RemedyJournal

// Journal throughput: durable appends from 1, 8 and 64 concurrent writers (one record per call; concurrent calls
// share transactions, so disk syncs, through group commit), batched appends, and verification speed over a large
// journal.
// Usage: JournalBenchmark [records-to-verify]   (default 1,000,000)

let verifyCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "remedy-journal-bench-\(UUID().uuidString)"
)
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

func entry(_ index: Int, run: Int) -> JournalEntry {
    JournalEntry(
        runID: "run-\(run)",
        kind: "step.succeeded",
        payload: [
            "step": .string("s\(index)"), "outputs": ["snapshot_ids": ["snap-0123456789abcdef0"]],
            "requestIds": ["r-1"],
        ]
    )
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let key = try JournalSigningKey.create(at: directory.appendingPathComponent("key").path)
let clock = ContinuousClock()

for writers in [1, 8, 64] {
    let journal = try JournalDatabase(
        path: directory.appendingPathComponent("durable-\(writers).sqlite").path,
        signingKey: key
    )
    let perWriter = 2_000 / writers
    let elapsed = try await clock.measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask { for index in 0..<perWriter { try await journal.append(entry(index, run: writer)) } }
            }
            try await group.waitForAll()
        }
    }
    let total = perWriter * writers
    print(
        String(
            format: "durable appends, %d writer(s): %.0f records/s (%.3f ms each)",
            writers,
            Double(total) / seconds(elapsed),
            seconds(elapsed) * 1000 / Double(total)
        )
    )
}

let large = try JournalDatabase(
    path: directory.appendingPathComponent("large.sqlite").path,
    signingKey: key,
    checkpointInterval: 10_000
)
let batch = 10_000
let fill = try await clock.measure {
    var written = 0
    while written < verifyCount {
        let size = min(batch, verifyCount - written)
        try await large.append((0..<size).map { entry(written + $0, run: $0 % 64) })
        written += size
    }
}
print(
    String(format: "batched appends (%d per transaction): %.0f records/s", batch, Double(verifyCount) / seconds(fill))
)

var report: JournalVerifier.Report?
let verification = try clock.measure { report = try large.verify() }
print(
    String(
        format: "verify %d records: %.2f s (%.0f records/s) — %@",
        verifyCount,
        seconds(verification),
        Double(verifyCount) / seconds(verification),
        report?.description ?? "no report"
    )
)
