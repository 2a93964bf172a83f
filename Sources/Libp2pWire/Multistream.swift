/// multistream-select 1.0 (`/multistream/1.0.0`): each message is a varint length, the text and
/// a newline. The dialer sends the header and the protocol it wants; the listener echoes both,
/// or answers `na` for a protocol it does not speak.
public enum Multistream {
    public static let header = "/multistream/1.0.0"
    public static let notAvailable = "na"
    /// Longest message natctl accepts (the spec's limit is 64 KiB; protocol IDs are short).
    public static let maximumLength = 1024

    public static func message(_ text: String) -> [UInt8] {
        let body = Array(text.utf8) + [0x0A]
        return Varint.encode(UInt64(body.count)) + body
    }

    /// The first message in `buffer` and the bytes it took; nil when incomplete. Throws when it
    /// is too long, lacks its newline or is not UTF-8.
    public static func parse(_ buffer: [UInt8]) throws(Libp2pDecodeError) -> (text: String, length: Int)? {
        let place = "multistream-select message"
        guard let (length, lengthLength) = try Varint.decode(buffer, place: place) else { return nil }
        guard length > 0, length <= UInt64(maximumLength) else { throw Libp2pDecodeError(place, "length \(length) is out of range") }
        guard buffer.count >= lengthLength + Int(length) else { return nil }
        let body = buffer[lengthLength..<(lengthLength + Int(length))]
        guard body.last == 0x0A, let text = String(validating: body.dropLast(), as: UTF8.self) else {
            throw Libp2pDecodeError(place, "not a line of UTF-8 text")
        }
        return (text, lengthLength + Int(length))
    }
}
