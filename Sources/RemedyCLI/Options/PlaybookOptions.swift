import ArgumentParser
import RemedyActions
import RemedyCore
import RemedyPlaybooks

/// Where playbooks come from.
struct PlaybookOptions: ParsableArguments {
    @Option(name: .long, help: "Directory (or file) of playbooks.")
    var playbooks: String = "Playbooks"

    /// Loads and validates the playbooks; reports problems on standard error and keeps the valid ones.
    func loadLibrary() -> PlaybookLibrary {
        Self.loadLibrary(at: playbooks)
    }

    static func loadLibrary(at playbooks: String) -> PlaybookLibrary {
        let library = PlaybookLibrary.load(paths: [playbooks], catalog: .standard)
        for diagnostic in library.diagnostics {
            Terminal.standardError.write(diagnostic.description)
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
