import Foundation
import RemedyCore

/// Checks a recorded HTTP request against an operation of botocore's service model: method, path and URI labels,
/// query string, headers, and the body as the protocol serialises it (JSON for `rest-json` and `json`, a form for
/// `query`), member by wire name, with required members, types, enums, lengths, ranges and patterns.
///
///     let checker = try BotocoreShapeChecker.named("guardduty.GetFindings")
///     #expect(checker.problems(in: request).isEmpty)
///
/// It answers the question moto cannot for the operations it lacks: would AWS accept the shape of this request?
public struct BotocoreShapeChecker: Sendable {
    public let operation: BotocoreOperation

    public init(_ operation: BotocoreOperation) {
        self.operation = operation
    }

    /// The checker for `Fixtures/botocore-shapes/<qualifiedName>.json` (`securityhub.BatchUpdateFindings`).
    public static func named(_ qualifiedName: String) throws -> BotocoreShapeChecker {
        BotocoreShapeChecker(try BotocoreOperation.named(qualifiedName))
    }

    /// Whether `request` is a call of this operation, conforming or not: the `X-Amz-Target` of the `json` protocol,
    /// the `Action` of the `query` protocol, the method and path template of the rest protocols.
    public func isCall(_ request: RecordedRequest) -> Bool {
        switch operation.wireProtocol {
        case "json":
            return request.header("X-Amz-Target") == "\(operation.targetPrefix ?? "").\(operation.name)"
        case "query", "ec2":
            return FormBody(request.body).first("Action") == operation.name
        default:
            return request.method == operation.method && uriLabels(in: request.path) != nil
        }
    }

    /// Every way `request` differs from what the model allows; empty when it conforms.
    public func problems(in request: RecordedRequest) -> [ShapeProblem] {
        var problems: [ShapeProblem] = []
        switch operation.wireProtocol {
        case "rest-json": checkRESTJSON(request, into: &problems)
        case "json": checkJSON(request, into: &problems)
        case "query": checkQuery(request, into: &problems)
        default:
            problems.append(ShapeProblem("", "the checker does not support the \(operation.wireProtocol) protocol"))
        }
        return problems
    }

    // MARK: - Protocols

    private func checkJSON(_ request: RecordedRequest, into problems: inout [ShapeProblem]) {
        expectPOSTToRoot(request, into: &problems)
        let target = "\(operation.targetPrefix ?? "").\(operation.name)"
        if request.header("X-Amz-Target") != target {
            problems.append(
                ShapeProblem("X-Amz-Target", "is \(request.header("X-Amz-Target") ?? "missing"), expected \(target)")
            )
        }
        let contentType = "application/x-amz-json-\(operation.jsonVersion ?? "1.0")"
        if request.header("Content-Type") != contentType {
            problems.append(
                ShapeProblem(
                    "Content-Type",
                    "is \(request.header("Content-Type") ?? "missing"), expected \(contentType)"
                )
            )
        }
        // botocore sends `{}` for an operation called without parameters; an empty body is not valid JSON.
        guard let body = parseJSONBody(request, into: &problems) else { return }
        check(body, against: operation.input, at: "", into: &problems)
    }

    private func checkQuery(_ request: RecordedRequest, into problems: inout [ShapeProblem]) {
        expectPOSTToRoot(request, into: &problems)
        if request.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") != true {
            problems.append(
                ShapeProblem(
                    "Content-Type",
                    "is \(request.header("Content-Type") ?? "missing"), expected application/x-www-form-urlencoded"
                )
            )
        }
        var form = FormBody(request.body)
        problems += form.problems.map { ShapeProblem("body", $0) }
        for (name, expected) in [("Action", operation.name), ("Version", operation.apiVersion)] {
            let values = form.pairs.filter { $0.name == name }.map(\.value)
            if values != [expected] {
                let found = values.isEmpty ? "missing" : values.joined(separator: ", ")
                problems.append(ShapeProblem(name, "is \(found), expected \(expected)"))
            }
        }
        form.pairs.removeAll { $0.name == "Action" || $0.name == "Version" }
        var tree = FormNode()
        for pair in form.pairs {
            if !tree.insert(
                pair.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init),
                pair.value
            ) {
                problems.append(ShapeProblem(pair.name, "is sent more than once"))
            }
        }
        let value = convert(tree, shape: operation.input, at: "", into: &problems)
        check(value, against: operation.input, at: "", fromText: true, into: &problems)
    }

    private func checkRESTJSON(_ request: RecordedRequest, into problems: inout [ShapeProblem]) {
        if request.method != operation.method {
            problems.append(ShapeProblem("method", "is \(request.method), expected \(operation.method)"))
        }
        let input = operation.input
        let labels = uriLabels(in: request.path)
        if labels == nil {
            problems.append(ShapeProblem("path", "\(request.path) does not match \(operation.requestURI)"))
        }
        var present: Set<String> = []
        for (label, text) in labels ?? [:] {
            guard let member = input.member(wireName: label, at: .uri) else { continue }
            present.insert(member.name)
            check(scalar(text, member.shape, at: member.locationName, into: &problems), member, into: &problems)
        }
        checkQueryString(request, present: &present, into: &problems)
        for member in input.members.values where member.location == .header {
            guard let text = request.header(member.locationName) else { continue }
            present.insert(member.name)
            check(scalar(text, member.shape, at: member.locationName, into: &problems), member, into: &problems)
        }

        let bodyMembers = input.members.values.filter { $0.location == .body }
        var body: JSONValue = [:]
        if request.body.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            if request.header("Content-Type")?.hasPrefix("application/json") != true {
                problems.append(
                    ShapeProblem(
                        "Content-Type",
                        "is \(request.header("Content-Type") ?? "missing") for a JSON body, expected application/json"
                    )
                )
            }
            guard let parsed = parseJSONBody(request, into: &problems) else { return }
            if bodyMembers.isEmpty, parsed != [:] {
                problems.append(ShapeProblem("body", "\(operation.name) takes no body, but one was sent"))
            }
            body = parsed
        }
        guard case .object(let object) = body else { return }
        for (wireName, value) in object {
            guard let member = input.member(wireName: wireName, at: .body) else {
                problems.append(ShapeProblem(wireName, unknownMemberMessage(wireName, in: input, location: .body)))
                continue
            }
            present.insert(member.name)
            check(value, against: member.shape, at: wireName, into: &problems)
        }
        for name in input.required where !present.contains(name) {
            let member = input.members[name]
            let place =
                member.map { $0.location == .body ? "the body" : "the \($0.location.rawValue)" } ?? "the request"
            problems.append(ShapeProblem(member?.locationName ?? name, "required member missing from \(place)"))
        }
    }

    private func checkQueryString(
        _ request: RecordedRequest,
        present: inout Set<String>,
        into problems: inout [ShapeProblem]
    ) {
        let staticItems = operation.requestURI.split(separator: "?", maxSplits: 1).dropFirst().first.map {
            FormBody(query: String($0)).pairs
        }
        let query = request.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let items = FormBody(query: query).pairs
        for item in staticItems ?? [] where !items.contains(where: { $0.name == item.name }) {
            problems.append(ShapeProblem("?\(item.name)", "missing from the query string"))
        }
        var grouped: [String: [String]] = [:]
        for item in items where !(staticItems ?? []).contains(where: { $0.name == item.name }) {
            grouped[item.name, default: []].append(item.value)
        }
        let input = operation.input
        let takesAnyKey = input.members.values.contains { $0.location == .querystring && $0.shape.type == "map" }
        for (name, values) in grouped {
            guard let member = input.member(wireName: name, at: .querystring) else {
                if !takesAnyKey {
                    problems.append(ShapeProblem("?\(name)", "unknown query parameter"))
                }
                continue
            }
            present.insert(member.name)
            let shape = operation.resolve(member.shape)
            if shape.type == "list", let element = shape.member {
                let converted = values.map { scalar($0, element, at: "?\(name)", into: &problems) }
                check(.array(converted), against: shape, at: "?\(name)", fromText: true, into: &problems)
            } else {
                if values.count > 1 { problems.append(ShapeProblem("?\(name)", "is sent more than once")) }
                let value = scalar(values[0], shape, at: "?\(name)", into: &problems)
                check(value, against: shape, at: "?\(name)", fromText: true, into: &problems)
            }
        }
    }

    private func check(_ value: JSONValue, _ member: BotocoreMember, into problems: inout [ShapeProblem]) {
        check(value, against: member.shape, at: member.locationName, fromText: true, into: &problems)
    }

    private func expectPOSTToRoot(_ request: RecordedRequest, into problems: inout [ShapeProblem]) {
        if request.method != "POST" { problems.append(ShapeProblem("method", "is \(request.method), expected POST")) }
        if request.path != "/" { problems.append(ShapeProblem("path", "is \(request.path), expected /")) }
    }

    private func parseJSONBody(_ request: RecordedRequest, into problems: inout [ShapeProblem]) -> JSONValue? {
        do {
            let value = try JSONParser(limits: .init(maximumBytes: 16 << 20, maximumDepth: 256)).parse(request.body)
            guard case .object = value else {
                problems.append(ShapeProblem("body", "is a JSON \(value.kindName), expected an object"))
                return nil
            }
            return value
        } catch {
            problems.append(ShapeProblem("body", "is not JSON (\(error))"))
            return nil
        }
    }

    // MARK: - URI templates

    /// The URI labels of `path` by name when it matches the operation's template (`{DetectorId}` matches one
    /// non-empty segment, `{Key+}` the rest of the path), nil when it does not match.
    public func uriLabels(in path: String) -> [String: String]? {
        let template = String(operation.requestURI.prefix { $0 != "?" })
        let patternSegments = template.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let segments = Array(path.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
        var labels: [String: String] = [:]
        for (index, pattern) in patternSegments.enumerated() {
            // A greedy label is the last segment of a template and takes the rest of the path, slashes included.
            if pattern.hasPrefix("{"), pattern.hasSuffix("+}") {
                let rest = segments.dropFirst(index).joined(separator: "/")
                guard !rest.isEmpty else { return nil }
                labels[String(pattern.dropFirst().dropLast(2))] = rest.removingPercentEncoding ?? rest
                return labels
            }
            guard index < segments.count else { return nil }
            let segment = segments[index]
            if pattern.hasPrefix("{"), pattern.hasSuffix("}") {
                guard !segment.isEmpty else { return nil }
                labels[String(pattern.dropFirst().dropLast())] = segment.removingPercentEncoding ?? String(segment)
            } else if pattern != segment {
                return nil
            }
        }
        return segments.count == patternSegments.count ? labels : nil
    }

    // MARK: - Values

    /// Checks a value in its JSON wire form (the query protocol's form is converted to it first).
    ///
    /// `fromText` marks a value converted from text (a form, a URI label, a header), whose unconvertible scalars
    /// ``scalar(_:_:at:into:)`` has already reported.
    private func check(
        _ value: JSONValue,
        against declared: BotocoreShape,
        at path: String,
        fromText: Bool = false,
        into problems: inout [ShapeProblem]
    ) {
        let shape = operation.resolve(declared)
        func report(_ message: String) { problems.append(ShapeProblem(path, message)) }
        if fromText, case .string = value, ["integer", "long", "float", "double", "boolean"].contains(shape.type) {
            return
        }
        if value == .null {
            report("is null; leave the member out instead")
            return
        }
        switch shape.type {
        case "structure":
            guard case .object(let object) = value else {
                return report("is a \(value.kindName), expected a structure")
            }
            for (wireName, child) in object {
                let childPath = path.isEmpty ? wireName : "\(path).\(wireName)"
                guard let member = shape.member(wireName: wireName, at: .body) else {
                    problems.append(
                        ShapeProblem(childPath, unknownMemberMessage(wireName, in: shape, location: .body))
                    )
                    continue
                }
                check(child, against: member.shape, at: childPath, fromText: fromText, into: &problems)
            }
            // The top level of a rest protocol request checks its own required members across locations.
            if !(path.isEmpty && operation.wireProtocol.hasPrefix("rest-")) {
                for name in shape.required {
                    guard let member = shape.members[name], object[member.locationName] == nil else { continue }
                    let memberPath = path.isEmpty ? member.locationName : "\(path).\(member.locationName)"
                    problems.append(ShapeProblem(memberPath, "required member missing"))
                }
            }
        case "list":
            guard case .array(let elements) = value else { return report("is a \(value.kindName), expected a list") }
            checkRange(Double(elements.count), shape, what: "elements", report: report)
            if let element = shape.member {
                for (index, child) in elements.enumerated() {
                    check(child, against: element, at: "\(path)[\(index)]", fromText: fromText, into: &problems)
                }
            }
        case "map":
            guard case .object(let entries) = value else { return report("is a \(value.kindName), expected a map") }
            checkRange(Double(entries.count), shape, what: "entries", report: report)
            for (key, child) in entries {
                if let keyShape = shape.key {
                    check(.string(key), against: keyShape, at: "\(path){key}", into: &problems)
                }
                if let valueShape = shape.value {
                    check(child, against: valueShape, at: "\(path).\(key)", fromText: fromText, into: &problems)
                }
            }
        case "string":
            guard case .string(let text) = value else { return report("is a \(value.kindName), expected a string") }
            if let allowed = shape.enumValues, !allowed.isEmpty, !allowed.contains(text) {
                report("\"\(text)\" is not one of \(allowed.joined(separator: ", "))")
            }
            checkRange(Double(text.count), shape, what: "characters", report: report)
            if let pattern = shape.pattern, !Self.matches(text, pattern) {
                report("\"\(text)\" does not match the pattern \(pattern)")
            }
        case "integer", "long":
            guard case .number(let number) = value, number.rounded() == number else {
                return report(
                    "is \(value.jsonText()), expected an \(shape.type == "long" ? "integer (long)" : "integer")"
                )
            }
            if shape.type == "integer", !(Double(Int32.min)...Double(Int32.max)).contains(number) {
                report("\(value.jsonText()) does not fit a 32-bit integer")
            }
            checkRange(number, shape, what: nil, report: report)
        case "float", "double":
            guard case .number(let number) = value else { return report("is a \(value.kindName), expected a number") }
            checkRange(number, shape, what: nil, report: report)
        case "boolean":
            guard case .bool = value else { return report("is a \(value.kindName), expected a boolean") }
        case "timestamp":
            switch value {
            case .number: break
            case .string(let text) where Self.isTimestamp(text): break
            default: report("is \(value.jsonText()), expected a timestamp (epoch seconds or ISO 8601)")
            }
        case "blob":
            guard case .string(let text) = value, Data(base64Encoded: text) != nil else {
                return report("is \(value.jsonText()), expected base64 text")
            }
        default:
            report("has the type \(shape.type), which the checker does not know")
        }
    }

    private func checkRange(_ measure: Double, _ shape: BotocoreShape, what: String?, report: (String) -> Void) {
        let unit = what.map { " \($0)" } ?? ""
        let shown = what == nil ? "\(measure)" : "\(Int(measure))\(unit)"
        if let minimum = shape.minimum, measure < minimum {
            report("has \(shown), fewer than the minimum \(Int(minimum))")
        }
        if let maximum = shape.maximum, measure > maximum {
            report("has \(shown), more than the maximum \(Int(maximum))")
        }
    }

    private func unknownMemberMessage(
        _ wireName: String,
        in shape: BotocoreShape,
        location: BotocoreMember.Location
    ) -> String {
        let known = shape.members.values.filter { $0.location == location }.map(\.locationName).sorted()
        if let near = known.first(where: { $0.lowercased() == wireName.lowercased() }) {
            return "unknown member; the wire name is \(near)"
        }
        if let elsewhere = shape.members.values.first(where: { $0.locationName == wireName }) {
            return "belongs in the \(elsewhere.location.rawValue), not the \(location.rawValue)"
        }
        return "unknown member; known: \(known.joined(separator: ", "))"
    }

    /// Whether `text` matches a model pattern anywhere.
    ///
    /// Smithy patterns are ECMA-262 regular expressions and not implicitly anchored. A pattern ICU cannot compile
    /// is not checked.
    static func matches(_ text: String, _ pattern: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return true }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, range: range) != nil
    }

    static func isTimestamp(_ text: String) -> Bool {
        let formatter = ISO8601DateFormatter()
        if formatter.date(from: text) != nil { return true }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) != nil
    }

    // MARK: - Query protocol form

    /// Converts the form parameters under `node` to the JSON wire form of `declared`, reporting names that do not
    /// follow the query protocol's serialisation (`Name.member.N`, `Name.entry.N.key`, `Struct.Member`).
    private func convert(
        _ node: FormNode,
        shape declared: BotocoreShape,
        at path: String,
        into problems: inout [ShapeProblem]
    ) -> JSONValue {
        let shape = operation.resolve(declared)
        func report(_ message: String) { problems.append(ShapeProblem(path, message)) }
        switch shape.type {
        case "structure":
            if node.value != nil { report("is a structure; send its members as \(path).<Member>") }
            var object: [String: JSONValue] = [:]
            for (segment, child) in node.children {
                let childPath = path.isEmpty ? segment : "\(path).\(segment)"
                guard let member = shape.member(wireName: segment, at: .body) else {
                    problems.append(ShapeProblem(childPath, unknownMemberMessage(segment, in: shape, location: .body)))
                    continue
                }
                object[member.locationName] = convert(child, shape: member.shape, at: childPath, into: &problems)
            }
            return .object(object)
        case "list":
            // botocore sends an empty list as `Name=` with no elements.
            if node.children.isEmpty, node.value == "" { return [] }
            if node.value != nil {
                report("is a list; send its elements as \(path).\(shape.memberLocationName ?? "member").N")
            }
            let elements =
                shape.isFlattened ? node : descend(node, into: shape.memberLocationName ?? "member", path, &problems)
            guard let elements, let element = shape.member else { return [] }
            return .array(
                indexed(elements, at: path, into: &problems).map { index, child in
                    convert(
                        child,
                        shape: element,
                        at: "\(path).\(shape.isFlattened ? "" : "member.")\(index)",
                        into: &problems
                    )
                }
            )
        case "map":
            guard let entries = shape.isFlattened ? node : descend(node, into: "entry", path, &problems) else {
                return [:]
            }
            let keyName = shape.keyLocationName ?? "key"
            let valueName = shape.valueLocationName ?? "value"
            var object: [String: JSONValue] = [:]
            for (index, entry) in indexed(entries, at: path, into: &problems) {
                let entryPath = "\(path).entry.\(index)"
                guard let key = entry.children[keyName]?.value else {
                    problems.append(ShapeProblem(entryPath, "has no .\(keyName)"))
                    continue
                }
                for name in entry.children.keys where name != keyName && name != valueName {
                    problems.append(
                        ShapeProblem("\(entryPath).\(name)", "a map entry has only .\(keyName) and .\(valueName)")
                    )
                }
                if let value = entry.children[valueName], let valueShape = shape.value {
                    object[key] = convert(value, shape: valueShape, at: "\(entryPath).\(valueName)", into: &problems)
                }
            }
            return .object(object)
        default:
            if !node.children.isEmpty {
                let names = node.children.keys.sorted().map { "\(path).\($0)" }.joined(separator: ", ")
                report("is a \(shape.type), but \(names) was sent")
            }
            return scalar(node.value ?? "", shape, at: path, into: &problems)
        }
    }

    private func descend(
        _ node: FormNode,
        into segment: String,
        _ path: String,
        _ problems: inout [ShapeProblem]
    ) -> FormNode? {
        for other in node.children.keys where other != segment {
            problems.append(
                ShapeProblem("\(path).\(other)", "the query protocol nests these elements under \(path).\(segment).N")
            )
        }
        return node.children[segment]
    }

    /// The children of a list or map node in index order; indices other than 1 through n are reported.
    private func indexed(
        _ node: FormNode,
        at path: String,
        into problems: inout [ShapeProblem]
    ) -> [(Int, FormNode)] {
        var result: [(Int, FormNode)] = []
        for (segment, child) in node.children {
            guard let index = Int(segment), index >= 1 else {
                problems.append(ShapeProblem("\(path).\(segment)", "expected an index 1, 2, ..."))
                continue
            }
            result.append((index, child))
        }
        result.sort { $0.0 < $1.0 }
        if result.map(\.0) != Array(1..<(result.count + 1)) {
            problems.append(ShapeProblem(path, "indices \(result.map(\.0)) are not 1...\(result.count)"))
        }
        return result
    }

    /// A text value (URI label, header, query or form parameter) as the JSON value of its shape's type.
    private func scalar(
        _ text: String,
        _ declared: BotocoreShape,
        at path: String,
        into problems: inout [ShapeProblem]
    ) -> JSONValue {
        let shape = operation.resolve(declared)
        switch shape.type {
        case "integer", "long":
            guard let number = Int64(text) else {
                problems.append(ShapeProblem(path, "\"\(text)\" is not an integer"))
                return .string(text)
            }
            return .number(Double(number))
        case "float", "double":
            guard let number = Double(text) else {
                problems.append(ShapeProblem(path, "\"\(text)\" is not a number"))
                return .string(text)
            }
            return .number(number)
        case "boolean":
            guard text == "true" || text == "false" else {
                problems.append(ShapeProblem(path, "\"\(text)\" is not true or false"))
                return .string(text)
            }
            return .bool(text == "true")
        default:
            return .string(text)
        }
    }
}

/// One way a request differs from the model: where (a wire path such as `FindingIdentifiers[0].Id`,
/// `ActionNames.member.1`, `X-Amz-Target`) and what.
public struct ShapeProblem: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// The form parameters under one dotted prefix, as a tree of name segments.
struct FormNode {
    var value: String?
    var children: [String: FormNode] = [:]

    /// Adds a parameter; false when it was already there.
    mutating func insert(_ segments: [String], _ text: String) -> Bool {
        guard let first = segments.first else {
            guard value == nil else { return false }
            value = text
            return true
        }
        return children[first, default: FormNode()].insert(Array(segments.dropFirst()), text)
    }
}
