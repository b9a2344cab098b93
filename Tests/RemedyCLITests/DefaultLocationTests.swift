import Foundation
import RemedyTestSupport
import Testing

/// Where remedy keeps its files when nothing is said: per user, under the home directory.
@Suite struct DefaultLocationTests {
    func environment(home: String) -> [String: String] {
        ["HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
    }

    @Test func withNoConfigurationTheJournalIsAPerUserFile() async throws {
        try await withTemporaryDirectory { home in
            let result = try RemedyBinary.run(["runs"], environment: environment(home: home.path))
            #expect(result.status == 0, "\(result.standardError)")
            #expect(FileManager.default.fileExists(atPath: home.file(".remedy/journal.sqlite")))
        }
    }

    @Test func thePerUserConfigurationIsReadAndNamesTheJournal() async throws {
        try await withTemporaryDirectory { home in
            _ = try home.write(
                ".config/remedy/config.yaml",
                """
                apiVersion: remedy/v1
                journal: {path: ~/incidents/journal.sqlite}
                """
            )
            let result = try RemedyBinary.run(["runs"], environment: environment(home: home.path))
            #expect(result.status == 0, "\(result.standardError)")
            #expect(FileManager.default.fileExists(atPath: home.file("incidents/journal.sqlite")))
            #expect(!FileManager.default.fileExists(atPath: home.file(".remedy/journal.sqlite")))
        }
    }

    @Test func environmentVariablesOverrideThePerUserDefaults() async throws {
        try await withTemporaryDirectory { home in
            _ = try home.write("elsewhere.yaml", "apiVersion: remedy/v1\njournal: {path: ~/from-config.sqlite}\n")
            var variables = environment(home: home.path)
            variables["REMEDY_CONFIG"] = home.file("elsewhere.yaml")
            #expect(try RemedyBinary.run(["runs"], environment: variables).status == 0)
            #expect(FileManager.default.fileExists(atPath: home.file("from-config.sqlite")))
            variables["REMEDY_JOURNAL"] = home.file("from-environment.sqlite")
            #expect(try RemedyBinary.run(["runs"], environment: variables).status == 0)
            #expect(FileManager.default.fileExists(atPath: home.file("from-environment.sqlite")))
        }
    }
}
