import Foundation

/// Reads the secrets the configuration names, once, at start-up.
///
/// A missing or empty secret stops the command or the server before it acts or listens, naming the configuration key
/// but never a value.
public struct SecretResolver: Sendable {
    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func resolve(
        _ reference: RemedyConfiguration.SecretReference,
        for key: String
    ) throws(ConfigurationError)
        -> [UInt8]
    {
        let text: String?
        switch reference {
        case .environment(let name):
            text = environment[name]
        case .file(let path):
            text = try? String(contentsOfFile: path, encoding: .utf8)
        }
        guard let value = text?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw ConfigurationError("\(key): the secret from \(reference) is missing or empty")
        }
        return Array(value.utf8)
    }

    public func resolveAll(
        _ references: [String: RemedyConfiguration.SecretReference],
        for key: String
    )
        throws(ConfigurationError) -> [String: [UInt8]]
    {
        var secrets: [String: [UInt8]] = [:]
        for (name, reference) in references { secrets[name] = try resolve(reference, for: "\(key).\(name)") }
        return secrets
    }
}

extension SecretResolver: CustomStringConvertible, CustomReflectable {
    /// Never the environment it reads from: that holds the secrets.
    public var description: String { "SecretResolver" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// A configuration the process cannot start with (a secret that cannot be read, a webhook remedy would refuse),
/// said by its configuration key and never by a secret's value.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
