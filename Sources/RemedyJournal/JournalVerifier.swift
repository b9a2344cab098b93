import RemedyCore

/// Checks a journal.
///
/// every record's hash, the chain between records, consecutive sequence numbers, and every checkpoint's signature and
/// hash. Reports the first record that breaks, which is where tampering began.
public struct JournalVerifier: Sendable {
    public let keys: [JournalVerificationKey]

    public init(keys: [JournalVerificationKey]) {
        self.keys = keys
    }

    /// The outcome of a verification.
    public struct Report: Sendable, Hashable, CustomStringConvertible {
        public var recordsChecked: Int
        public var checkpointsChecked: Int
        /// The first problem found, with the sequence number where it is; nil when the journal is intact.
        public var problem: Problem?

        public struct Problem: Sendable, Hashable {
            public var sequence: Int64
            public var reason: String
        }

        public var isIntact: Bool { problem == nil }

        public var description: String {
            if let problem { return "journal broken at record \(problem.sequence): \(problem.reason)" }
            return "journal intact: \(recordsChecked) records, \(checkpointsChecked) signed checkpoints"
        }
    }

    /// Verifies records in sequence order as they are read, then the checkpoints against them.
    ///
    /// A partial export (`--since`) starts mid-chain: pass `startingAt` as its first record, whose previous hash is
    /// then taken on trust; the checkpoints inside the range still prove the records they cover.
    public func verify(
        records: some Sequence<JournalRecord>,
        checkpoints: [JournalCheckpoint],
        startingAt first: JournalRecord? = nil
    ) -> Report {
        var expectedSequence: Int64 = first?.sequence ?? 1
        var previousHash = first?.previousHash ?? JournalRecord.genesisHash
        let checkpoints = checkpoints.filter { $0.sequence >= expectedSequence }
        var hashes: [Int64: String] = [:]
        var count = 0
        let checkpointSequences = Set(checkpoints.map(\.sequence))
        for record in records {
            count += 1
            func broken(_ reason: String) -> Report {
                Report(
                    recordsChecked: count - 1,
                    checkpointsChecked: 0,
                    problem: .init(sequence: record.sequence, reason: reason)
                )
            }
            guard record.sequence == expectedSequence else {
                return record.sequence > expectedSequence
                    ? Report(
                        recordsChecked: count - 1,
                        checkpointsChecked: 0,
                        problem: .init(
                            sequence: expectedSequence,
                            reason: "record \(expectedSequence) is missing (deleted)"
                        )
                    )
                    : broken("out of order: expected record \(expectedSequence)")
            }
            guard record.previousHash == previousHash else {
                return broken(
                    "its previous-hash does not match record \(record.sequence - 1) (inserted, removed or reordered)"
                )
            }
            let hash = JournalHasher.hash(record)
            guard hash == record.hash else { return broken("its content does not match its hash (edited)") }
            if checkpointSequences.contains(record.sequence) { hashes[record.sequence] = hash }
            previousHash = hash
            expectedSequence += 1
        }
        let lastSequence = expectedSequence - 1
        var checked = 0
        for checkpoint in checkpoints.sorted(by: { $0.sequence < $1.sequence }) {
            guard checkpoint.sequence <= lastSequence else {
                return Report(
                    recordsChecked: count,
                    checkpointsChecked: checked,
                    problem: .init(
                        sequence: lastSequence + 1,
                        reason:
                            "a checkpoint signed record \(checkpoint.sequence) but the journal ends at \(lastSequence) (truncated)"
                    )
                )
            }
            guard let key = keys.first(where: { $0.keyID == checkpoint.keyID }) else {
                return Report(
                    recordsChecked: count,
                    checkpointsChecked: checked,
                    problem: .init(
                        sequence: checkpoint.sequence,
                        reason: "checkpoint signed by unknown key \(checkpoint.keyID)"
                    )
                )
            }
            let text = JournalCheckpoint.signedText(
                sequence: checkpoint.sequence,
                hash: checkpoint.hash,
                signedAt: checkpoint.signedAt
            )
            guard key.isValid(checkpoint.signature, for: text) else {
                return Report(
                    recordsChecked: count,
                    checkpointsChecked: checked,
                    problem: .init(sequence: checkpoint.sequence, reason: "checkpoint signature is invalid")
                )
            }
            guard hashes[checkpoint.sequence] == checkpoint.hash else {
                return Report(
                    recordsChecked: count,
                    checkpointsChecked: checked,
                    problem: .init(
                        sequence: checkpoint.sequence,
                        reason: "the record differs from the one the checkpoint signed (rewritten chain)"
                    )
                )
            }
            checked += 1
        }
        return Report(recordsChecked: count, checkpointsChecked: checked, problem: nil)
    }
}
