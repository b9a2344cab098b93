import ArgumentParser
import RemedyActions
import RemedyCore
import RemedyPlaybooks

/// Where playbooks come from.
struct PlaybookOptions: ParsableArguments {
    @Option(name: .long, help: "Directory (or file) of playbooks (default: the configuration's playbooks, Playbooks).")
    var playbooks: String?

    /// Loads and validates the playbooks: `--playbooks`, else the configuration's `playbooks`.
    ///
    /// A command given its configuration passes it; the others read the configuration file found where every
    /// command looks (`REMEDY_CONFIG`, `./remedy.yaml`, `~/.config/remedy/config.yaml`). Only the valid ones are kept.
    ///
    /// Problems go to standard error. No playbook loaded is an error: a command that found none must not report
    /// "nothing matches" or "nothing covered" as if it had looked.
    func loadLibrary(configuration: RemedyConfiguration? = nil) throws -> PlaybookLibrary {
        if let playbooks { return try Self.loadLibrary(at: playbooks) }
        let configured = try configuration ?? JournalOptions.loadConfiguration(explicit: nil)
        return try Self.loadLibrary(at: configured.playbooks)
    }

    static func loadLibrary(at playbooks: String) throws -> PlaybookLibrary {
        let library = PlaybookLibrary.load(paths: [playbooks], catalog: .standard)
        for diagnostic in library.diagnostics {
            Terminal.standardError.write(diagnostic.description)
        }
        if library.playbooks.isEmpty {
            Terminal.standardError.write(
                "error: no valid playbook loaded from '\(playbooks)'; pass --playbooks DIR or set playbooks: in the "
                    + "configuration"
            )
            throw ExitCode.failure
        }
        if library.diagnostics.containsErrors {
            Terminal.standardError.write(
                "note: playbooks with errors are left out; run 'remedy validate \(playbooks)' for details"
            )
        }
        return library
    }
}

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text or json.")
    var output: OutputFormat = .text
}
