import ArgumentParser
import RemedyCore
import RemedyPlaybooks

extension RemedyCommand {
    /// `remedy coverage`: the playbooks against the full catalogues of GuardDuty finding types and Security Hub
    /// controls, with totals and gaps.
    struct CoverageCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coverage",
            abstract: "Measure the playbooks against every GuardDuty finding type and Security Hub control.",
            discussion: """
                Each type and control of the reference catalogues (shipped with remedy; --reference for newer \
                copies) gets a synthetic finding per resource kind it is reported on, and the real matcher decides \
                which playbooks act on it. Totals are against the catalogues' full size: GuardDuty's standard active \
                types by family, every control, and the controls Automated Security Response on AWS remediates. \
                With --fail-on-gap the exit status is 1 when an entry is uncovered and not in the --accepted-gaps \
                file, or that file accepts an entry that is covered now or does not exist.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text
            case json
            /// The table docs/coverage.md is generated from.
            case markdown
        }

        @OptionGroup(title: "Playbooks")
        var playbookOptions: PlaybookOptions

        @Option(name: .long, help: "A directory holding newer copies of the reference catalogue files.")
        var reference: String?

        @Option(name: .long, help: "A YAML file of gaps accepted on purpose, each with its reason.")
        var acceptedGaps: String?

        @Flag(name: .long, help: "Exit with status 1 on any gap not accepted, or any stale acceptance.")
        var failOnGap = false

        @Option(name: .long, help: "Output format: text, json or markdown.")
        var output: Format = .text

        func run() throws {
            let report = CoverageReport(
                reference: try loadReference(),
                playbooks: try playbookOptions.loadLibrary().playbooks,
                accepted: try loadAcceptedGaps()
            )
            switch output {
            case .text: Terminal.standardOutput.write(report.text)
            case .json: Terminal.standardOutput.write(report.json.jsonText(options: .prettyPrinted))
            case .markdown: Terminal.standardOutput.write(report.markdown)
            }
            for gap in report.staleAcceptances {
                Terminal.standardError.write(
                    "\(failOnGap ? "error" : "warning"): \(gap.location): '\(gap.name)' is accepted as a gap but "
                        + "is covered, or is in no catalogue: remove it from the accepted gaps"
                )
            }
            if failOnGap, !report.gaps.isEmpty || !report.staleAcceptances.isEmpty {
                if !report.gaps.isEmpty {
                    Terminal.standardError.write(
                        "error: \(report.gaps.count) entries are uncovered and not accepted, first "
                            + report.gaps.prefix(5).map(\.name).joined(separator: ", ")
                    )
                }
                throw ExitCode.failure
            }
        }

        private func loadReference() throws -> ReferenceCatalogue {
            do {
                return try reference.map(ReferenceCatalogue.load(directory:)) ?? ReferenceCatalogue.bundled()
            } catch {
                Terminal.standardError.write("error: \(error)")
                throw ExitCode.failure
            }
        }

        private func loadAcceptedGaps() throws -> AcceptedGaps {
            guard let acceptedGaps else { return AcceptedGaps() }
            let text: String
            do {
                text = try SourceFile.read(acceptedGaps)
            } catch {
                Terminal.standardError.write("error: \(error.message)")
                throw ExitCode.failure
            }
            switch AcceptedGaps.parse(text, file: acceptedGaps) {
            case .success(let gaps): return gaps
            case .failure(let error):
                Terminal.standardError.write(error.description)
                throw ExitCode.failure
            }
        }
    }
}

extension CoverageReport {
    /// How an item stands: its playbooks, or why it is a gap.
    fileprivate static func status(_ item: Item) -> String {
        if item.isCovered { return item.playbooks.joined(separator: ", ") }
        return item.acceptedGap.map { "accepted gap: \($0)" } ?? "UNCOVERED"
    }

    var text: String {
        var output = [
            "GuardDuty finding types: \(guardDutyTotal) standard active types covered",
            "Security Hub controls: \(controlTotal) covered; of those Automated Security Response remediates, "
                + "\(asrTotal)",
            "",
            "GuardDuty families",
        ]
        for (family, total) in guardDutyFamilies {
            let note = family == Self.customDetectionFamily ? "  (the account's own rules: not in the total)" : ""
            output.append("  \(family.padding(toLength: 24))  \(total)\(note)")
        }
        output.append("")
        for (heading, section) in [("GuardDuty finding types", guardDutyTypes), ("Security Hub controls", controls)] {
            output.append(heading)
            let width = section.map(\.name.count).max() ?? 0
            for item in section {
                let asr = item.asrRunbook == nil ? "" : "  [ASR]"
                output.append("  \(item.name.padding(toLength: width))  \(Self.status(item))\(asr)")
            }
            output.append("")
        }
        output.append(
            gaps.isEmpty ? "no gap outside the accepted ones" : "\(gaps.count) entries uncovered and not accepted"
        )
        return output.joined(separator: "\n")
    }

    var json: JSONValue {
        func total(_ total: Total) -> JSONValue {
            ["covered": .number(Double(total.covered)), "total": .number(Double(total.total))]
        }
        func families(_ families: [(family: String, total: Total)]) -> JSONValue {
            .array(
                families.map { family, counts in
                    [
                        "family": .string(family), "covered": .number(Double(counts.covered)),
                        "total": .number(Double(counts.total)),
                    ]
                }
            )
        }
        func entries(_ items: [Item], name: String) -> JSONValue {
            .array(
                items.map { item in
                    [
                        name: .string(item.name), "family": .string(item.family),
                        "playbooks": .array(item.playbooks.map(JSONValue.string)),
                        "acceptedGap": item.acceptedGap.map(JSONValue.string) ?? .null,
                        "asrRunbook": item.asrRunbook.map(JSONValue.string) ?? .null,
                    ]
                }
            )
        }
        return [
            "version": 1,
            "guardduty": [
                "standard": total(guardDutyTotal), "families": families(guardDutyFamilies),
                "types": entries(guardDutyTypes, name: "type"),
            ],
            "controls": [
                "all": total(controlTotal), "asr": total(asrTotal), "services": families(controlFamilies),
                "controls": entries(controls, name: "control"),
            ],
            "gaps": .array(gaps.map { .string($0.name) }),
            "staleAcceptances": .array(staleAcceptances.map { .string($0.name) }),
        ]
    }

    /// docs/coverage.md, as `remedy coverage --output markdown` writes it.
    var markdown: String {
        func row(_ cells: String...) -> String { "| " + cells.joined(separator: " | ") + " |" }
        var output = [
            "# Coverage",
            "",
            "Generated by `remedy coverage --output markdown > docs/coverage.md` from the shipped playbooks and the "
                + "reference catalogues in `Sources/RemedyPlaybooks/Coverage/Reference/` (their README names the "
                + "sources); `Tests/RemedyCLITests/CoverageCommandTests.swift` fails when this file is not current. "
                + "An entry is covered when the real matcher runs a playbook for a finding of it.",
            "",
            "- GuardDuty: **\(guardDutyTotal)** standard active finding types",
            "- Security Hub: **\(controlTotal)** controls; **\(asrTotal)** of those Automated Security Response "
                + "on AWS remediates",
            "",
            "## GuardDuty families",
            "",
            row("family", "covered"),
            row("---", "---"),
        ]
        for (family, total) in guardDutyFamilies {
            let note = family == Self.customDetectionFamily ? " (not in the standard total)" : ""
            output.append(row("`\(family)`", "\(total)\(note)"))
        }
        output += ["", "## Security Hub controls by service", "", row("service", "covered"), row("---", "---")]
        for (service, total) in controlFamilies { output.append(row(service, "\(total)")) }
        output += ["", "## GuardDuty finding types", "", row("type", "family", "playbooks"), row("---", "---", "---")]
        for item in guardDutyTypes {
            output.append(row("`\(item.name)`", item.family, Self.status(item)))
        }
        output += [
            "", "## Security Hub controls", "", row("control", "ASR runbook", "playbooks"), row("---", "---", "---"),
        ]
        for item in controls {
            output.append(row(item.name, item.asrRunbook ?? "", Self.status(item)))
        }
        return output.joined(separator: "\n")
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
