import NATWire

/// Writes a Data indication (RFC 8656 §11.4) around a peer's datagram where it was read: the
/// STUN header, XOR-PEER-ADDRESS and DATA's attribute header go into the read slot's headroom
/// before the data, and DATA's padding into the slot's tail after it, so the datagram is sent
/// as it lies, like ChannelData. Clients without a channel to the peer get every packet this way.
enum DataIndicationHeader {
    /// The most bytes written before the data: 20 (header) + 24 (IPv6 XOR-PEER-ADDRESS) + 4.
    static let maximumLength = 48
    private static let cookie: [UInt8] = [0x21, 0x12, 0xA4, 0x42]

    /// Writes the header ending at `dataStart` and the padding after the `dataLength` bytes there;
    /// returns the header's length (the indication starts that many bytes before `dataStart`).
    /// The transaction ID only has to differ between indications (RFC 8489 §6: clients do not
    /// match indications to anything), so a counter serves instead of random bytes per packet.
    static func write(before dataStart: UnsafeMutableRawPointer, dataLength: Int, peer: RawSocketAddress, transaction: (UInt64, UInt32)) -> Int {
        let addressLength = peer.isIPv6 ? 16 : 4
        let headerLength = 20 + 4 + 4 + addressLength + 4
        let padding = (4 - dataLength % 4) % 4
        let start = dataStart - headerLength
        func put16(_ value: UInt16, at offset: Int) { (start + offset).storeBytes(of: value.bigEndian, toByteOffset: 0, as: UInt16.self) }
        put16(0x0017, at: 0)  // Data indication
        put16(UInt16(headerLength - 20 + dataLength + padding), at: 2)
        for index in 0..<4 { start.storeBytes(of: cookie[index], toByteOffset: 4 + index, as: UInt8.self) }
        start.storeBytes(of: transaction.0, toByteOffset: 8, as: UInt64.self)
        start.storeBytes(of: transaction.1, toByteOffset: 16, as: UInt32.self)
        put16(STUNAttributeType.xorPeerAddress.rawValue, at: 20)
        put16(UInt16(4 + addressLength), at: 22)
        put16(peer.isIPv6 ? 0x0002 : 0x0001, at: 24)
        put16(peer.port ^ 0x2112, at: 26)
        withUnsafeBytes(of: peer.isIPv6 ? (peer.high, peer.low) : (peer.low, 0)) { address in
            for index in 0..<addressLength {
                let mask = index < 4 ? cookie[index] : start.load(fromByteOffset: 4 + index, as: UInt8.self)  // then the transaction ID
                start.storeBytes(of: address[index] ^ mask, toByteOffset: 28 + index, as: UInt8.self)
            }
        }
        put16(STUNAttributeType.data.rawValue, at: headerLength - 4)
        put16(UInt16(dataLength), at: headerLength - 2)
        for index in 0..<padding { dataStart.storeBytes(of: 0, toByteOffset: dataLength + index, as: UInt8.self) }
        return headerLength
    }
}
