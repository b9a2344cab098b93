import Foundation

/// The AWS shared config (`~/.aws/config`) and credentials (`~/.aws/credentials`) files, read once.
///
/// Config sections are `[default]` and `[profile NAME]`; credentials sections are `[NAME]`; `[services NAME]`
/// sections hold per-service settings a profile points to with `services = NAME`. A profile merges both files,
/// the credentials file winning for a key set in both (as botocore's `Session.full_config` does).
///
///     let config = try AWSSharedConfig.load(environment: environment, homeDirectory: home)
///     let region = config.profile(named: "prod")?.region
public struct AWSSharedConfig: Sendable {
    /// One profile's settings, with its `services` section resolved.
    public struct Profile: Sendable, Equatable {
        /// The profile name (`default`, `prod`).
        public var name: String
        /// Flat settings, keys lower-case (`region`, `role_arn`, `endpoint_url`).
        public var settings: [String: String]
        /// Nested sub-sections of the profile itself (`s3 =` / `  addressing_style = path`).
        public var nested: [String: [String: String]]
        /// The `[services NAME]` section the profile names, by service id (`sts`, `s3_control`): empty if none.
        public var services: [String: [String: String]]

        public init(
            name: String,
            settings: [String: String],
            nested: [String: [String: String]] = [:],
            services: [String: [String: String]] = [:]
        ) {
            self.name = name
            self.settings = settings
            self.nested = nested
            self.services = services
        }

        /// The value of `key` (lower-case), or nil; an empty value counts as unset.
        public subscript(key: String) -> String? {
            guard let value = settings[key], !value.isEmpty else { return nil }
            return value
        }

        /// `region`.
        public var region: String? { self["region"] }
        /// `endpoint_url`, the profile-wide endpoint override.
        public var endpointURL: String? { self["endpoint_url"] }
        /// `ignore_configured_endpoint_urls = true` turns off every configured endpoint override.
        public var ignoresConfiguredEndpointURLs: Bool {
            self["ignore_configured_endpoint_urls"]?.lowercased() == "true"
        }
        /// The `endpoint_url` of `serviceID` (snake case: `sts`, `s3_control`) in the profile's services section.
        public func endpointURL(forService serviceID: String) -> String? {
            services[serviceID]?["endpoint_url"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// The config file path (after `~` expansion), whether or not it exists.
    public let configFile: String
    /// The credentials file path (after `~` expansion), whether or not it exists.
    public let credentialsFile: String
    /// Whether the config file was found and read.
    public let hasConfigFile: Bool
    /// Whether the credentials file was found and read.
    public let hasCredentialsFile: Bool

    private let configProfiles: [String: INIDocument.Section]
    private let credentialProfiles: [String: INIDocument.Section]
    private let servicesSections: [String: [String: [String: String]]]
    private let profileOrder: [String]

    /// Reads the files named by `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and
    /// `~/.aws/credentials`; a missing file is treated as empty.
    ///
    /// - Throws: ``CredentialError/invalidConfiguration`` with `file:line` when a file exists but cannot be parsed
    ///   or read.
    public static func load(environment: [String: String], homeDirectory: String?) throws -> AWSSharedConfig {
        let configPath = expandingTilde(
            environment["AWS_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/.aws/config",
            home: homeDirectory
        )
        let credentialsPath = expandingTilde(
            environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/.aws/credentials",
            home: homeDirectory
        )
        return try AWSSharedConfig(
            configFile: configPath,
            configContents: try readIfPresent(configPath),
            credentialsFile: credentialsPath,
            credentialsContents: try readIfPresent(credentialsPath)
        )
    }

    /// Parses file contents already in memory; nil contents mean the file does not exist.
    public init(
        configFile: String = "~/.aws/config",
        configContents: String?,
        credentialsFile: String = "~/.aws/credentials",
        credentialsContents: String?
    ) throws {
        self.configFile = configFile
        self.credentialsFile = credentialsFile
        hasConfigFile = configContents != nil
        hasCredentialsFile = credentialsContents != nil
        let config = try Self.parse(configContents ?? "", file: configFile)
        let credentials = try Self.parse(credentialsContents ?? "", file: credentialsFile)

        var profiles: [String: INIDocument.Section] = [:]
        var services: [String: [String: [String: String]]] = [:]
        var order: [String] = []
        for sectionName in config.sectionNames {
            guard let section = config.sections[sectionName] else { continue }
            // botocore splits section names with shlex, so `[profile "my profile"]` names `my profile`.
            let words = (try? CommandLineWords.split(sectionName)) ?? []
            if sectionName == "default" {
                profiles["default", default: .init()].merge(section)
                order.append("default")
            } else if words.count == 2, words[0] == "profile" {
                let name = words[1]
                profiles[name, default: .init()].merge(section)
                order.append(name)
            } else if words.count == 2, words[0] == "services" {
                services[words[1], default: [:]].merge(section.nested) { _, new in new }
            }
        }
        configProfiles = profiles
        servicesSections = services
        credentialProfiles = credentials.sections
        for name in credentials.sectionNames { order.append(name) }
        var seen = Set<String>()
        profileOrder = order.filter { seen.insert($0).inserted }
    }

    /// Every profile name in either file, config file first, in order of appearance.
    public var profileNames: [String] { profileOrder }

    /// The profile `name` from both files merged, or nil when neither file has it.
    public func profile(named name: String) -> Profile? {
        let config = configProfiles[name]
        let credentials = credentialProfiles[name]
        guard config != nil || credentials != nil else { return nil }
        var merged = config ?? .init()
        if let credentials { merged.merge(credentials) }
        return makeProfile(name, merged)
    }

    /// The profile `name` as the config file alone has it.
    public func configFileProfile(named name: String) -> Profile? {
        configProfiles[name].map { makeProfile(name, $0) }
    }

    /// The profile `name` as the credentials file alone has it.
    public func credentialsFileProfile(named name: String) -> Profile? {
        credentialProfiles[name].map { makeProfile(name, $0) }
    }

    /// The `[services NAME]` section, by service id, or nil when the config file has none by that name.
    public func servicesSection(named name: String) -> [String: [String: String]]? { servicesSections[name] }

    private func makeProfile(_ name: String, _ section: INIDocument.Section) -> Profile {
        let services = section.values["services"].flatMap { servicesSections[$0] } ?? [:]
        return Profile(name: name, settings: section.values, nested: section.nested, services: services)
    }

    private static func parse(_ text: String, file: String) throws -> INIDocument {
        do {
            return try INIDocument(parsing: text)
        } catch {
            let location = error.line > 0 ? "\(file):\(error.line)" : file
            throw CredentialError.invalidConfiguration("\(location): \(error.reason); fix or remove that line")
        }
    }

    private static func readIfPresent(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CredentialError.invalidConfiguration("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// `~` and `~/…` become paths under `home`; anything else is returned unchanged.
    static func expandingTilde(_ path: String, home: String?) -> String {
        guard let home, path == "~" || path.hasPrefix("~/") else { return path }
        let base = home.hasSuffix("/") ? String(home.dropLast()) : home
        return base + path.dropFirst()
    }
}

extension INIDocument.Section {
    fileprivate mutating func merge(_ other: INIDocument.Section) {
        values.merge(other.values) { _, new in new }
        nested.merge(other.nested) { _, new in new }
    }
}
