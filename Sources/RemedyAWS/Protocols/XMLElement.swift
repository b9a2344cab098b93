import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

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

    /// All children named `name`.
    public func all(_ name: String) -> [AWSXMLElement] { children.filter { $0.name == name } }

    /// The `<item>` (EC2) or `<member>` (query) children of the list element at `path`.
    public func list(_ path: String...) -> [AWSXMLElement] {
        var element: AWSXMLElement? = self
        for name in path { element = element?[name] }
        return element?.children.filter { $0.name == "item" || $0.name == "member" } ?? []
    }

    /// Parses an XML document; throws on anything that is not well-formed XML.
    public static func parse(_ bytes: [UInt8]) throws(XMLParseError) -> AWSXMLElement {
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw XMLParseError(
                message: parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element",
                line: parser.lineNumber
            )
        }
        return root
    }
}

/// Why a body could not be read as XML.
public struct XMLParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var description: String { "invalid XML at line \(line): \(message)" }
}

/// Builds the element tree from parser callbacks; only ever used by one parse on one thread.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [AWSXMLElement] = []
    var root: AWSXMLElement?

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        stack.append(AWSXMLElement(name: elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(
        _ parser: XMLParser,
        didEndElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?
    ) {
        guard var element = stack.popLast() else { return }
        // Elements with children carry only formatting white space as text.
        if !element.children.isEmpty { element.text = "" }
        if stack.isEmpty {
            root = element
        } else {
            stack[stack.count - 1].children.append(element)
        }
    }
}
