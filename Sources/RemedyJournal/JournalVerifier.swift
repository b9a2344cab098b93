import RemedyCore

/// Checks a journal.
///
/// Every record's hash, the chain between records, consecutive sequence numbers, and every checkpoint's signature and
/// hash. Reports the first record that breaks, which is where tampering began. The chain alone proves nothing
/// against someone who can write the file and recompute hashes: only signed checkpoints do. So, unless told
/// otherwise, a journal passes only when a signed checkpoint covers its last record, its checkpoints are no further
/// apart than the interval it was written with, and (for a partial export) its first record hangs from a signed
/// checkpoint.
public struct JournalVerifier: Sendable {
    public let keys: [JournalVerificationKey]
    public let requirements: Requirements

    public init(keys: [JournalVerificationKey], requirements: Requirements = .strict) {
        self.keys = keys
        self.requirements = requirements
    }

    /// What the signatures must cover for a journal to pass.
    public struct Requirements: Sendable, Hashable {
        /// Accept records after the last signed checkpoint (a journal still being written); they are reported as
        /// the unsigned tail.
        public var allowsUnsignedTail: Bool
        /// The most records between two signed checkpoints (from the start of the chain); nil: not checked.
        ///
        /// The checkpoint interval the journal was written with: a wider gap means checkpoints were deleted.
        public var maximumCheckpointGap: Int64?

        public init(allowsUnsignedTail: Bool = false, maximumCheckpointGap: Int64? = nil) {
            self.allowsUnsignedTail = allowsUnsignedTail
            self.maximumCheckpointGap = maximumCheckpointGap
        }

        /// Every record under a signature.
        public static let strict = Requirements()
        /// A journal still being written, or one written without a signing key: its tail is reported, not refused.
        public static let allowingUnsignedTail = Requirements(allowsUnsignedTail: true)
    }

    /// The outcome of a verification.
    public struct Report: Sendable, Hashable, CustomStringConvertible {
        public var recordsChecked: Int
        public var checkpointsChecked: Int
        /// The first problem found, with the sequence number where it is; nil when the journal is intact.
        public var problem: Problem?
        /// Records no signed checkpoint covers, accepted because the requirements allow an unsigned tail.
        public var unsignedTail: ClosedRange<Int64>?

        public init(
            recordsChecked: Int,
            checkpointsChecked: Int,
            problem: Problem? = nil,
            unsignedTail: ClosedRange<Int64>? = nil
        ) {
            self.recordsChecked = recordsChecked
            self.checkpointsChecked = checkpointsChecked
            self.problem = problem
            self.unsignedTail = unsignedTail
        }

        public struct Problem: Sendable, Hashable {
            public var sequence: Int64
            public var reason: String
        }

        public var isIntact: Bool { problem == nil }

        public var description: String {
            if let problem { return "journal broken at record \(problem.sequence): \(problem.reason)" }
            var text = "journal intact: \(recordsChecked) records, \(checkpointsChecked) signed checkpoints"
            if let unsignedTail {
                text += "; records \(unsignedTail.lowerBound)-\(unsignedTail.upperBound) are not yet signed"
            }
            return text
        }
    }

    /// Verifies records in sequence order as they are read, then the checkpoints against them.
    ///
    /// A partial export (`--since`) starts mid-chain: pass `startingAt` as its first record; it must hang from a signed
    /// checkpoint of the record before it, which the export carries.
    public func verify(
        records: some Sequence<JournalRecord>,
        checkpoints: [JournalCheckpoint],
        startingAt first: JournalRecord? = nil
    ) -> Report {
        var chain = Chain(startingAt: first, checkpoints: checkpoints)
        for record in records {
            if let broken = chain.add(record) { return broken }
        }
        return chain.finish(keys: keys, requirements: requirements)
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

        /// Where the chain starts: 1, or a partial export's first record.
        private let start: Int64

        init(startingAt first: JournalRecord?, checkpoints: [JournalCheckpoint]) {
            let start = first?.sequence ?? 1
            self.start = start
            expectedSequence = start
            previousHash = first?.previousHash ?? JournalRecord.genesisHash
            // A chain that starts mid-journal is anchored by the checkpoint of the record before it, which must sign
            // the previous hash the first record claims.
            let covered = checkpoints.filter { $0.sequence >= start - 1 }.sorted { $0.sequence < $1.sequence }
            self.checkpoints = covered
            checkpointSequences = Set(covered.map(\.sequence))
            if start > 1 { signedHashes[start - 1] = previousHash }
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

        /// After the last record: every checkpoint's signature and the hash it signed against the record's, then
        /// what `requirements` ask the signatures to cover.
        func finish(keys: [JournalVerificationKey], requirements: Requirements) -> Report {
            let lastSequence = expectedSequence - 1
            var checked = 0
            func broken(at sequence: Int64, _ reason: String) -> Report {
                Report(
                    recordsChecked: count,
                    checkpointsChecked: checked,
                    problem: .init(sequence: sequence, reason: reason)
                )
            }
            if start > 1, checkpoints.first?.sequence != start - 1 {
                return broken(
                    at: start,
                    "the export starts at record \(start) without a signed checkpoint of record \(start - 1) to anchor "
                        + "it; export from a checkpoint (remedy journal export --since does)"
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
                        checkpoint.sequence == start - 1
                            ? "its previous-hash is not the one the anchoring checkpoint signed (rewritten chain)"
                            : "the record differs from the one the checkpoint signed (rewritten chain)"
                    )
                }
                checked += 1
            }
            // Checkpoints deleted from the middle leave a gap wider than the interval the journal was written with.
            var signedThrough = start - 1
            for checkpoint in checkpoints {
                if let gap = requirements.maximumCheckpointGap, checkpoint.sequence - signedThrough > gap {
                    return broken(
                        at: signedThrough + 1,
                        "no signed checkpoint covers records \(signedThrough + 1)-\(checkpoint.sequence - 1), more than "
                            + "the \(gap) records between checkpoints the journal is written with (checkpoints deleted)"
                    )
                }
                signedThrough = max(signedThrough, checkpoint.sequence)
            }
            var report = Report(recordsChecked: count, checkpointsChecked: checked)
            if lastSequence > signedThrough {
                let tail = (signedThrough + 1)...lastSequence
                guard requirements.allowsUnsignedTail else {
                    return broken(
                        at: tail.lowerBound,
                        "records \(tail.lowerBound)-\(tail.upperBound) are not covered by a signed checkpoint; remedy "
                            + "signs at the end of every run and on shutdown, so an unsigned tail is a journal still "
                            + "being written (pass --allow-unsigned-tail) or one whose checkpoints were removed"
                    )
                }
                report.unsignedTail = tail
            }
            return report
        }
    }
}
