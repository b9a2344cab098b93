import Foundation
import RemedyTestSupport

/// `Tests/FaultProxy/fault_proxy.py` in front of moto: delays or throttles requests and logs each one.
final class FaultProxy: Sendable {
    let process: Process
    let port: Int
    let logPath: String

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the proxy with `arguments` (`--delay CreateSnapshots=3`, `--throttle 0.3`), logging into `directory`.
    init(upstream: String, arguments: [String], directory: TemporaryDirectory) throws {
        logPath = directory.file("fault-proxy.jsonl")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", Repository.path("Tests/FaultProxy/fault_proxy.py"), "--upstream", upstream, "--log", logPath]
            + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw FaultProxyError("the fault proxy did not start")
        }
        self.port = port
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }

    /// The proxy's log lines: `{"operation": ..., "received": true}` as a request arrives, `{"forwarded": ...}` after.
    func log() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// How many requests of `operation` arrived (forwarded or not).
    func received(_ operation: String) throws -> Int {
        try log().filter { $0["operation"] as? String == operation && $0["received"] as? Bool == true }.count
    }
}

struct FaultProxyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
