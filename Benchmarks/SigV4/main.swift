// Signs the same request set many times and reports signatures per second.
//
// Usage: SigV4Benchmark REQUESTS.jsonl [PASSES] [--dump FILE]
// REQUESTS.jsonl is in the botocore_vectors.jsonl shape (see Benchmarks/sigv4.py generate). --dump writes the
// Authorization value of each request, one per line, so the run can be checked against botocore's.
import Foundation
import RemedyAWS

struct Job {
    var signer: SigV4Signer
    var request: SigV4Request
    var credentials: AWSCredentials
    var time: SigV4Timestamp
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("SigV4Benchmark: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var dumpPath: String?
if let flag = arguments.firstIndex(of: "--dump") {
    guard flag + 1 < arguments.count else { fail("--dump needs a file") }
    dumpPath = arguments[flag + 1]
    arguments.removeSubrange(flag...(flag + 1))
}
guard let inputPath = arguments.first else { fail("usage: SigV4Benchmark REQUESTS.jsonl [PASSES] [--dump FILE]") }
let passes = arguments.count > 1 ? Int(arguments[1]) ?? 0 : 200
guard passes > 0 else { fail("PASSES must be a positive integer") }
guard let text = try? String(contentsOfFile: inputPath, encoding: .utf8) else { fail("cannot read \(inputPath)") }

// One signer per (flavour, service, region), shared by its requests, as a client would hold it.
var signers: [String: SigV4Signer] = [:]
var jobs: [Job] = []
do {
    for line in text.split(separator: "\n") where !line.isEmpty {
        let input = try SigV4DebugVector.decode(line: String(line))
        let prepared = try SigV4DebugVector.prepare(input)
        let signerKey = "\(input.signer)|\(input.service)|\(input.region)|\(input.s3PayloadSigning ?? true)"
        let signer = signers[signerKey] ?? prepared.signer
        signers[signerKey] = signer
        jobs.append(
            Job(signer: signer, request: prepared.request, credentials: prepared.credentials, time: prepared.time)
        )
    }
} catch {
    fail("\(error)")
}

// Warm-up pass: derives the signing keys once and produces the dump.
var authorizations: [String] = []
authorizations.reserveCapacity(jobs.count)
do {
    for job in jobs {
        authorizations.append(
            try job.signer.sign(job.request, credentials: job.credentials, at: job.time).authorization
        )
    }
} catch {
    fail("\(error)")
}
if let dumpPath {
    let joined = authorizations.joined(separator: "\n") + "\n"
    guard FileManager.default.createFile(atPath: dumpPath, contents: Data(joined.utf8)) else {
        fail("cannot write \(dumpPath)")
    }
}

var sink = 0
let clock = ContinuousClock()
let start = clock.now
do {
    for _ in 0..<passes {
        for index in jobs.indices {
            // The timestamp is rebuilt per signature, as a client reading the clock would.
            let time = SigV4Timestamp(secondsSince1970: jobs[index].time.secondsSince1970)
            let signed = try jobs[index].signer.sign(
                jobs[index].request,
                credentials: jobs[index].credentials,
                at: time
            )
            // Consume the result so the optimiser cannot drop the work.
            sink &+= signed.authorization.utf8.count &+ signed.headersAdded.count
        }
    }
} catch {
    fail("\(error)")
}
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let signs = Double(passes * jobs.count)
print(
    "remedy sigv4: \(Int((signs / seconds).rounded())) signs/s (\(jobs.count) requests x \(passes) passes, sink \(sink))"
)
