/// An element of an XML response: name, text and children, which is all the AWS XML protocols use.
public struct AWSXMLElement: Sendable, Hashable {
    public var name: String
    public var text: String
    public var children: [AWSXMLElement]

    public init(name: String, text: String = "", children: [AWSXMLElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child named `name`.
    public subscript(_ name: String) -> AWSXMLElement? { children.first { $0.name == name } }

    /// The text of the child at `path`, or nil when any step is missing.
    public func string(_ path: String...) -> String? {
        var element: AWSXMLElement? = self
        for name in path { element = element?[name] }
        return element?.text
    }

    /// The text of each child of `names` there is, by name.
    public func strings(_ names: [String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: names.compactMap { name in string(name).map { (name, $0) } })
    }

    /// All children named `name`.
    public func all(_ name: String) -> [AWSXMLElement] { children.filter { $0.name == name } }

    /// The `<item>` (EC2) or `<member>` (query) children of the list element at `path`.
    public func list(_ path: String...) -> [AWSXMLElement] {
        var element: AWSXMLElement? = self
        for name in path { element = element?[name] }
        return element?.children.filter { $0.name == "item" || $0.name == "member" } ?? []
    }

    /// Parses an XML document; throws on anything that is not well-formed XML (see `XMLReader` for what is read).
    public static func parse(_ bytes: [UInt8]) throws(XMLParseError) -> AWSXMLElement {
        var reader = XMLReader(bytes)
        return try reader.readDocument()
    }
}

/// Why a body could not be read as XML.
public struct XMLParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var description: String { "invalid XML at line \(line): \(message)" }
}
