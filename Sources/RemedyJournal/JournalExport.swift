import RemedyCore

/// The journal as JSON Lines: one record or checkpoint per line, verifiable offline with the public key.
public enum JournalExport {
    /// One record's line.
    public static func line(for record: JournalRecord) -> String {
        let line: JSONValue = [
            "type": "record", "sequence": .number(Double(record.sequence)),
            "recordedAt": .string(record.recordedAt),
            "runId": record.runID.map(JSONValue.string) ?? .null, "kind": .string(record.kind),
            "payload": record.payload, "previousHash": .string(record.previousHash), "hash": .string(record.hash),
        ]
        return line.jsonText()
    }

    /// One checkpoint's line.
    public static func line(for checkpoint: JournalCheckpoint) -> String {
        let line: JSONValue = [
            "type": "checkpoint", "sequence": .number(Double(checkpoint.sequence)),
            "hash": .string(checkpoint.hash),
            "signedAt": .string(checkpoint.signedAt), "keyId": .string(checkpoint.keyID),
            "signature": .string(checkpoint.signature),
        ]
        return line.jsonText()
    }

    /// One line of an export read back.
    enum Line: Sendable, Hashable {
        case record(JournalRecord)
        case checkpoint(JournalCheckpoint)
    }

    /// Reads exported lines back; throws on the first line that is not a record or checkpoint.
    public static func parse(
        _ text: String
    ) throws(JournalError) -> (records: [JournalRecord], checkpoints: [JournalCheckpoint]) {
        var records: [JournalRecord] = []
        var checkpoints: [JournalCheckpoint] = []
        // Split on the byte, as the file reader does: "\r\n" is one Character, so a CRLF export would not split.
        for (index, line) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated() where !isBlank(line)
        {
            switch try decode(line, lineNumber: index + 1) {
            case .record(let record): records.append(record)
            case .checkpoint(let checkpoint): checkpoints.append(checkpoint)
            }
        }
        return (records, checkpoints)
    }

    /// Verifies an export file without holding it: a first pass collects the checkpoints (written after the
    /// records), a second streams the records through the chain.
    ///
    /// Only lines that mention `checkpoint` are parsed in the first pass; the second refuses any checkpoint the first
    /// did not collect, so a checkpoint hidden by escapes cannot be skipped. A partial export (`--since`) is verified
    /// from its first record on, anchored by the checkpoint it carries, as
    /// `JournalVerifier.verify(records:checkpoints:startingAt:)` does. `chunkSize` is
    /// how many bytes are read at a time.
    public static func verify(
        fileAt path: String,
        keys: [JournalVerificationKey],
        requirements: JournalVerifier.Requirements = .strict,
        chunkSize: Int = 1 << 20
    ) throws(JournalError) -> JournalVerifier.Report {
        func lines() throws(JournalError) -> FileLines {
            try FileLines(path: path, chunkSize: chunkSize, maximumLineBytes: JournalDatabase.jsonLimits.maximumBytes)
        }
        var checkpoints: [JournalCheckpoint] = []
        var firstPass = try lines()
        while let line = try firstPass.next() {
            guard mentionsCheckpoint(line.bytes), case .checkpoint(let checkpoint) = try decode(line) else { continue }
            checkpoints.append(checkpoint)
        }
        let collected = Set(checkpoints)
        var chain: JournalVerifier.Chain?
        var secondPass = try lines()
        while let line = try secondPass.next() {
            switch try decode(line) {
            case nil:
                continue
            case .checkpoint(let checkpoint):
                guard collected.contains(checkpoint) else {
                    throw JournalError(
                        "line \(line.number): a checkpoint the first pass did not read (written with escapes, or the "
                            + "file changed between the passes)"
                    )
                }
            case .record(let record):
                if chain == nil { chain = JournalVerifier.Chain(startingAt: record, checkpoints: checkpoints) }
                if let broken = chain?.add(record) { return broken }
            }
        }
        return (chain ?? JournalVerifier.Chain(startingAt: nil, checkpoints: checkpoints))
            .finish(keys: keys, requirements: requirements)
    }

    private static func decode(_ line: FileLines.Line) throws(JournalError) -> Line? {
        isBlank(line.bytes) ? nil : try decode(line.bytes, lineNumber: line.number)
    }

    private static func isBlank(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
    }

    private static func mentionsCheckpoint(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.firstRange(of: "checkpoint".utf8) != nil
    }

    /// One line's record or checkpoint; `lineNumber` counts every line of the file, from 1.
    static func decode(_ bytes: some Collection<UInt8>, lineNumber: Int) throws(JournalError) -> Line {
        let parser = JSONParser(limits: JournalDatabase.jsonLimits)
        guard let value = try? parser.parse(bytes), let type = value["type"]?.stringValue,
            let sequence = value["sequence"]?.integerValue.map(Int64.init)
        else { throw JournalError("line \(lineNumber) is not a journal record or checkpoint") }
        switch type {
        case "record":
            guard let recordedAt = value["recordedAt"]?.stringValue, let kind = value["kind"]?.stringValue,
                let previous = value["previousHash"]?.stringValue, let hash = value["hash"]?.stringValue
            else { throw JournalError("line \(lineNumber): record is missing fields") }
            return .record(
                JournalRecord(
                    sequence: sequence,
                    recordedAt: recordedAt,
                    runID: value["runId"]?.stringValue,
                    kind: kind,
                    payload: value["payload"] ?? .null,
                    previousHash: previous,
                    hash: hash
                )
            )
        case "checkpoint":
            guard let hash = value["hash"]?.stringValue, let signedAt = value["signedAt"]?.stringValue,
                let keyID = value["keyId"]?.stringValue, let signature = value["signature"]?.stringValue
            else { throw JournalError("line \(lineNumber): checkpoint is missing fields") }
            return .checkpoint(
                JournalCheckpoint(
                    sequence: sequence,
                    hash: hash,
                    signedAt: signedAt,
                    keyID: keyID,
                    signature: signature
                )
            )
        default:
            throw JournalError("line \(lineNumber): unknown type '\(type)'")
        }
    }
}
