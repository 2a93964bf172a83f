import NATWire

/// A Send indication (RFC 8656 §10) read in place from the datagram's bytes: the peer from
/// XOR-PEER-ADDRESS and where DATA lies, without decoding the message into attributes. Clients
/// that relay without channels send every packet this way, so this is a data path too. Other
/// attributes are skipped, as the full decoder's path does for indications.
struct SendIndicationView {
    var peer: RawSocketAddress
    /// DATA's value: its offset in the datagram and its length.
    var dataOffset: Int
    var dataLength: Int

    static let type: UInt16 = 0x0016
    private static let cookie: UInt32 = 0x2112_A442

    /// Nil unless `bytes` is a well-formed Send indication with both attributes.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 20, Self.u16(bytes, 0) == Self.type, Self.u32(bytes, 4) == Self.cookie,
            20 + Int(Self.u16(bytes, 2)) == bytes.count
        else { return nil }
        var peer: RawSocketAddress?
        var data: (Int, Int)?
        var offset = 20
        while offset + 4 <= bytes.count {
            let type = Self.u16(bytes, offset)
            let length = Int(Self.u16(bytes, offset + 2))
            let value = offset + 4
            guard value + length <= bytes.count else { return nil }
            if type == STUNAttributeType.xorPeerAddress.rawValue, peer == nil {
                guard let address = Self.xorAddress(bytes, at: value, length: length) else { return nil }
                peer = address
            } else if type == STUNAttributeType.data.rawValue, data == nil {
                data = (value, length)
            }
            offset = value + (length + 3) & ~3
        }
        guard let peer, let data else { return nil }
        self.peer = peer
        (dataOffset, dataLength) = data
    }

    /// XOR-MAPPED-ADDRESS encoding (RFC 8489 §14.2): the port XORed with the cookie's top half,
    /// an IPv4 address with the cookie, an IPv6 address with the cookie and transaction ID.
    private static func xorAddress(_ bytes: UnsafeRawBufferPointer, at offset: Int, length: Int) -> RawSocketAddress? {
        guard length == 8 || length == 20 else { return nil }  // before reading family and port
        let port = u16(bytes, offset + 2) ^ UInt16(cookie >> 16)
        switch (bytes[offset + 1], length) {
        case (1, 8):
            let ip = u32(bytes, offset + 4) ^ cookie
            return RawSocketAddress(high: 0, low: UInt64(ip.bigEndian), port: port, isIPv6: false)
        case (2, 20):
            var address = [UInt8](repeating: 0, count: 16)
            for index in 0..<16 { address[index] = bytes[offset + 4 + index] ^ bytes[4 + index] }  // cookie, then transaction ID
            return address.withUnsafeBytes {
                RawSocketAddress(high: $0.loadUnaligned(as: UInt64.self), low: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self), port: port, isIPv6: true)
            }
        default:
            return nil
        }
    }

    private static func u16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    private static func u32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(u16(bytes, offset)) << 16 | UInt32(u16(bytes, offset + 2))
    }
}
