import ArgumentParser
import RemedyActions
import RemedyCore

extension RemedyCommand {
    /// `remedy actions`: the action catalogue.
    struct ActionsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "actions",
            abstract: "List the actions playbooks can use: parameters, outputs, IAM permissions and effects.",
            discussion: "Exit status 1 when NAME is not in the catalogue."
        )

        @Argument(help: "One action to describe in full (for example ec2.quarantine).")
        var name: String?

        @OptionGroup(title: "Output")
        var outputOptions: OutputOptions

        func run() throws {
            let catalog = ActionCatalog.standard
            var descriptors = ActionCatalog.standardInFamilyOrder
            if let name {
                guard let descriptor = catalog.action(named: name) else {
                    let suggestion = catalog.suggestions(for: name).first.map { "; did you mean '\($0)'?" } ?? ""
                    Terminal.standardError.write("error: no action named '\(name)'\(suggestion)")
                    throw ExitCode.failure
                }
                descriptors = [descriptor]
            }
            switch outputOptions.output {
            case .json:
                let entries = JSONValue.array(descriptors.map(\.catalogueJSON))
                let document = name == nil ? entries : descriptors[0].catalogueJSON
                Terminal.standardOutput.write(document.jsonText(options: .prettyPrinted))
            case .text where name != nil:
                Terminal.standardOutput.write(descriptors[0].detailText)
            case .text:
                for descriptor in descriptors {
                    Terminal.standardOutput.write(
                        "\(descriptor.name.padding(toLength: 36, withPad: " ", startingAt: 0))\(descriptor.flags)  "
                            + descriptor.summary
                    )
                }
            }
        }
    }
}

extension ActionDescriptor {
    /// `mutating, reversible, disruptive` or `read-only`, and whether remedy can run it yet.
    var flags: String {
        var flags = [isMutating ? "mutating" : "read-only"]
        if isReversible { flags.append("reversible") }
        if isDisruptive { flags.append("disruptive") }
        if !ActionCatalog.isExecutable(name) { flags.append("not executable yet") }
        return "[\(flags.joined(separator: ", "))]"
    }

    var detailText: String {
        var lines = ["\(name)  \(flags)", "  \(summary)", "  parameters:"]
        for parameter in parameters {
            let requirement =
                parameter.isRequired
                ? "required" : parameter.defaultValue.map { "default \($0.jsonText())" } ?? "optional"
            lines.append("    \(parameter.name): \(parameter.type) (\(requirement)) \(parameter.summary)")
        }
        if !outputs.isEmpty {
            lines.append("  outputs:")
            for output in outputs {
                let nullable = output.isNullable ? " (nullable)" : ""
                lines.append("    \(output.name): \(output.type)\(nullable) \(output.summary)")
            }
        }
        lines.append("  IAM permissions: \(permissions.joined(separator: ", "))")
        switch testedAgainst {
        case .moto: lines.append("  tested against: moto, signatures checked")
        case .withoutAWS(let how): lines.append("  tested against: no AWS call; \(how)")
        case .botocoreStub(let reason):
            lines.append(
                "  tested against: a local stub that checks each request against the botocore model (\(reason))"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// Where the action's calls are tested: `{"kind": "moto"}`, `{"kind": "botocore-stub", "reason": ...}` or
    /// `{"kind": "no-aws-call", "reason": ...}`.
    var testBedJSON: JSONValue {
        switch testedAgainst {
        case .moto: ["kind": "moto"]
        case .botocoreStub(let reason): ["kind": "botocore-stub", "reason": .string(reason)]
        case .withoutAWS(let how): ["kind": "no-aws-call", "reason": .string(how)]
        }
    }

    var catalogueJSON: JSONValue {
        [
            "name": .string(name), "summary": .string(summary), "mutating": .bool(isMutating),
            "reversible": .bool(isReversible), "disruptive": .bool(isDisruptive),
            "executable": .bool(ActionCatalog.isExecutable(name)),
            "permissions": .array(permissions.map(JSONValue.string)),
            "testedAgainst": testBedJSON,
            "parameters": .array(
                parameters.map {
                    [
                        "name": .string($0.name), "type": .string("\($0.type)"), "required": .bool($0.isRequired),
                        "default": $0.defaultValue ?? .null, "summary": .string($0.summary),
                    ]
                }
            ),
            "outputs": .array(
                outputs.map {
                    [
                        "name": .string($0.name), "type": .string("\($0.type)"), "nullable": .bool($0.isNullable),
                        "summary": .string($0.summary),
                    ]
                }
            ),
        ]
    }
}
