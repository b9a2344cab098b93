import Crypto
import Foundation
import RemedyCore

/// The Ed25519 key that signs journal checkpoints, kept in a file only its owner can read.
public struct JournalSigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    /// Hex SHA-256 of the raw public key: names the key in checkpoints.
    public var keyID: String { JournalHasher.hex(SHA256.hash(data: privateKey.publicKey.rawRepresentation)) }

    /// The public key, base64, for verifying exports elsewhere.
    public var publicKeyBase64: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }

    public var verifier: JournalVerificationKey { JournalVerificationKey(privateKey.publicKey) }

    init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// Why a key file could not be created or read.
    public struct KeyError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Creates a new key at `path` with mode 0600.
    ///
    /// Refuses to overwrite an existing file.
    public static func create(at path: String) throws -> JournalSigningKey {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw KeyError(message: "\(path) already exists; remedy does not overwrite a journal key")
        }
        let key = Curve25519.Signing.PrivateKey()
        let text = "remedy-journal-key/v1 \(key.rawRepresentation.base64EncodedString())\n"
        do {
            try PrivateFile.create(path, contents: Array(text.utf8))
        } catch {
            throw KeyError(message: error.message)
        }
        return JournalSigningKey(privateKey: key)
    }

    /// Reads the key at `path`; refuses a file others can read.
    public static func load(from path: String) throws -> JournalSigningKey {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 != 0 {
            throw KeyError(
                message: "\(path) is readable by others (mode \(String(permissions, radix: 8))); chmod 600 it"
            )
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, parts[0] == "remedy-journal-key/v1", let raw = Data(base64Encoded: String(parts[1])),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw KeyError(message: "\(path) is not a remedy journal key (create one with remedy journal init-key)")
        }
        return JournalSigningKey(privateKey: key)
    }

    func sign(_ text: String) throws -> String {
        try privateKey.signature(for: Data(text.utf8)).base64EncodedString()
    }
}

/// A public key that checks checkpoint signatures.
public struct JournalVerificationKey: Sendable {
    let publicKey: Curve25519.Signing.PublicKey

    init(_ publicKey: Curve25519.Signing.PublicKey) {
        self.publicKey = publicKey
    }

    /// From the base64 raw public key `remedy journal init-key` prints.
    public init?(base64: String) {
        guard let raw = Data(base64Encoded: base64), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { return nil }
        publicKey = key
    }

    public var keyID: String { JournalHasher.hex(SHA256.hash(data: publicKey.rawRepresentation)) }

    func isValid(_ signature: String, for text: String) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        return publicKey.isValidSignature(bytes, for: Data(text.utf8))
    }
}
