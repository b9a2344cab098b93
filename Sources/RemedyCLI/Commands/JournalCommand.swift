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
                Verifies a journal database (--journal) or an export (--export). Checkpoints are checked with the \
                private key file (--key) or the public key (--public-key). Exit status 0 when intact, 1 otherwise.
                """
        )

        @Option(name: .long, help: "The journal database.")
        var journal: String?

        @Option(name: .long, help: "A JSON Lines export instead of a database.")
        var export: String?

        @Option(name: .long, help: "The signing key file.")
        var key: String?

        @Option(name: .customLong("public-key"), help: "The base64 public key printed by init-key.")
        var publicKey: String?

        func validate() throws {
            guard (journal == nil) != (export == nil) else { throw ValidationError("give --journal or --export") }
            guard (key == nil) != (publicKey == nil) else { throw ValidationError("give --key or --public-key") }
        }

        func run() throws {
            let report: JournalVerifier.Report
            do {
                let verificationKey: JournalVerificationKey
                if let key {
                    verificationKey = try JournalSigningKey.load(from: key).verifier
                } else if let publicKey, let decoded = JournalVerificationKey(base64: publicKey) {
                    verificationKey = decoded
                } else {
                    throw JournalError("--public-key is not a base64 Ed25519 public key")
                }
                if let journal {
                    guard FileManager.default.fileExists(atPath: journal) else {
                        throw JournalError("no journal at \(journal)")
                    }
                    report = try JournalDatabase(path: journal).verify(keys: [verificationKey])
                } else {
                    report = try JournalExport.verify(fileAt: export ?? "", keys: [verificationKey])
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

        @Option(name: .long, help: "Start at this record sequence number.")
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
