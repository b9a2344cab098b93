import Foundation
import Hummingbird
import Logging
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyEngine
import RemedyExecutor
import RemedyJournal
import RemedyPlaybooks
import RemedyServer

// `remedy serve` under load, in one process: the server with a real journal file, a playbook whose one step posts
// to a local endpoint that answers at once (a Slack webhook stub on loopback), and nothing else. The load comes
// from outside (Benchmarks/webhook/serve.sh runs wrk); this prints the port, then, on SIGTERM, what the journal holds.
//
//     swift run -c release ServeBenchmark JOURNAL_PATH

let arguments = CommandLine.arguments.dropFirst()
guard let journalPath = arguments.first else {
    FileHandle.standardError.write(Data("usage: ServeBenchmark JOURNAL_PATH\n".utf8))
    exit(64)
}

let playbookText = """
    apiVersion: remedy/v1
    name: benchmark
    match: {types: ["Backdoor:EC2/*"], resource: AwsEc2Instance}
    steps:
      - id: page
        action: notify.slack
        with: {channel: bench, message: "finding {{ finding.id }} on {{ finding.resources[0].id }}"}
    """

/// The endpoint the runs' steps call: answers every request with 200 at once.
func startEndpoint() async throws -> (Int, Task<Void, any Error>) {
    let router = Router()
    router.post("/hook") { _, _ in HTTPResponse.Status.ok }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
        logger: Logger(label: "endpoint", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    let task = Task { try await app.runService(gracefulShutdownSignals: []) }
    var iterator = ports.makeAsyncIterator()
    return (await iterator.next() ?? 0, task)
}

let (endpointPort, endpoint) = try await startEndpoint()
let parsed = PlaybookParser().parse(playbookText, file: "benchmark.yaml")
guard let playbook = parsed.playbook else { fatalError("benchmark playbook: \(parsed.diagnostics)") }

var configuration = RemedyConfiguration()
configuration.server.port = 0
configuration.server.auth.bearerTokens = ["bench": .environment("BENCH_TOKEN")]
configuration.server.limits.requestsPerSecond = 1e9
configuration.server.limits.burst = 1e9
configuration.server.workers = 16

let journal = try JournalDatabase(path: journalPath)
let context = AWSContext(
    region: "us-east-1",
    resolver: EndpointResolver(environment: [:]),
    // notify.slack makes no AWS call; the context is there because every invoker has one.
    credentials: ResolvedCredentialProvider(
        source: .environment,
        provider: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDBENCHMARK", secretAccessKey: "unused"))
    )
)
let slack = SlackWebhooks.allowingLoopbackForTesting(["bench": "http://127.0.0.1:\(endpointPort)/hook"])
let server = try RemedyServer(
    engine: Engine(configuration: configuration, journal: journal, aws: context, slack: slack, mode: .live),
    playbooks: [playbook],
    environment: .init(
        secrets: SecretResolver(environment: ["BENCH_TOKEN": "bench-token"]),
        snsWeb: TransportSNSWebAccess(),
        journalProblem: { await journal.writeProblem() },
        logger: Logger(label: "remedy", factory: { _ in SwiftLogNoOpLogHandler() })
    )
)
try await server.run { port in
    // One write, unbuffered: the script waits for this line.
    FileHandle.standardOutput.write(Data("listening \(port)\n".utf8))
}
let sqlite = JournalDatabase.sqliteMemory
print(
    "journal: \(try await journal.runIDs().count) runs in \(journal.transactionsCommitted) transactions; "
        + "SQLite holds \(sqlite.inUse >> 20) MiB (at most \(sqlite.highWater >> 20) MiB)"
)
endpoint.cancel()
