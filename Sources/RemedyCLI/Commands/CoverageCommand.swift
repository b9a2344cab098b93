import ArgumentParser
import RemedyCore
import RemedyPlaybooks

extension RemedyCommand {
    /// `remedy coverage`: which finding types and controls the playbooks handle, and the gaps.
    struct CoverageCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coverage",
            abstract: "List the GuardDuty finding types and Security Hub controls the playbooks handle, and the gaps.",
            discussion: """
                A playbook handles a type when one of its match.types patterns matches it (and its sources allow \
                GuardDuty), a control when one of its match.controls patterns does; severity and resource filters \
                are not considered. Exit status 1 with --fail-on-gap when anything is uncovered.
                """
        )

        @OptionGroup(title: "Playbooks")
        var playbookOptions: PlaybookOptions

        @Option(name: .long, help: "A catalogue file of further types and controls to check (YAML).")
        var catalog: String?

        @Flag(name: .long, help: "Exit with status 1 when any entry is uncovered.")
        var failOnGap = false

        @OptionGroup(title: "Output")
        var outputOptions: OutputOptions

        func run() throws {
            var entries = CoverageCatalog.essential
            if let catalog {
                let text: String
                do {
                    text = try SourceFile.read(catalog)
                } catch {
                    Terminal.standardError.write("error: \(error.message)")
                    throw ExitCode.failure
                }
                switch CoverageCatalogParser().parse(text, file: catalog) {
                case .success(let extra): entries = entries.merging(extra)
                case .failure(let error):
                    Terminal.standardError.write(error.description)
                    throw ExitCode.failure
                }
            }
            let report = CoverageReport(catalog: entries, playbooks: try playbookOptions.loadLibrary().playbooks)
            switch outputOptions.output {
            case .json: Terminal.standardOutput.write(report.json.jsonText(options: .prettyPrinted))
            case .text: Terminal.standardOutput.write(report.text)
            }
            if failOnGap, !report.gaps.isEmpty { throw ExitCode.failure }
        }
    }
}

extension CoverageReport {
    var json: JSONValue {
        func section(_ kind: CoverageCatalog.Entry.Kind) -> JSONValue {
            .array(
                lines.filter { $0.entry.kind == kind }.map { line in
                    [
                        "name": .string(line.entry.name),
                        "title": .string(line.entry.title),
                        "playbooks": .array(line.playbooks.map(JSONValue.string)),
                    ]
                }
            )
        }
        return [
            "guardduty": section(.guardDutyType),
            "securityhubControls": section(.securityHubControl),
            "uncovered": .array(gaps.map { .string($0.name) }),
        ]
    }

    var text: String {
        var output: [String] = []
        for (kind, heading) in [
            (CoverageCatalog.Entry.Kind.guardDutyType, "GuardDuty finding types"),
            (.securityHubControl, "Security Hub controls"),
        ] {
            let section = lines.filter { $0.entry.kind == kind }
            guard !section.isEmpty else { continue }
            output.append(heading)
            let width = section.map(\.entry.name.count).max() ?? 0
            for line in section {
                let name = line.entry.name.padding(toLength: width)
                output.append(
                    "  \(name)  \(line.playbooks.isEmpty ? "UNCOVERED" : line.playbooks.joined(separator: ", "))"
                )
            }
            output.append("")
        }
        let covered = lines.count - gaps.count
        output.append(
            "\(covered) of \(lines.count) covered"
                + (gaps.isEmpty ? "" : "; uncovered: \(gaps.map(\.name).joined(separator: ", "))")
        )
        return output.joined(separator: "\n")
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
