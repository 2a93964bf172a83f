/// An HTTP/1.1 response as a gateway's web server sends it (RFC 9112): enough for UPnP's device
/// description GET and SOAP POSTs, which we send with `Connection: close`.
///
/// The parser is incremental: a client feeds everything read so far and gets nil until the
/// message is complete. Everything is bounded by `maximumSize` so a hostile or broken router
/// cannot make us buffer without end.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    /// The largest response accepted, head and body: real IGD descriptions are a few KiB.
    public static let maximumSize = 256 * 1024
    /// The largest head (status line and headers).
    static let maximumHeadSize = 16 * 1024
    static let place = "HTTP response"

    public init(status: Int, reason: String = "", headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// Parses `bytes`, everything received so far.
    /// - Parameter connectionClosed: the peer closed, so no more bytes come: a body without a
    ///   length ends here, and an incomplete message is an error rather than "wait for more".
    /// - Returns: the response, or nil when more bytes are needed.
    public static func parse(_ bytes: [UInt8], connectionClosed: Bool) throws(UPnPDecodeError) -> HTTPResponse? {
        guard bytes.count <= maximumSize else { throw UPnPDecodeError(place, "larger than \(maximumSize) bytes") }
        guard let headEnd = endOfHead(in: bytes) else {
            if bytes.count > maximumHeadSize { throw UPnPDecodeError(place, "headers longer than \(maximumHeadSize) bytes") }
            if connectionClosed { throw UPnPDecodeError(place, bytes.isEmpty ? "connection closed without an answer" : "connection closed inside the headers") }
            return nil
        }
        guard headEnd.head <= maximumHeadSize else { throw UPnPDecodeError(place, "headers longer than \(maximumHeadSize) bytes") }
        let (status, reason, headers) = try HTTPHeaders.parseResponseHead(bytes[..<headEnd.head], place: "HTTP status line")
        let rest = bytes[headEnd.body...]
        var response = HTTPResponse(status: status, reason: reason, headers: headers)
        if status < 200 || status == 204 || status == 304 { return response }
        if let coding = headers["Transfer-Encoding"], coding.lowercased().contains("chunked") {
            guard let body = try ChunkedBody.decode(rest, connectionClosed: connectionClosed) else { return nil }
            response.body = body
        } else if let lengthText = headers["Content-Length"] {
            guard let length = Int(lengthText.trimmedWhitespace), length >= 0 else {
                throw UPnPDecodeError("HTTP headers", "Content-Length \(lengthText.quotedForError) is not a number")
            }
            guard length <= maximumSize else { throw UPnPDecodeError("HTTP headers", "Content-Length \(length) exceeds \(maximumSize) bytes") }
            guard rest.count >= length else {
                if connectionClosed { throw UPnPDecodeError("HTTP body", "connection closed after \(rest.count) of \(length) bytes") }
                return nil
            }
            response.body = Array(rest.prefix(length))
        } else {
            // No length: the body runs to the close (RFC 9112 §6.3 rule 8).
            guard connectionClosed else { return nil }
            response.body = Array(rest)
        }
        return response
    }

    /// Where the blank line ending the head is: the head's end and the body's start.
    static func endOfHead(in bytes: [UInt8]) -> (head: Int, body: Int)? {
        let newline = UInt8(ascii: "\n")
        var index = bytes.startIndex
        while let found = bytes[index...].firstIndex(of: newline) {
            let next = found + 1
            if next < bytes.endIndex, bytes[next] == newline { return (found, next + 1) }
            if next + 1 < bytes.endIndex, bytes[next] == UInt8(ascii: "\r"), bytes[next + 1] == newline { return (found, next + 2) }
            index = next
        }
        return nil
    }
}

/// Chunked transfer coding (RFC 9112 §7.1): hex size lines, data, a zero chunk, trailers.
enum ChunkedBody {
    static func decode(_ bytes: ArraySlice<UInt8>, connectionClosed: Bool) throws(UPnPDecodeError) -> [UInt8]? {
        var body: [UInt8] = []
        var index = bytes.startIndex
        func incomplete() throws(UPnPDecodeError) -> [UInt8]? {
            if connectionClosed { throw UPnPDecodeError("HTTP chunked body", "connection closed inside the body") }
            return nil
        }
        while true {
            guard let lineEnd = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return try incomplete() }
            let line = String(decoding: bytes[index..<lineEnd], as: UTF8.self).trimmedWhitespace
            let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map { String($0).trimmedWhitespace } ?? ""
            guard sizeText.count <= 8, let size = Int(sizeText, radix: 16), size >= 0 else {
                throw UPnPDecodeError("HTTP chunked body", "chunk size \(sizeText.quotedForError) is not hex")
            }
            guard body.count + size <= HTTPResponse.maximumSize else {
                throw UPnPDecodeError("HTTP chunked body", "larger than \(HTTPResponse.maximumSize) bytes")
            }
            index = lineEnd + 1
            if size == 0 { return try skipTrailers(bytes[index...]) ? body : incomplete() }
            guard bytes.endIndex - index >= size else { return try incomplete() }
            body += bytes[index..<(index + size)]
            index += size
            // The CRLF after the data.
            guard let after = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return try incomplete() }
            guard bytes[index..<after].allSatisfy({ $0 == UInt8(ascii: "\r") }) else {
                throw UPnPDecodeError("HTTP chunked body", "chunk data longer than its size \(size)")
            }
            index = after + 1
        }
    }

    /// Whether the trailer section (header lines up to a blank line) is complete.
    private static func skipTrailers(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        while let lineEnd = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) {
            if bytes[index..<lineEnd].allSatisfy({ $0 == UInt8(ascii: "\r") }) { return true }
            index = lineEnd + 1
        }
        return false
    }
}
