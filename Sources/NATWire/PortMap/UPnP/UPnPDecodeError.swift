/// Why a UPnP-side message (SSDP answer, HTTP response, XML document, SOAP envelope, URL) did
/// not decode: the place names the message and part, the reason says what was wrong, so a
/// report can say "HTTP body: chunk size 'zz' is not hex" rather than "bad answer".
public struct UPnPDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message and part, e.g. "HTTP status line", "XML", "device description".
    public var place: String
    public var reason: String

    public init(_ place: String, _ reason: String) {
        self.place = place
        self.reason = reason
    }

    public var description: String { "\(place): \(reason)" }
}

extension String {
    /// Trims spaces, tabs, CR and LF (Foundation-free). Checks scalars: "\r\n" is one Character.
    var trimmedWhitespace: String {
        let isSpace: (Character) -> Bool = { $0.unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" } }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }

    /// Quotes a value from the wire for an error message, cut so a hostile peer cannot flood it.
    var quotedForError: String {
        let cut = prefix(40)
        return "'\(cut)\(cut.count < count ? "…" : "")'"
    }
}
