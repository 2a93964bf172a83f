/// A small, tolerant, non-validating XML reader for what UPnP gateways send. It keeps
/// elements, attributes and text; decodes the five predefined entities and numeric character
/// references; passes CDATA through; skips the XML declaration, processing instructions,
/// comments and DOCTYPE. Unknown entities stay as written (routers emit `&nbsp;`).
///
/// It never traps: malformed input is a `UPnPDecodeError`, and nesting deeper than
/// `maximumDepth` is refused (no UPnP document nests past about 10).
public enum XMLReader {
    public static let maximumDepth = 32
    static let place = "XML"

    /// Parses a whole document into its root element.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = maximumDepth) throws(UPnPDecodeError) -> XMLElement {
        var scanner = XMLScanner(bytes: bytes)
        var stack: [XMLElement] = []
        var root: XMLElement?
        while !scanner.atEnd {
            if scanner.peek != UInt8(ascii: "<") {
                let text = decodeEntities(scanner.take(until: UInt8(ascii: "<")))
                if var top = stack.popLast() {
                    top.text += text
                    stack.append(top)
                } else if !text.trimmedWhitespace.isEmpty {
                    throw UPnPDecodeError(place, "text \(text.trimmedWhitespace.quotedForError) outside the root element")
                }
                continue
            }
            if scanner.skip("<?") {
                try scanner.skipPast("?>", what: "processing instruction")
            } else if scanner.skip("<!--") {
                try scanner.skipPast("-->", what: "comment")
            } else if scanner.skip("<![CDATA[") {
                let data = try scanner.take(until: "]]>", what: "CDATA section")
                guard var top = stack.popLast() else { throw UPnPDecodeError(place, "CDATA outside the root element") }
                top.text += String(decoding: data, as: UTF8.self)
                stack.append(top)
            } else if scanner.skip("<!") {
                try scanner.skipPast(">", what: "declaration")
            } else if scanner.skip("</") {
                let name = String(decoding: try scanner.take(until: ">", what: "end tag"), as: UTF8.self).trimmedWhitespace
                guard let closed = stack.popLast() else { throw UPnPDecodeError(place, "end tag </\(name)> without a start tag") }
                guard closed.qualifiedName == name else {
                    throw UPnPDecodeError(place, "end tag </\(name)> closes <\(closed.qualifiedName)>")
                }
                try attach(closed, to: &stack, root: &root)
            } else {
                scanner.index += 1
                let (element, selfClosing) = try readStartTag(&scanner)
                if selfClosing {
                    try attach(element, to: &stack, root: &root)
                } else {
                    guard stack.count < maximumDepth else { throw UPnPDecodeError(place, "elements nested deeper than \(maximumDepth)") }
                    stack.append(element)
                }
            }
        }
        if let open = stack.last { throw UPnPDecodeError(place, "document ends inside <\(open.qualifiedName)>") }
        guard let root else { throw UPnPDecodeError(place, "no root element") }
        return root
    }

    private static func attach(_ element: XMLElement, to stack: inout [XMLElement], root: inout XMLElement?) throws(UPnPDecodeError) {
        if var parent = stack.popLast() {
            parent.children.append(element)
            stack.append(parent)
        } else {
            guard root == nil else { throw UPnPDecodeError(place, "a second root element <\(element.qualifiedName)>") }
            root = element
        }
    }

    /// Reads `name attr="v" ...>` or `.../>` after the `<`.
    private static func readStartTag(_ scanner: inout XMLScanner) throws(UPnPDecodeError) -> (XMLElement, Bool) {
        let name = scanner.takeName()
        guard !name.isEmpty else { throw UPnPDecodeError(place, "a '<' not followed by a name") }
        var attributes: [String: String] = [:]
        while true {
            scanner.skipWhitespace()
            guard !scanner.atEnd else { throw UPnPDecodeError(place, "document ends inside the tag <\(name)") }
            if scanner.skip("/>") { return (XMLElement(qualifiedName: name, attributes: attributes), true) }
            if scanner.skip(">") { return (XMLElement(qualifiedName: name, attributes: attributes), false) }
            let attribute = scanner.takeName()
            scanner.skipWhitespace()
            guard !attribute.isEmpty, scanner.skip("=") else { throw UPnPDecodeError(place, "malformed attribute in <\(name)>") }
            scanner.skipWhitespace()
            guard let quote = scanner.peek, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw UPnPDecodeError(place, "attribute \(attribute) in <\(name)> is not quoted")
            }
            scanner.index += 1
            let raw = try scanner.take(until: String(UnicodeScalar(quote)), what: "attribute value")
            attributes[attribute] = decodeEntities(raw)
        }
    }

    /// Replaces `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#NN;` / `&#xHH;`; anything else stays.
    static func decodeEntities(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let afterAmp = rest[rest.index(after: amp)...]
            guard let semicolon = afterAmp.prefix(12).firstIndex(of: ";") else {
                result += "&"
                rest = afterAmp
                continue
            }
            let entity = afterAmp[..<semicolon]
            if let replacement = entityValue(entity) {
                result += replacement
            } else {
                result += "&" + entity + ";"
            }
            rest = afterAmp[afterAmp.index(after: semicolon)...]
        }
        return result + rest
    }

    private static func entityValue(_ entity: Substring) -> String? {
        switch entity {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard entity.hasPrefix("#") else { return nil }
            let digits = entity.dropFirst()
            let number = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            return number.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        }
    }

    /// Escapes text for an element's content or an attribute value.
    public static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
