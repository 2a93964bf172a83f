/// The ChannelData message (RFC 8656 §12.4): a 4-byte header — channel number (0x4000–0x4FFF)
/// and data length — then the data. It carries relayed traffic with 4 bytes of overhead
/// instead of a Send or Data indication's 36 or more.
///
/// Over UDP the RFC lets senders omit the padding to a multiple of 4 (§12.5), so natctl sends
/// none and accepts trailing padding on receipt.
public struct ChannelDataHeader: Hashable, Sendable {
    public static let length = 4
    public var channel: UInt16
    public var dataLength: UInt16

    public init(channel: UInt16, dataLength: UInt16) {
        self.channel = channel
        self.dataLength = dataLength
    }

    /// Whether a datagram starting with `firstByte` is ChannelData rather than STUN: STUN's first
    /// two bits are 00, a channel number's are 01 (RFC 7983's demultiplexing ranges 64–79).
    @inlinable
    public static func isChannelData(firstByte: UInt8) -> Bool { firstByte & 0xC0 == 0x40 }

    /// Reads the header of a ChannelData datagram of `datagramLength` bytes from its first 4
    /// bytes; nil when the channel number is outside the accepted range or the length field claims
    /// more data than arrived.
    public static func parse(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, datagramLength: Int) -> ChannelDataHeader? {
        let channel = UInt16(b0) << 8 | UInt16(b1)
        let length = UInt16(b2) << 8 | UInt16(b3)
        guard ChannelNumber.acceptedRange.contains(channel), Self.length + Int(length) <= datagramLength else { return nil }
        return ChannelDataHeader(channel: channel, dataLength: length)
    }

    /// The 4 header bytes.
    public var bytes: [UInt8] {
        [UInt8(channel >> 8), UInt8(channel & 0xFF), UInt8(dataLength >> 8), UInt8(dataLength & 0xFF)]
    }

    /// A whole ChannelData datagram, unpadded.
    public static func frame(channel: UInt16, data: some Collection<UInt8>) -> [UInt8] {
        ChannelDataHeader(channel: channel, dataLength: UInt16(data.count)).bytes + Array(data)
    }
}
