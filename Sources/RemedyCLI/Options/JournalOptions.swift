import ArgumentParser
import Foundation
import RemedyCore
import RemedyJournal
import RemedyPlaybooks

/// Which configuration file and journal a command uses.
struct JournalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Configuration file (default: REMEDY_CONFIG, ./remedy.yaml, ~/.config/remedy/config.yaml)."
    )
    var config: String?

    @Option(name: .long, help: "Journal database (default: REMEDY_JOURNAL, then the configuration's journal.path).")
    var journal: String?

    /// The configuration, or the built-in defaults when there is no file; problems are printed and fail the command.
    func loadConfiguration() throws -> RemedyConfiguration {
        try Self.loadConfiguration(explicit: config)
    }

    /// The configuration at `explicit`, else the first of `REMEDY_CONFIG`, `./remedy.yaml` and
    /// `~/.config/remedy/config.yaml`, else the built-in defaults.
    static func loadConfiguration(explicit: String?) throws -> RemedyConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard
            let path = ConfigurationParser.locate(
                explicit: explicit,
                environment: environment,
                currentDirectory: FileManager.default.currentDirectoryPath
            )
        else { return RemedyConfiguration() }
        let text: String
        do {
            text = try SourceFile.read(path)
        } catch {
            Terminal.standardError.write("error: \(error.message)")
            throw ExitCode.failure
        }
        let (configuration, diagnostics) = ConfigurationParser().parse(text, file: path)
        for diagnostic in diagnostics { Terminal.standardError.write(diagnostic.description) }
        guard let configuration else { throw ExitCode.failure }
        return configuration
    }

    /// The journal's path: `--journal`, `REMEDY_JOURNAL`, then the configuration's.
    func journalPath(_ configuration: RemedyConfiguration) -> String {
        Self.expand(journal ?? ProcessInfo.processInfo.environment["REMEDY_JOURNAL"] ?? configuration.journal.path)
    }

    /// Opens the journal, creating its directory, with the configuration's signing key when it has one.
    func openJournal(_ configuration: RemedyConfiguration) throws -> JournalDatabase {
        let path = journalPath(configuration)
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            let key = try configuration.journal.signingKey.map { try JournalSigningKey.load(from: Self.expand($0)) }
            return try JournalDatabase(
                path: path,
                signingKey: key,
                checkpointInterval: configuration.journal.checkpointInterval
            )
        } catch {
            Terminal.standardError.write("error: cannot open the journal at \(path): \(error)")
            throw ExitCode.failure
        }
    }

    static func expand(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        return (ProcessInfo.processInfo.environment["HOME"] ?? "") + path.dropFirst(1)
    }
}
