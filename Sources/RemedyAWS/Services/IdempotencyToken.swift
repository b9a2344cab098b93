import Crypto

/// Native idempotency tokens (`ClientToken`, `clientToken`) derived from a step's idempotency key.
public enum IdempotencyToken {
    /// The SHA-256 of `key` in lowercase hex: 64 characters, the most GuardDuty's `clientToken` takes, and the same
    /// for the same key in every process, so a retried call after a crash is recognised as the same request.
    public static func sha256Hex(_ key: String) -> String { sha256Hex(Array(key.utf8)) }

    /// The SHA-256 of `bytes` in lowercase hex (evidence manifests record it for each object).
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }
        .joined()
    }
}
