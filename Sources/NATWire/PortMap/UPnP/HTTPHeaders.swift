/// HTTP header fields in arrival order, looked up case-insensitively (RFC 9110 §5.1): SSDP
/// answers and routers' HTTP servers spell "LOCATION", "Location" and "location" alike.
public struct HTTPHeaders: Sendable, Equatable {
    public private(set) var fields: [Field]

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { Field(name: $0.0, value: $0.1) }
    }

    /// The first value of `name`, any case.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    mutating func append(_ name: String, _ value: String) { fields.append(Field(name: name, value: value)) }

    mutating func extendLast(with continuation: String) {
        guard !fields.isEmpty else { return }
        fields[fields.count - 1].value += " " + continuation
    }

    /// Parses a status line and header lines (LF or CRLF ends) of an HTTP/1.x response.
    /// - Returns: the status code, reason phrase and fields.
    static func parseResponseHead(_ head: ArraySlice<UInt8>, place: String) throws(UPnPDecodeError) -> (status: Int, reason: String, headers: HTTPHeaders) {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let statusLine = lines.first else { throw UPnPDecodeError(place, "empty message") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]), status >= 100 else {
            throw UPnPDecodeError(place, "status line \(statusLine.quotedForError) is not 'HTTP/1.x NNN reason'")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            if line.first == " " || line.first == "\t" {
                headers.extendLast(with: line.trimmedWhitespace)
                continue
            }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw UPnPDecodeError(place, "header line \(line.quotedForError) has no 'name:'")
            }
            headers.append(String(line[..<colon]).trimmedWhitespace, String(line[line.index(after: colon)...]).trimmedWhitespace)
        }
        return (status, parts.count > 2 ? String(parts[2]) : "", headers)
    }
}
