import Foundation
import RemedyCore
import RemedyPlaybooks

/// Reads a scenario file into a ``Scenario``, reporting every problem as `file:line:column: message`.
///
/// ```yaml
/// apiVersion: remedy/v1
/// kind: Scenario
/// name: crypto-mining-campaign
/// account: {id: "111122223333", region: us-east-1, roles: [{name: RemedyResponder}], ...}
/// approvers: [{principal: arn:aws:iam::111122223333:user/alice, groups: [incident-leads], decides: approve after 5m}]
/// findings: [{at: 2m, file: ../findings/raw/guardduty-cryptocurrency-bitcointool-dns.json}]
/// expect: ["instance i-0a1b2c3d4e5f60001 isolated within 30m", "no step failed"]
/// ```
///
/// A list entry with `count: N` stands for N entries; `{n}` in its strings becomes 1...N, zero-padded to the width
/// of N (`i-0c0ffee00000000{n}` with `count: 50` gives `...01` to `...50`).
public struct ScenarioParser {
    public init() {}

    /// Reads and checks the scenario at `path`; finding files are read relative to it.
    public func parse(path: String) -> Result<Scenario, DiagnosticsError> {
        let text: String
        do {
            text = try SourceFile.read(path)
        } catch {
            return .failure(
                DiagnosticsError([.error(error.message, at: SourceLocation(file: path, line: 1, column: 1))])
            )
        }
        return parse(text, file: path)
    }

    public func parse(_ text: String, file: String) -> Result<Scenario, DiagnosticsError> {
        let root: YAMLNode
        switch YAMLDocument.read(text, file: file) {
        case .success(let node): root = node
        case .failure(let error): return .failure(error)
        }
        let reader = ScenarioReader(file: file)
        let scenario = reader.scenario(root)
        if let scenario, !reader.diagnostics.containsErrors { return .success(scenario) }
        return .failure(DiagnosticsError(reader.diagnostics.sortedByLocation()))
    }

    /// Whether a YAML file is a scenario (`kind: Scenario`) rather than a playbook.
    public static func isScenario(_ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "kind: Scenario" }
    }
}

/// Walks a scenario's nodes, collecting diagnostics.
final class ScenarioReader {
    let file: String
    let walker: YAMLWalker

    init(file: String) {
        self.file = file
        walker = YAMLWalker(file: file)
    }

    var diagnostics: [Diagnostic] { walker.diagnostics }

    func error(_ message: String, at location: SourceLocation) {
        walker.error(message, at: location)
    }

    // MARK: Scenario

    func scenario(_ root: YAMLNode) -> Scenario? {
        guard
            let fields = walker.fields(
                root,
                allowed: [
                    "apiVersion", "kind", "name", "description", "start", "playbooks", "account", "approvers",
                    "findings", "expect", "notifications",
                ],
                required: ["apiVersion", "kind", "name", "account", "findings", "expect"],
                in: "scenario"
            )
        else { return nil }
        if let version = fields["apiVersion"], walker.string(version, "apiVersion") != "remedy/v1" {
            error("apiVersion must be remedy/v1", at: version.location)
        }
        if let kind = fields["kind"], walker.string(kind, "kind") != "Scenario" {
            error("kind must be Scenario", at: kind.location)
        }
        let name = fields["name"].flatMap { walker.string($0, "name") } ?? ""
        var start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        if let node = fields["start"], let text = walker.string(node, "start") {
            if let date = ISO8601DateFormatter().date(from: text) {
                start = date
            } else {
                error("start must be an ISO 8601 time such as 2026-03-14T09:00:00Z", at: node.location)
            }
        }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        let playbooks = fields["playbooks"].flatMap { walker.string($0, "playbooks") }.map {
            $0.hasPrefix("/") ? $0 : directory.appendingPathComponent($0).standardizedFileURL.path
        }
        guard let accountNode = fields["account"], var account = account(accountNode) else { return nil }
        let approvers = fields["approvers"].map { self.approvers($0) } ?? []
        let findings = fields["findings"].map { self.findings($0, directory: directory, account: account) } ?? []
        let expectations = fields["expect"].map { self.expectations($0) } ?? []
        var channels = ["default"]
        if let node = fields["notifications"],
            let notification = walker.fields(node, allowed: ["slack_channels"], required: [], in: "notifications"),
            let list = notification["slack_channels"]
        {
            channels += walker.stringList(list, "notifications.slack_channels")
        }
        account.nextSerial = 1
        return Scenario(
            name: name,
            description: fields["description"].flatMap { walker.string($0, "description") } ?? "",
            file: file,
            start: start,
            playbooks: playbooks,
            account: account,
            approvers: approvers,
            findings: findings,
            expectations: expectations,
            slackChannels: channels
        )
    }

    // MARK: Approvers, findings, expectations

    func approvers(_ node: YAMLNode) -> [SimulatedApprover] {
        expanded(node, "approvers").compactMap { entry in
            guard
                let fields = walker.fields(
                    entry,
                    allowed: ["principal", "groups", "decides"],
                    required: ["principal", "decides"],
                    in: "approver"
                ),
                let principal = fields["principal"].flatMap({ walker.string($0, "principal") }),
                let decidesNode = fields["decides"], let decides = walker.string(decidesNode, "decides")
            else { return nil }
            let words = decides.split(separator: " ").map(String.init)
            let behaviour: SimulatedApprover.Behaviour
            switch (words.first, words.count) {
            case ("never", 1):
                behaviour = .never
            case ("approve", 3) where words[1] == "after", ("reject", 3) where words[1] == "after":
                guard let delay = DurationText.parse(words[2]) else {
                    error("'\(words[2])' is not a duration (45s, 5m, 1h)", at: decidesNode.location)
                    return nil
                }
                behaviour = words[0] == "approve" ? .approve(after: delay) : .reject(after: delay)
            default:
                error(
                    "decides must be 'approve after DURATION', 'reject after DURATION' or 'never'",
                    at: decidesNode.location
                )
                return nil
            }
            return SimulatedApprover(
                principal: principal,
                groups: fields["groups"].map { walker.stringList($0, "groups") } ?? [],
                behaviour: behaviour,
                location: entry.location
            )
        }
    }

    func findings(_ node: YAMLNode, directory: URL, account: AccountState) -> [InjectedFinding] {
        guard case .sequence(let entries) = node.content else {
            error("findings must be a list", at: node.location)
            return []
        }
        var injected: [InjectedFinding] = []
        for entry in entries {
            guard
                let fields = walker.fields(
                    entry,
                    allowed: ["at", "every", "count", "file", "inline", "set"],
                    required: ["at"],
                    in: "finding"
                )
            else { continue }
            let at = fields["at"].flatMap { walker.duration($0, "at") } ?? .zero
            let every = fields["every"].flatMap { walker.duration($0, "every") } ?? .zero
            let count = fields["count"].flatMap { walker.integer($0, "count", range: 1...1000) } ?? 1
            var document: JSONValue
            let origin: String
            switch (fields["file"], fields["inline"]) {
            case (let fileNode?, nil):
                guard let relative = walker.string(fileNode, "file") else { continue }
                let path = relative.hasPrefix("/") ? relative : directory.appendingPathComponent(relative).path
                do {
                    document = try JSONParser(limits: .findings).parse(try SourceFile.readBytes(path))
                } catch {
                    self.error("cannot read finding file \(relative): \(error)", at: fileNode.location)
                    continue
                }
                origin = relative
            case (nil, let inline?):
                document = inline.json
                origin = "inline"
            default:
                error("a finding needs exactly one of file or inline", at: entry.location)
                continue
            }
            var overrides: [(path: [String], value: JSONValue, location: SourceLocation)] = []
            if let setNode = fields["set"] {
                guard case .mapping(let pairs) = setNode.content else {
                    error("set must map JSON paths (detail.id) to values", at: setNode.location)
                    continue
                }
                overrides = pairs.map { ($0.key.split(separator: ".").map(String.init), $0.value.json, $0.keyLocation) }
            }
            let width = String(count).count
            for index in 1...count {
                var copy = document
                for override in overrides {
                    let value = Self.substitute(override.value, index: index, width: width, count: count)
                    guard let updated = Self.setting(copy, at: override.path, to: value) else {
                        error(
                            "the finding has no member at '\(override.path.joined(separator: "."))'",
                            at: override.location
                        )
                        break
                    }
                    copy = updated
                }
                if count == 1 { copy = Self.substitute(copy, index: 1, width: 1, count: 1) }
                injected.append(
                    InjectedFinding(
                        at: at + every * (index - 1),
                        document: copy,
                        origin: origin,
                        location: entry.location
                    )
                )
            }
        }
        return injected.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    func expectations(_ node: YAMLNode) -> [Expectation] {
        guard case .sequence(let entries) = node.content else {
            error("expect must be a list of expectations", at: node.location)
            return []
        }
        return entries.compactMap { entry in
            guard let text = walker.string(entry, "expectation") else { return nil }
            switch ExpectationGrammar.parse(text) {
            case .success(let check): return Expectation(text: text, check: check, location: entry.location)
            case .failure(let problem):
                error(problem.message, at: entry.location)
                return nil
            }
        }
    }

    // MARK: Values

    static func substitute(_ value: JSONValue, index: Int, width: Int, count: Int) -> JSONValue {
        switch value {
        case .string(let text) where text.contains("{n}"):
            let number = String(index)
            return .string(
                text.replacingOccurrences(of: "{n}", with: String(repeating: "0", count: width - number.count) + number)
            )
        case .array(let elements):
            return .array(elements.map { substitute($0, index: index, width: width, count: count) })
        case .object(let members):
            return .object(members.mapValues { substitute($0, index: index, width: width, count: count) })
        default: return value
        }
    }

    /// The document with the member at `path` replaced; nil when the path leads nowhere (a typo).
    static func setting(_ document: JSONValue, at path: [String], to value: JSONValue) -> JSONValue? {
        guard let first = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch document {
        case .object(var members):
            let existing: JSONValue? = members[first] ?? (rest.isEmpty ? JSONValue.null : nil)
            guard let child = existing, let updated = setting(child, at: rest, to: value) else { return nil }
            members[first] = updated
            return .object(members)
        case .array(var elements):
            guard let index = Int(first), elements.indices.contains(index),
                let updated = setting(elements[index], at: rest, to: value)
            else { return nil }
            elements[index] = updated
            return .array(elements)
        default:
            return nil
        }
    }

    /// The entries of a list, each `count: N` entry expanded N times with `{n}` substituted.
    func expanded(_ node: YAMLNode?, _ what: String) -> [YAMLNode] {
        guard let node else { return [] }
        guard case .sequence(let entries) = node.content else {
            error("\(what) must be a list", at: node.location)
            return []
        }
        var result: [YAMLNode] = []
        for entry in entries {
            guard case .mapping(let pairs) = entry.content, let countEntry = pairs.first(where: { $0.key == "count" })
            else {
                result.append(entry)
                continue
            }
            guard let count = walker.integer(countEntry.value, "count", range: 1...1000) else { continue }
            let width = String(count).count
            let template = YAMLNode(content: .mapping(pairs.filter { $0.key != "count" }), location: entry.location)
            for index in 1...count { result.append(Self.substitute(template, index: index, width: width)) }
        }
        return result
    }

    static func substitute(_ node: YAMLNode, index: Int, width: Int) -> YAMLNode {
        var copy = node
        switch node.content {
        case .scalar(let text, let value) where text.contains("{n}"):
            let number = String(index)
            let replaced = text.replacingOccurrences(
                of: "{n}",
                with: String(repeating: "0", count: width - number.count) + number
            )
            copy.content = .scalar(text: replaced, value: value.stringValue != nil ? .string(replaced) : value)
        case .sequence(let nodes):
            copy.content = .sequence(nodes.map { substitute($0, index: index, width: width) })
        case .mapping(let entries):
            copy.content = .mapping(
                entries.map {
                    .init(
                        key: $0.key,
                        keyLocation: $0.keyLocation,
                        value: substitute($0.value, index: index, width: width)
                    )
                }
            )
        default:
            break
        }
        return copy
    }

    func identifier(_ node: YAMLNode, _ kind: ResourceIdentifierKind, _ what: String) -> String? {
        guard let text = walker.string(node, what) else { return nil }
        if let problem = kind.problem(with: text) {
            error("\(what): \(problem)", at: node.location)
            return nil
        }
        return text
    }
}
