/// A fact to append to the journal: what happened (`kind`, past tense such as `step.succeeded`), to which run, with
/// what details.
public struct JournalEntry: Sendable, Hashable {
    public var runID: String?
    public var kind: String
    public var payload: JSONValue

    public init(runID: String?, kind: String, payload: JSONValue = [:]) {
        self.runID = runID
        self.kind = kind
        self.payload = payload
    }
}

/// An entry as the journal stored it: numbered, timestamped and chained to the record before it by hash.
public struct JournalRecord: Sendable, Hashable {
    /// 1 for the first record, then consecutive: a gap means a deletion.
    public var sequence: Int64
    /// ISO 8601, UTC, milliseconds.
    public var recordedAt: String
    public var runID: String?
    public var kind: String
    public var payload: JSONValue
    /// The `hash` of the record before (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 over this record's canonical form, previous hash included.
    public var hash: String

    public init(
        sequence: Int64,
        recordedAt: String,
        runID: String?,
        kind: String,
        payload: JSONValue,
        previousHash: String,
        hash: String
    ) {
        self.sequence = sequence
        self.recordedAt = recordedAt
        self.runID = runID
        self.kind = kind
        self.payload = payload
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The hash the chain starts from.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The bytes the hash covers: every field, in a fixed order, payload as canonical (sorted-key) JSON.
    ///
    /// The same text as the object of all fields written by `JSONValue.jsonText()`.
    public var canonicalText: String { canonicalText(payloadText: payload.jsonText()) }

    /// `canonicalText` with the payload already written (`payload.jsonText()`), so that a writer holding the
    /// journal's lock does not write it again.
    public func canonicalText(payloadText: String) -> String {
        Self.canonicalText(
            sequence: sequence,
            recordedAt: recordedAt,
            runID: runID,
            kind: kind,
            payloadText: payloadText,
            previousHash: previousHash
        )
    }

    /// The canonical text of a record's fields, its payload already written: what the journal's verifier hashes
    /// straight from the stored columns, without parsing the payload.
    public static func canonicalText(
        sequence: Int64,
        recordedAt: String,
        runID: String?,
        kind: String,
        payloadText: String,
        previousHash: String
    ) -> String {
        // Members in sorted key order, as `jsonText()` writes an object. Sized once: the payload can be a whole
        // finding, and growing the text to it copied it at every doubling.
        var text = ""
        text.reserveCapacity(
            payloadText.utf8.count + kind.utf8.count + recordedAt.utf8.count + (runID?.utf8.count ?? 0) + 256
        )
        text += #"{"kind":"#
        text += JSONValue.string(kind).jsonText()
        text += #","payload":"#
        text += payloadText
        text += #","previousHash":"#
        text += JSONValue.string(previousHash).jsonText()
        text += #","recordedAt":"#
        text += JSONValue.string(recordedAt).jsonText()
        text += #","runId":"#
        text += (runID.map(JSONValue.string) ?? .null).jsonText()
        text += #","sequence":"#
        text += JSONValue.format(Double(sequence))
        text += "}"
        return text
    }
}

/// A signed statement that the journal's record `sequence` had hash `hash`: anything before it can no longer be
/// changed, removed or reordered without the signature failing.
public struct JournalCheckpoint: Sendable, Hashable {
    public var sequence: Int64
    public var hash: String
    public var signedAt: String
    /// Hex SHA-256 of the public key, naming the key that signed.
    public var keyID: String
    /// Base64 Ed25519 signature over `signedText`.
    public var signature: String

    public init(sequence: Int64, hash: String, signedAt: String, keyID: String, signature: String) {
        self.sequence = sequence
        self.hash = hash
        self.signedAt = signedAt
        self.keyID = keyID
        self.signature = signature
    }

    /// What the signature covers.
    public static func signedText(sequence: Int64, hash: String, signedAt: String) -> String {
        "remedy-journal-checkpoint/v1\n\(sequence)\n\(hash)\n\(signedAt)"
    }
}
