/// One element of a parsed XML document: enough structure for UPnP device descriptions and
/// SOAP envelopes, where names matter without their namespace prefixes (routers write
/// `<s:Envelope>`, `<SOAP-ENV:Envelope>` and `<u:GetExternalIPAddressResponse>` alike).
public struct XMLElement: Sendable, Equatable {
    /// The name without its prefix: `Envelope` for `s:Envelope`.
    public var name: String
    /// The name as written, prefix included.
    public var qualifiedName: String
    /// Attributes by their written name.
    public var attributes: [String: String]
    public var children: [XMLElement]
    /// The element's own character data (entities decoded, CDATA included), not its children's.
    public var text: String

    public init(qualifiedName: String, attributes: [String: String] = [:], children: [XMLElement] = [], text: String = "") {
        self.qualifiedName = qualifiedName
        self.name = qualifiedName.split(separator: ":").last.map(String.init) ?? qualifiedName
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// `text` without surrounding whitespace: how UPnP values are read.
    public var value: String { text.trimmedWhitespace }

    /// The first child with this local name.
    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// Every child with this local name.
    public func children(named name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The first element with this local name below this one, depth first.
    public func firstDescendant(_ name: String) -> XMLElement? {
        for child in children {
            if child.name == name { return child }
            if let found = child.firstDescendant(name) { return found }
        }
        return nil
    }
}
