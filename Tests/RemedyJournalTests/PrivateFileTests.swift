import Foundation
import RemedyCore
import RemedyTestSupport
import Testing

@testable import RemedyJournal

#if canImport(Glibc)
import Glibc
#endif

/// The journal and its key are readable by their owner alone, from their first byte.
@Suite(.serialized) struct PrivateFileTests {
    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func theJournalItsWALAndTheKeyAreCreatedPrivateWhateverTheUmask() async throws {
        // Given the most open umask a process may run under
        let previous = umask(0)
        defer { umask(previous) }
        try await withTemporaryDirectory { directory in
            // When a key and a journal are created and written
            let key = try JournalSigningKey.create(at: directory.file("journal.key"))
            let journal = try JournalDatabase(path: directory.file("journal.sqlite"), signingKey: key)
            try await journal.append(JournalEntry(runID: "run-1", kind: "run.created", payload: [:]))
            // Then every file is mode 600
            for name in ["journal.key", "journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"] {
                #expect(try mode(directory.file(name)) == 0o600, "\(name)")
            }
        }
    }

    @Test func aJournalLeftOpenByAnEarlierVersionIsMadePrivate() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("journal.sqlite")
            _ = try JournalDatabase(path: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            _ = try JournalDatabase(path: path)
            #expect(try mode(path) == 0o600)
        }
    }

    @Test func aKeyIsNeverWrittenThroughALinkOrOverAnotherFile() async throws {
        try await withTemporaryDirectory { directory in
            let target = try directory.write("elsewhere", "x")
            try FileManager.default.createSymbolicLink(atPath: directory.file("link.key"), withDestinationPath: target)
            #expect(throws: JournalSigningKey.KeyError.self) {
                _ = try JournalSigningKey.create(at: directory.file("link.key"))
            }
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "x")
        }
    }
}
