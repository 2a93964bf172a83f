import NATWire

/// A fuzz input turned into a datagram. The low two bits of the first byte choose the mode:
/// bit 0 rewrites the header's length field to match the bytes that follow (cut to a multiple of
/// 4), bit 1 writes the magic cookie and clears the two leading bits of the type. Mode 0 feeds
/// the bytes as they are, so header validation itself stays fuzzed.
struct STUNInput {
    var bytes: [UInt8]

    init?(_ data: UnsafeRawBufferPointer) {
        guard let mode = data.first else { return nil }
        bytes = Array(data.dropFirst())
        let fixLength = mode & 0x01 != 0
        let fixCookie = mode & 0x02 != 0
        guard bytes.count >= STUNMessage.headerLength else { return }
        if fixCookie {
            bytes[0] &= 0x3F
            bytes.replaceSubrange(4..<8, with: [0x21, 0x12, 0xA4, 0x42])
        }
        if fixLength {
            let attributes = min((bytes.count - STUNMessage.headerLength) & ~3, Int(UInt16.max) & ~3)
            bytes.removeLast(bytes.count - STUNMessage.headerLength - attributes)
            bytes[2] = UInt8(attributes >> 8)
            bytes[3] = UInt8(attributes & 0xFF)
        }
    }
}
