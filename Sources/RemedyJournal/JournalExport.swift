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

    /// Reads exported lines back; throws on the first line that is not a record or checkpoint.
    public static func parse(
        _ text: String
    ) throws(JournalError) -> (records: [JournalRecord], checkpoints: [JournalCheckpoint]) {
        var records: [JournalRecord] = []
        var checkpoints: [JournalCheckpoint] = []
        let parser = JSONParser(limits: JournalDatabase.jsonLimits)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let value = try? parser.parse(String(line)), let type = value["type"]?.stringValue,
                let sequence = value["sequence"]?.doubleValue.map({ Int64($0) })
            else { throw JournalError("line \(index + 1) is not a journal record or checkpoint") }
            switch type {
            case "record":
                guard let recordedAt = value["recordedAt"]?.stringValue, let kind = value["kind"]?.stringValue,
                    let previous = value["previousHash"]?.stringValue, let hash = value["hash"]?.stringValue
                else { throw JournalError("line \(index + 1): record is missing fields") }
                records.append(
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
                else { throw JournalError("line \(index + 1): checkpoint is missing fields") }
                checkpoints.append(
                    JournalCheckpoint(
                        sequence: sequence,
                        hash: hash,
                        signedAt: signedAt,
                        keyID: keyID,
                        signature: signature
                    )
                )
            default:
                throw JournalError("line \(index + 1): unknown type '\(type)'")
            }
        }
        return (records, checkpoints)
    }
}
