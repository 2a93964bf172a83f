/// A cursor over the document's bytes; every move is bounds-checked.
struct XMLScanner {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }

    /// Consumes `literal` when the input continues with it.
    mutating func skip(_ literal: String) -> Bool {
        let utf8 = Array(literal.utf8)
        guard bytes.count - index >= utf8.count, bytes[index..<(index + utf8.count)].elementsEqual(utf8) else { return false }
        index += utf8.count
        return true
    }

    /// Everything up to (not including) `byte`, or to the end.
    mutating func take(until byte: UInt8) -> ArraySlice<UInt8> {
        let end = bytes[index...].firstIndex(of: byte) ?? bytes.count
        defer { index = end }
        return bytes[index..<end]
    }

    /// Everything up to `terminator`, which is consumed; an error when it never comes.
    mutating func take(until terminator: String, what: String) throws(UPnPDecodeError) -> ArraySlice<UInt8> {
        let utf8 = Array(terminator.utf8)
        var search = index
        while search + utf8.count <= bytes.count {
            if bytes[search] == utf8[0], bytes[search..<(search + utf8.count)].elementsEqual(utf8) {
                defer { index = search + utf8.count }
                return bytes[index..<search]
            }
            search += 1
        }
        throw UPnPDecodeError(XMLReader.place, "unterminated \(what)")
    }

    mutating func skipPast(_ terminator: String, what: String) throws(UPnPDecodeError) {
        _ = try take(until: terminator, what: what)
    }

    mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    /// An XML name: everything up to whitespace, '/', '>', '=' or a quote.
    mutating func takeName() -> String {
        let start = index
        while let byte = peek, !(byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D),
            byte != UInt8(ascii: "/"), byte != UInt8(ascii: ">"), byte != UInt8(ascii: "="),
            byte != UInt8(ascii: "\""), byte != UInt8(ascii: "'"), byte != UInt8(ascii: "<")
        {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }
}
