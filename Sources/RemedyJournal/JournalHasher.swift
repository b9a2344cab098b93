import Crypto
import RemedyCore

/// Hashes journal records for the chain.
enum JournalHasher {
    static func hash(_ record: JournalRecord) -> String {
        hash(canonicalText: record.canonicalText)
    }

    /// The hash of a record's `canonicalText`.
    static func hash(canonicalText: String) -> String {
        // Hashed in place: the text holds the payload, as large as a whole finding.
        var text = canonicalText
        return text.withUTF8 { hex(SHA256.hash(data: UnsafeRawBufferPointer($0))) }
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
