import Crypto

/// Tokens derived from a step's idempotency key, for APIs whose own idempotency tokens or identifiers have a shape
/// the key does not fit (Secrets Manager's 32-64 character `ClientRequestToken`, GuardDuty's `clientToken`, an IAM
/// statement `Sid`).
///
/// The same key always gives the same token, so what a call creates names the step that made it, and a probe can
/// recognise it after a crash.
public enum IdempotencyToken {
    /// The SHA-256 of `key` in lowercase hex: 64 characters, the most GuardDuty's `clientToken` takes.
    public static func sha256Hex(_ key: String) -> String { sha256Hex(Array(key.utf8)) }

    /// The SHA-256 of `bytes` in lowercase hex (evidence manifests record it for each object).
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in SHA256.hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }

    /// 32 lowercase hex digits: the first 128 bits of the key's SHA-256.
    public static func hex(_ key: String) -> String { String(sha256Hex(key).prefix(32)) }

    /// The same 128 bits in UUID layout (8-4-4-4-12), as AWS suggests for client request tokens.
    public static func uuid(_ key: String) -> String {
        let hex = Array(hex(key))
        return [hex[0..<8], hex[8..<12], hex[12..<16], hex[16..<20], hex[20..<32]].map { String($0) }
            .joined(separator: "-")
    }
}
