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
        var chain = Chain(startingAt: first, checkpoints: checkpoints)
        for record in records {
            if let broken = chain.add(record) { return broken }
        }
        return chain.finish(keys: keys)
    }

    /// The chain checked one record at a time, holding only the hashes the checkpoints sign: a journal of any size
    /// is verified in constant memory, streamed from its file.
    struct Chain {
        private var expectedSequence: Int64
        private var previousHash: String
        private var count = 0
        private let checkpoints: [JournalCheckpoint]
        private let checkpointSequences: Set<Int64>
        private var signedHashes: [Int64: String] = [:]

        init(startingAt first: JournalRecord?, checkpoints: [JournalCheckpoint]) {
            let start = first?.sequence ?? 1
            expectedSequence = start
            previousHash = first?.previousHash ?? JournalRecord.genesisHash
            let covered = checkpoints.filter { $0.sequence >= start }.sorted { $0.sequence < $1.sequence }
            self.checkpoints = covered
            checkpointSequences = Set(covered.map(\.sequence))
        }

        /// Takes the next record, hashed from its fields; returns the report when it breaks the chain.
        mutating func add(_ record: JournalRecord) -> Report? {
            add(
                sequence: record.sequence,
                previousHash: record.previousHash,
                hash: record.hash,
                contentHash: JournalHasher.hash(record)
            )
        }

        /// Takes the next record; returns the report when it breaks the chain.
        ///
        /// `contentHash` is the hash of what the record holds, computed only once its place in the chain checks out.
        mutating func add(
            sequence: Int64,
            previousHash recordPreviousHash: String,
            hash: String,
            contentHash: @autoclosure () -> String
        ) -> Report? {
            count += 1
            func broken(at sequence: Int64, _ reason: String) -> Report {
                Report(
                    recordsChecked: count - 1,
                    checkpointsChecked: 0,
                    problem: .init(sequence: sequence, reason: reason)
                )
            }
            guard sequence == expectedSequence else {
                return sequence > expectedSequence
                    ? broken(at: expectedSequence, "record \(expectedSequence) is missing (deleted)")
                    : broken(at: sequence, "out of order: expected record \(expectedSequence)")
            }
            guard recordPreviousHash == previousHash else {
                return broken(
                    at: sequence,
                    "its previous-hash does not match record \(sequence - 1) (inserted, removed or reordered)"
                )
            }
            guard contentHash() == hash else {
                return broken(at: sequence, "its content does not match its hash (edited)")
            }
            if checkpointSequences.contains(sequence) { signedHashes[sequence] = hash }
            previousHash = hash
            expectedSequence += 1
            return nil
        }

        /// After the last record: every checkpoint's signature, and the hash it signed against the record's.
        func finish(keys: [JournalVerificationKey]) -> Report {
            let lastSequence = expectedSequence - 1
            var checked = 0
            func broken(at sequence: Int64, _ reason: String) -> Report {
                Report(
                    recordsChecked: count,
                    checkpointsChecked: checked,
                    problem: .init(sequence: sequence, reason: reason)
                )
            }
            for checkpoint in checkpoints {
                guard checkpoint.sequence <= lastSequence else {
                    return broken(
                        at: lastSequence + 1,
                        "a checkpoint signed record \(checkpoint.sequence) but the journal ends at \(lastSequence) (truncated)"
                    )
                }
                guard let key = keys.first(where: { $0.keyID == checkpoint.keyID }) else {
                    return broken(at: checkpoint.sequence, "checkpoint signed by unknown key \(checkpoint.keyID)")
                }
                let text = JournalCheckpoint.signedText(
                    sequence: checkpoint.sequence,
                    hash: checkpoint.hash,
                    signedAt: checkpoint.signedAt
                )
                guard key.isValid(checkpoint.signature, for: text) else {
                    return broken(at: checkpoint.sequence, "checkpoint signature is invalid")
                }
                guard signedHashes[checkpoint.sequence] == checkpoint.hash else {
                    return broken(
                        at: checkpoint.sequence,
                        "the record differs from the one the checkpoint signed (rewritten chain)"
                    )
                }
                checked += 1
            }
            return Report(recordsChecked: count, checkpointsChecked: checked, problem: nil)
        }
    }
}
