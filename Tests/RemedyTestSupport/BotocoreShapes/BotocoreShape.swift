import RemedyCore

/// One shape of a botocore service model, as `scripts/extract_botocore_shapes.py` writes it: a type with its
/// constraints, and for aggregates the shapes inside.
public final class BotocoreShape: Sendable {
    /// The model's shape name (`FindingIdentifierList`).
    public let name: String
    /// `structure`, `list`, `map`, `string`, `integer`, `long`, `float`, `double`, `boolean`, `timestamp`, `blob`.
    public let type: String
    /// Member names (not wire names) that must be present.
    public let required: [String]
    /// Members by member name.
    public let members: [String: BotocoreMember]
    /// A list's element shape.
    public let member: BotocoreShape?
    /// A list element's wire name in the query protocol (`member` when nil).
    public let memberLocationName: String?
    public let key: BotocoreShape?
    public let value: BotocoreShape?
    public let keyLocationName: String?
    public let valueLocationName: String?
    public let enumValues: [String]?
    /// Length for strings, element count for lists and maps, value for numbers.
    public let minimum: Double?
    public let maximum: Double?
    public let pattern: String?
    public let isFlattened: Bool
    /// The member name sent as the whole HTTP body (rest protocols), if any.
    public let payload: String?
    /// Set when this shape is already being expanded above: check against the shape of that name instead.
    public let recursiveReference: String?

    init(_ document: JSONValue, at path: String) throws(BotocoreShapeError) {
        guard let type = document["type"]?.stringValue else {
            throw BotocoreShapeError("\(path): a shape without a type")
        }
        self.type = type
        name = document["shape"]?.stringValue ?? ""
        required = document["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var members: [String: BotocoreMember] = [:]
        for (memberName, entry) in document["members"]?.objectValue ?? [:] {
            members[memberName] = try BotocoreMember(name: memberName, entry, at: "\(path).\(memberName)")
        }
        self.members = members
        member = try document["member"].map { (child) throws(BotocoreShapeError) in
            try BotocoreShape(child, at: "\(path)[]")
        }
        key = try document["key"].map { (child) throws(BotocoreShapeError) in
            try BotocoreShape(child, at: "\(path){key}")
        }
        value = try document["value"].map { (child) throws(BotocoreShapeError) in
            try BotocoreShape(child, at: "\(path){value}")
        }
        memberLocationName = document["memberLocationName"]?.stringValue
        keyLocationName = document["keyLocationName"]?.stringValue
        valueLocationName = document["valueLocationName"]?.stringValue
        enumValues = document["enum"]?.arrayValue?.compactMap(\.stringValue)
        minimum = document["min"]?.doubleValue
        maximum = document["max"]?.doubleValue
        pattern = document["pattern"]?.stringValue
        isFlattened = document["flattened"]?.boolValue ?? false
        payload = document["payload"]?.stringValue
        recursiveReference = document["recursiveRef"]?.stringValue
    }

    /// The member whose wire name is `wireName` among those at `location`.
    func member(wireName: String, at location: BotocoreMember.Location) -> BotocoreMember? {
        members.values.first { $0.location == location && $0.locationName == wireName }
    }

    /// Every expanded shape in this tree by name, for resolving recursive references.
    func collect(into table: inout [String: BotocoreShape]) {
        guard recursiveReference == nil else { return }
        if table[name] == nil, !name.isEmpty { table[name] = self }
        for child in members.values { child.shape.collect(into: &table) }
        for child in [member, key, value].compactMap({ $0 }) { child.collect(into: &table) }
    }
}

/// A structure member: its wire name, where in the request it goes, and its shape.
public struct BotocoreMember: Sendable {
    public enum Location: String, Sendable {
        case body
        case uri
        case querystring
        case header
        case headers
    }

    /// The member name in the model (`FindingIds`).
    public let name: String
    /// The name on the wire (`findingIds`): the model's `locationName`, else the member name.
    public let locationName: String
    public let location: Location
    public let shape: BotocoreShape

    init(name: String, _ entry: JSONValue, at path: String) throws(BotocoreShapeError) {
        self.name = name
        locationName = entry["locationName"]?.stringValue ?? name
        let rawLocation = entry["location"]?.stringValue ?? "body"
        guard let location = Location(rawValue: rawLocation) else {
            throw BotocoreShapeError("\(path): unknown location \(rawLocation)")
        }
        self.location = location
        guard let value = entry["value"] else { throw BotocoreShapeError("\(path): a member without a shape") }
        shape = try BotocoreShape(value, at: path)
    }
}

/// One operation of a botocore model: protocol, HTTP binding and input shape.
public struct BotocoreOperation: Sendable {
    /// `guardduty`, `iam`, `elbv2`.
    public let service: String
    /// `GetFindings`.
    public let name: String
    /// `rest-json`, `json`, `query`, `rest-xml`, `ec2`.
    public let wireProtocol: String
    public let apiVersion: String
    public let signingName: String
    public let method: String
    /// The request URI template, query part included (`/detector/{DetectorId}/findings/get`).
    public let requestURI: String
    public let jsonVersion: String?
    public let targetPrefix: String?
    public let input: BotocoreShape
    let shapesByName: [String: BotocoreShape]

    /// `service.Operation`, the name of its file under `Fixtures/botocore-shapes`.
    public var qualifiedName: String { "\(service).\(name)" }

    public init(_ document: JSONValue) throws(BotocoreShapeError) {
        guard let service = document["service"]?.stringValue, let name = document["operation"]?.stringValue,
            let wireProtocol = document["protocol"]?.stringValue, let input = document["input"]
        else { throw BotocoreShapeError("not an operation document: service, operation, protocol or input missing") }
        self.service = service
        self.name = name
        self.wireProtocol = wireProtocol
        apiVersion = document["apiVersion"]?.stringValue ?? ""
        signingName = document["signingName"]?.stringValue ?? service
        method = document["http"]?["method"]?.stringValue ?? "POST"
        requestURI = document["http"]?["requestUri"]?.stringValue ?? "/"
        jsonVersion = document["jsonVersion"]?.stringValue
        targetPrefix = document["targetPrefix"]?.stringValue
        self.input = try BotocoreShape(input, at: "input")
        var table: [String: BotocoreShape] = [:]
        self.input.collect(into: &table)
        shapesByName = table
    }

    /// The operation in `Fixtures/botocore-shapes/<qualifiedName>.json`.
    public static func named(_ qualifiedName: String) throws -> BotocoreOperation {
        let bytes = try Repository.bytes("Fixtures/botocore-shapes/\(qualifiedName).json")
        return try BotocoreOperation(JSONParser(limits: .init(maximumBytes: 8 << 20, maximumDepth: 256)).parse(bytes))
    }

    /// `shape` itself, or the shape its recursive reference names.
    func resolve(_ shape: BotocoreShape) -> BotocoreShape {
        guard let reference = shape.recursiveReference else { return shape }
        return shapesByName[reference] ?? shape
    }
}

/// Why a shape file could not be read.
public struct BotocoreShapeError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }
}
