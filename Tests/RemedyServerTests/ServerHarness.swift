import Crypto
import Foundation
import Logging
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyEngine
import RemedyExecutor
import RemedyJournal
import RemedyPlaybooks
import RemedyTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@testable import RemedyServer

/// A `RemedyServer` in this process on a free loopback port, with a real journal file, playbooks parsed from YAML
/// and a scripted invoker in place of AWS.
struct ServerHarness: Sendable {
    static let bearerToken = "feed-token-\(UUID().uuidString)"
    static let hmacSecret = "hmac-secret-\(UUID().uuidString)"
    static let leadToken = "lead-token-\(UUID().uuidString)"
    static let outsiderToken = "outsider-token-\(UUID().uuidString)"
    static let lead = "arn:aws:iam::123456789012:user/lead"
    static let outsider = "arn:aws:iam::123456789012:user/outsider"
    static let topic = "arn:aws:sns:us-east-1:123456789012:guardduty-findings"

    /// Isolation behind a gate, for the GuardDuty backdoor fixture.
    static let containPlaybook = """
        apiVersion: remedy/v1
        name: contain
        match: {types: ["Backdoor:EC2/*"], resource: AwsEc2Instance}
        inputs: {instance: "{{ finding.resources[0].id }}"}
        steps:
          - id: tag
            action: ec2.tag
            with: {instance: "{{ inputs.instance }}", tags: {"remedy:case": "{{ run.id }}"}}
          - id: approve-isolation
            approve: {approvers: ["arn:aws:iam::123456789012:user/lead"], timeout: 30m}
          - id: isolate
            action: ec2.quarantine
            with: {instance: "{{ inputs.instance }}"}
        """

    let server: RemedyServer
    let port: Int
    let journal: JournalDatabase
    let invoker: any ActionInvoker
    let logs: LogCapture
    /// Starts the graceful shutdown the harness would otherwise start after the body.
    let shutdown: @Sendable () async -> Void
    let transport = AsyncHTTPClientTransport()

    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func configuration(_ change: (inout RemedyConfiguration) -> Void = { _ in }) -> RemedyConfiguration {
        var configuration = RemedyConfiguration()
        configuration.server.port = 0
        configuration.server.publicURL = "https://remedy.example.com"
        configuration.server.auth = .init(
            bearerTokens: ["eventbridge": .environment("FEED_TOKEN")],
            hmacSecrets: ["siem": .environment("SIEM_SECRET")],
            snsTopics: [topic]
        )
        configuration.server.approverTokenHashes = [
            lead: ConstantTime.hex(ConstantTime.sha256(Array(leadToken.utf8))),
            outsider: ConstantTime.hex(ConstantTime.sha256(Array(outsiderToken.utf8))),
        ]
        change(&configuration)
        return configuration
    }

    /// Starts a server, runs `body`, then shuts the server down gracefully and waits for it.
    static func with<Result: Sendable>(
        configuration: RemedyConfiguration = configuration(),
        playbooks: [String] = [containPlaybook],
        invoker: any ActionInvoker = ScriptedActionInvoker(),
        journalPath: String? = nil,
        snsWeb: any SNSWebAccess = RefusingSNSWeb(),
        slack: SlackWebhooks = SlackWebhooks(),
        // Today, not a fixed date: the SNS test signing certificate is valid around now.
        clock: TestClock = TestClock(start: Date()),
        mode: ExecutionMode = .live,
        journalProblem: (@Sendable () async -> String?)? = nil,
        _ body: (ServerHarness) async throws -> Result
    ) async throws -> Result {
        try await withTemporaryDirectory { directory in
            for (index, playbook) in playbooks.enumerated() {
                try directory.write("playbooks/p\(index).yaml", playbook)
            }
            let library = PlaybookLibrary.load(paths: [directory.file("playbooks")], catalog: .standard)
            #expect(!library.diagnostics.containsErrors, "\(library.diagnostics)")
            let journal = try JournalDatabase(path: journalPath ?? directory.file("journal.sqlite"))
            let logs = LogCapture()
            let environment = RemedyServer.Environment(
                secrets: SecretResolver(environment: ["FEED_TOKEN": bearerToken, "SIEM_SECRET": hmacSecret]),
                snsWeb: snsWeb,
                journalProblem: journalProblem ?? { await journal.writeProblem() },
                sweepInterval: .milliseconds(100),
                logger: Logger(label: "test") { _ in logs.handler() }
            )
            let engine = Engine(
                configuration: configuration,
                journal: journal,
                invoker: invoker,
                slack: slack,
                mode: mode,
                time: TimeSource(clock: ContinuousClock(), wallClock: clock.wallClock)
            )
            let server = try RemedyServer(engine: engine, playbooks: library.playbooks, environment: environment)
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let group = try server.makeServiceGroup(signals: []) { port in portContinuation.yield(port) }
            let running = Task { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw HarnessError("the server did not start") }
            let harness = ServerHarness(
                server: server,
                port: port,
                journal: journal,
                invoker: invoker,
                logs: logs,
                shutdown: { await group.triggerGracefulShutdown() }
            )
            do {
                let result = try await body(harness)
                await group.triggerGracefulShutdown()
                try await running.value
                return result
            } catch {
                await group.triggerGracefulShutdown()
                _ = try? await running.value
                throw error
            }
        }
    }

    // MARK: Requests

    struct Answer: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        var json: JSONValue { (try? JSONParser().parse(body)) ?? .null }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    func send(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8] = []
    ) async throws
        -> Answer
    {
        let response = try await transport.send(
            HTTPRequestData(
                method: method,
                url: baseURL + path,
                headers: headers.map { (name: $0.0, value: $0.1) },
                body: body
            ),
            timeout: .seconds(30)
        )
        return Answer(status: response.status, headers: response.headers, body: response.body)
    }

    func postEvent(
        _ body: [UInt8],
        headers: [(String, String)] = [("Authorization", "Bearer \(bearerToken)")]
    )
        async throws -> Answer
    {
        try await send("POST", "/v1/events", headers: headers + [("Content-Type", "application/json")], body: body)
    }

    var bearerToken: String { Self.bearerToken }

    /// HMAC headers for `body` signed at `timestamp`.
    static func hmacHeaders(_ body: [UInt8], timestamp: Int, secret: String = hmacSecret) -> [(String, String)] {
        var message = Array(String(timestamp).utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return [
            ("X-Remedy-Feed", "siem"), ("X-Remedy-Timestamp", String(timestamp)),
            ("X-Remedy-Signature", "sha256=" + ConstantTime.hex(code)),
        ]
    }

    /// Waits until the run's report satisfies `condition` (at most 20 s).
    func waitForRun(_ runID: String, until condition: (RunReport) -> Bool) async throws -> RunReport {
        let executor = server.executor
        for _ in 0..<400 {
            let report = try await executor.report(runID: runID)
            if condition(report) { return report }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("run \(runID) did not reach the expected state: \(try await executor.report(runID: runID))")
    }

    func kinds(_ runID: String) async throws -> [String] {
        try await journal.records(ofRun: runID).map(\.kind)
    }

    /// The number of runs in the journal.
    func runCount() async throws -> Int { try await journal.runIDs().count }

    static func fixture(_ name: String) throws -> [UInt8] {
        try Repository.bytes("Fixtures/findings/\(name)")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// An SNS access that must not be used.
struct RefusingSNSWeb: SNSWebAccess {
    func get(_ url: String) async throws -> [UInt8] {
        throw HarnessError("no SNS access expected, asked for \(url)")
    }
}

/// Every log line the server wrote, for checking that secrets never appear.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func handler() -> some LogHandler { CapturingLogHandler(capture: self) }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        capture.append("\(event.level) \(event.message) \(merged)")
    }
}
