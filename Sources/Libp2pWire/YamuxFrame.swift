/// One yamux frame (yamux spec, `/yamux/1.0.0`): a 12-byte header (version 0, type, flags,
/// stream ID, length) and, for Data frames, `length` bytes of data. For WindowUpdate the length
/// is the window increment; for Ping an opaque value; for GoAway an error code.
public struct YamuxFrame: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case data = 0, windowUpdate = 1, ping = 2, goAway = 3
    }

    public struct Flags: OptionSet, Equatable, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let syn = Flags(rawValue: 1)
        public static let ack = Flags(rawValue: 2)
        public static let fin = Flags(rawValue: 4)
        public static let rst = Flags(rawValue: 8)
    }

    public static let headerLength = 12
    public var kind: Kind
    public var flags: Flags
    public var streamID: UInt32
    public var length: UInt32
    public var data: [UInt8]

    public init(_ kind: Kind, flags: Flags = [], streamID: UInt32, length: UInt32 = 0, data: [UInt8] = []) {
        self.kind = kind
        self.flags = flags
        self.streamID = streamID
        self.length = kind == .data ? UInt32(data.count) : length
        self.data = data
    }

    public var encoded: [UInt8] {
        [0, kind.rawValue, UInt8(flags.rawValue >> 8), UInt8(flags.rawValue & 0xFF)] + Self.bigEndian(streamID) + Self.bigEndian(length) + data
    }

    /// The first frame in `buffer` and the bytes it took; nil when incomplete. Throws on a bad
    /// version or type, or a Data frame longer than `maximumData`.
    public static func parse(_ buffer: [UInt8], maximumData: Int) throws(Libp2pDecodeError) -> (frame: YamuxFrame, length: Int)? {
        guard buffer.count >= headerLength else { return nil }
        let place = "yamux frame"
        guard buffer[0] == 0 else { throw Libp2pDecodeError(place, "version \(buffer[0]), not 0") }
        guard let kind = Kind(rawValue: buffer[1]) else { throw Libp2pDecodeError(place, "unknown type \(buffer[1])") }
        let flags = Flags(rawValue: UInt16(buffer[2]) << 8 | UInt16(buffer[3]))
        let streamID = number(buffer[4..<8])
        let length = number(buffer[8..<12])
        guard kind == .data else { return (YamuxFrame(kind, flags: flags, streamID: streamID, length: length), headerLength) }
        guard Int(length) <= maximumData else { throw Libp2pDecodeError(place, "stream \(streamID): \(length) bytes of data, more than the window \(maximumData)") }
        guard buffer.count >= headerLength + Int(length) else { return nil }
        return (YamuxFrame(.data, flags: flags, streamID: streamID, data: Array(buffer[headerLength..<(headerLength + Int(length))])), headerLength + Int(length))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func number(_ bytes: ArraySlice<UInt8>) -> UInt32 { bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
}
