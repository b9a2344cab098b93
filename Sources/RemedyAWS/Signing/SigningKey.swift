import Crypto
import Synchronization

/// A derived SigV4 signing key for one (secret, date, region, service), ready to sign strings.
///
/// Derivation costs four HMACs; the key also keeps HMAC-SHA256 already keyed, so each signature afterwards costs
/// only the hashing of the string to sign. It never reveals the key bytes, not even in `dump`.
public struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The HMAC pad states, shared by copies: a key is copied on every signature and should cost one retain.
    private final class Storage: Sendable {
        let dateStamp: String
        let region: String
        let service: String
        let innerPadState: SHA256
        let outerPadState: SHA256

        init(dateStamp: String, region: String, service: String, innerPadState: SHA256, outerPadState: SHA256) {
            self.dateStamp = dateStamp
            self.region = region
            self.service = service
            self.innerPadState = innerPadState
            self.outerPadState = outerPadState
        }
    }

    private let storage: Storage
    /// The day the key was derived for.
    let daysSince1970: Int64

    /// `yyyyMMdd` of the credential scope this key signs for.
    public var dateStamp: String { storage.dateStamp }
    /// The region of the credential scope.
    public var region: String { storage.region }
    /// The service signing name of the credential scope.
    public var service: String { storage.service }

    /// Derives `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    public init(secretAccessKey: String, date: SigV4Timestamp, region: String, service: String) {
        let dateStamp = date.dateStamp
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for part in [dateStamp, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        // RFC 2104 with the 32-byte key zero-padded to SHA-256's 64-byte block: the pad states are absorbed once
        // here, so a signature hashes only the message and the inner digest.
        var innerPad = [UInt8](repeating: 0x36, count: 64)
        var outerPad = [UInt8](repeating: 0x5c, count: 64)
        key.withUnsafeBytes { keyBytes in
            for (index, byte) in keyBytes.enumerated() {
                innerPad[index] ^= byte
                outerPad[index] ^= byte
            }
        }
        var inner = SHA256()
        innerPad.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = SHA256()
        outerPad.withUnsafeBytes { outer.update(bufferPointer: $0) }
        storage = Storage(
            dateStamp: dateStamp,
            region: region,
            service: service,
            innerPadState: inner,
            outerPadState: outer
        )
        daysSince1970 = date.daysSince1970
    }

    /// The hex HMAC-SHA256 of `stringToSign`: the SigV4 signature.
    public func signature(for stringToSign: String) -> String {
        var copy = stringToSign
        return copy.withUTF8 { signature(forBytes: UnsafeRawBufferPointer($0)) }
    }

    func signature(forBytes bytes: UnsafeRawBufferPointer) -> String {
        var inner = storage.innerPadState
        inner.update(bufferPointer: bytes)
        var outer = storage.outerPadState
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { SigV4Bytes.hexString($0) }
    }

    public var description: String {
        "SigningKey(scope: \(dateStamp)/\(region)/\(service)/aws4_request, key: <redacted>)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["dateStamp": dateStamp, "region": region, "service": service, "key": "<redacted>"],
            displayStyle: .struct
        )
    }
}

/// A small cache of signing keys, keyed by secret, day, region and service, shared by the signers of one
/// `AWSContext` (a client, and its signer, is made per call; a key lasts a day).
///
/// Shared across tasks, so the cache is a class behind a `Mutex`; lookups compare in place and allocate nothing.
/// 32 slots cover the services of a few runs' credential sets (each assumed role has its own secret) across a day
/// boundary; past that the oldest slot is reused.
public final class SigningKeyCache: Sendable {
    private struct Entry {
        var secretAccessKey: String
        var key: SigningKey
    }

    private struct Slots {
        var entries: [Entry] = []
        var nextVictim = 0
    }

    private static let capacity = 32
    private let slots = Mutex(Slots())

    public init() {}

    func key(secretAccessKey: String, date: SigV4Timestamp, region: String, service: String) -> SigningKey {
        let cached: SigningKey? = slots.withLock { slots in
            for entry in slots.entries
            where entry.key.daysSince1970 == date.daysSince1970 && entry.key.service == service
                && entry.key.region == region && entry.secretAccessKey == secretAccessKey
            {
                return entry.key
            }
            return nil
        }
        if let cached { return cached }
        // Derive outside the lock: four HMACs should not serialise other signers' cache hits.
        let key = SigningKey(secretAccessKey: secretAccessKey, date: date, region: region, service: service)
        slots.withLock { slots in
            let entry = Entry(secretAccessKey: secretAccessKey, key: key)
            if slots.entries.count < Self.capacity {
                slots.entries.append(entry)
            } else {
                slots.entries[slots.nextVictim] = entry
                slots.nextVictim = (slots.nextVictim + 1) % Self.capacity
            }
        }
        return key
    }
}
