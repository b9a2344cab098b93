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

    @Test func everyCommandThatReadsPlaybooksTakesThemFromTheConfiguration() async throws {
        try await withTemporaryDirectory { home in
            // A responder's configuration names the playbooks; no command is told --playbooks
            _ = try home.write(
                ".config/remedy/config.yaml",
                "apiVersion: remedy/v1\nplaybooks: \(Repository.path("Playbooks"))\n"
            )
            let finding = Repository.path("Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json")
            // Run from the home directory, which has no Playbooks/ of its own
            let plan = try RemedyBinary.run(
                ["plan", finding],
                environment: environment(home: home.path),
                currentDirectory: home.path
            )
            #expect(plan.status == 0, "\(plan.standardError)")
            #expect(plan.standardOutput.contains("playbook ec2-compromise-contain"))
            for command in [["coverage"], ["iam-policy"]] {
                let result = try RemedyBinary.run(
                    command,
                    environment: environment(home: home.path),
                    currentDirectory: home.path
                )
                #expect(result.status == 0, "\(command): \(result.standardError)")
            }
        }
    }
}
