/// Where one message ends in a TCP or TLS byte stream carrying STUN and ChannelData (RFC 8489
/// §6.2, RFC 8656 §12.5): a STUN message is its 20-byte header plus the length field; a
/// ChannelData message is its 4-byte header plus the data length, padded to a multiple of 4
/// (padding is required over streams, since nothing else marks where the next message starts).
/// The first two bits tell them apart; anything else means the stream is not STUN, and
/// cannot be resynchronised.
public enum STUNStreamFraming {
    public enum Frame: Equatable, Sendable {
        /// Not enough bytes yet to know.
        case needMore
        /// The next message, padding included, is this many bytes.
        case length(Int)
        /// The stream does not carry STUN here: close it.
        case invalid(String)
    }

    /// The largest frame: a STUN header and the largest length field.
    public static let maximumLength = STUNMessage.headerLength + Int(UInt16.max)

    /// The frame at the start of `bytes`.
    public static func frame(at bytes: some Collection<UInt8>) -> Frame {
        var iterator = bytes.makeIterator()
        guard let b0 = iterator.next(), let b1 = iterator.next(), let b2 = iterator.next(), let b3 = iterator.next() else { return .needMore }
        let length = Int(b2) << 8 | Int(b3)
        if ChannelDataHeader.isChannelData(firstByte: b0) {
            let channel = UInt16(b0) << 8 | UInt16(b1)
            guard ChannelNumber.acceptedRange.contains(channel) else { return .invalid("channel number \(channel) is out of range") }
            return .length(ChannelDataHeader.length + (length + 3) & ~3)
        }
        guard b0 & 0xC0 == 0 else { return .invalid("first byte \(b0) starts neither STUN nor ChannelData") }
        guard length % 4 == 0 else { return .invalid("STUN length \(length) is not a multiple of 4") }
        guard let c0 = iterator.next(), let c1 = iterator.next(), let c2 = iterator.next(), let c3 = iterator.next() else { return .needMore }
        guard [c0, c1, c2, c3] == [0x21, 0x12, 0xA4, 0x42] else { return .invalid("no STUN magic cookie") }
        return .length(STUNMessage.headerLength + length)
    }

    /// `message` padded for a stream: ChannelData to a multiple of 4 (STUN already is).
    public static func padded(_ message: [UInt8]) -> [UInt8] {
        let extra = (4 - message.count % 4) % 4
        return extra == 0 ? message : message + [UInt8](repeating: 0, count: extra)
    }
}
