import ArgumentParser
import Foundation
import RemedyJournal

extension RemedyCommand {
    /// `remedy journal`: the audit journal's key, integrity and export.
    struct JournalCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "journal",
            abstract: "Create the journal signing key, verify a journal, export it as JSON Lines.",
            subcommands: [InitKeyCommand.self, VerifyCommand.self, ExportCommand.self]
        )
    }

    /// `remedy journal init-key`: a new Ed25519 key for signing checkpoints.
    struct InitKeyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-key",
            abstract: "Create an Ed25519 checkpoint signing key (mode 0600) and print its public key.",
            discussion: "Keep the public key somewhere the journal's host cannot write: it verifies exports offline."
        )

        @Option(name: .long, help: "Where to write the private key; an existing file is never overwritten.")
        var key: String

        func run() throws {
            do {
                let created = try JournalSigningKey.create(at: key)
                Terminal.standardOutput.write("key: \(key)")
                Terminal.standardOutput.write("key id: \(created.keyID)")
                Terminal.standardOutput.write("public key: \(created.publicKeyBase64)")
            } catch {
                Terminal.standardError.write("error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    /// `remedy journal verify`: checks the chain and the signed checkpoints.
    struct VerifyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a journal's hash chain and signed checkpoints; name the first broken record.",
            discussion: """
                Verifies a journal database (--journal, else the configuration's) or an export (--export). \
                Checkpoints are checked with the private key file (--key) or the public key (--public-key). The \
                chain alone proves nothing against someone who can write the file, so a signed checkpoint must cover \
                the last record (--allow-unsigned-tail accepts and reports a tail, for a journal still being \
                written), checkpoints may be no further apart than the journal's checkpoint interval, and a partial \
                export must start at a signed checkpoint. The key is --key, --public-key, or the configuration's
                journal.signing_key. Exit status 0 when intact, 1 otherwise.
                """
        )

        @OptionGroup(title: "Journal")
        var journalOptions: JournalOptions

        @Option(name: .long, help: "A JSON Lines export instead of a database.")
        var export: String?

        @Flag(name: .customLong("allow-unsigned-tail"), help: "Accept records after the last signed checkpoint.")
        var allowsUnsignedTail = false

        @Option(
            name: .customLong("checkpoint-interval"),
            help: "Most records between checkpoints (default: the configuration's journal.checkpoint_every); 0: any."
        )
        var checkpointInterval: Int64?

        @Option(name: .long, help: "The signing key file (default: the configuration's journal.signing_key).")
        var key: String?

        @Option(name: .customLong("public-key"), help: "The base64 public key printed by init-key.")
        var publicKey: String?

        func validate() throws {
            if export != nil, journalOptions.journal != nil { throw ValidationError("give --journal or --export") }
            if key != nil, publicKey != nil { throw ValidationError("give --key or --public-key, not both") }
            if let checkpointInterval, checkpointInterval < 0 {
                throw ValidationError("--checkpoint-interval must be 0 or more")
            }
        }

        func run() throws {
            let report: JournalVerifier.Report
            do {
                let configuration = try journalOptions.loadConfiguration()
                let verificationKey: JournalVerificationKey
                if let publicKey {
                    guard let decoded = JournalVerificationKey(base64: publicKey) else {
                        throw JournalError("--public-key is not a base64 Ed25519 public key")
                    }
                    verificationKey = decoded
                } else if let path = key ?? configuration.journal.signingKey.map(JournalOptions.expand) {
                    verificationKey = try JournalSigningKey.load(from: path).verifier
                } else {
                    throw JournalError(
                        "no key to verify with: give --key or --public-key, or set journal.signing_key in the configuration"
                    )
                }
                let interval = checkpointInterval ?? Int64(configuration.journal.checkpointInterval)
                let requirements = JournalVerifier.Requirements(
                    allowsUnsignedTail: allowsUnsignedTail,
                    maximumCheckpointGap: interval > 0 ? interval : nil
                )
                if let export {
                    report = try JournalExport.verify(
                        fileAt: export,
                        keys: [verificationKey],
                        requirements: requirements
                    )
                } else {
                    let journal = journalOptions.journalPath(configuration)
                    guard FileManager.default.fileExists(atPath: journal) else {
                        throw JournalError("no journal at \(journal)")
                    }
                    report = try JournalDatabase(path: journal).verify(
                        keys: [verificationKey],
                        requirements: requirements
                    )
                }
            } catch {
                Terminal.standardError.write("error: \(error)")
                throw ExitCode.failure
            }
            Terminal.standardOutput.write(report.description)
            if !report.isIntact { throw ExitCode.failure }
        }
    }

    /// `remedy journal export`: JSON Lines that verify offline.
    struct ExportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a journal's records and checkpoints as JSON Lines on standard output."
        )

        @Option(name: .long, help: "The journal database.")
        var journal: String

        @Option(
            name: .long,
            help: "Start at this record, or earlier: just after the latest signed checkpoint before it."
        )
        var since: Int64 = 1

        func run() throws {
            do {
                guard FileManager.default.fileExists(atPath: journal) else {
                    throw JournalError("no journal at \(journal)")
                }
                try JournalDatabase(path: journal).export(from: since) { Terminal.standardOutput.write($0) }
            } catch {
                Terminal.standardError.write("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
