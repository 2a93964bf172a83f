import NATWire

/// The network-layer facts the explanations use, from an IPv4 or IPv6 header.
public struct IPHeader: Sendable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    /// The upper-layer protocol (17 UDP, 6 TCP, 1 ICMP, 58 ICMPv6), after IPv6 extension headers.
    public var protocolNumber: UInt8
    public var hopLimit: UInt8
    /// Total length of the IP packet in bytes, as the header states it.
    public var totalLength: Int
    /// IPv4 "don't fragment"; always true for IPv6, where routers never fragment.
    public var dontFragment: Bool
    /// Set when this packet is a fragment (IPv4 flags/offset or an IPv6 fragment header).
    public var fragment: Fragment?

    public struct Fragment: Sendable, Hashable {
        public var identification: UInt32
        /// Offset of this fragment's data in the original payload, in bytes.
        public var offset: Int
        public var moreFollow: Bool
    }
}

enum IPLayer {
    /// Parses the IP header; returns it with the upper-layer bytes (cut to the stated length,
    /// which drops Ethernet padding).
    static func parse(_ bytes: ArraySlice<UInt8>) -> (IPHeader, ArraySlice<UInt8>)? {
        switch bytes.byte(0).map({ $0 >> 4 }) {
        case 4: parseV4(bytes)
        case 6: parseV6(bytes)
        default: nil
        }
    }

    private static func parseV4(_ bytes: ArraySlice<UInt8>) -> (IPHeader, ArraySlice<UInt8>)? {
        guard let first = bytes.byte(0), let total = bytes.u16(2), let id = bytes.u16(4), let flags = bytes.u16(6),
            let ttl = bytes.byte(8), let proto = bytes.byte(9),
            let source = bytes.bytes(12, 4).flatMap(IPAddress.init(bytes:)), let destination = bytes.bytes(16, 4).flatMap(IPAddress.init(bytes:))
        else { return nil }
        let headerLength = Int(first & 0x0F) * 4
        guard headerLength >= 20, Int(total) >= headerLength else { return nil }
        let offset = Int(flags & 0x1FFF) * 8
        let more = flags & 0x2000 != 0
        let header = IPHeader(
            source: source, destination: destination, protocolNumber: proto, hopLimit: ttl, totalLength: Int(total),
            dontFragment: flags & 0x4000 != 0,
            fragment: offset > 0 || more ? .init(identification: UInt32(id), offset: offset, moreFollow: more) : nil)
        return (header, bytes.prefix(Int(total)).suffix(fromOffset: headerLength))
    }

    private static func parseV6(_ bytes: ArraySlice<UInt8>) -> (IPHeader, ArraySlice<UInt8>)? {
        guard let payloadLength = bytes.u16(4), var next = bytes.byte(6), let hops = bytes.byte(7),
            let source = bytes.bytes(8, 16).flatMap(IPAddress.init(bytes:)), let destination = bytes.bytes(24, 16).flatMap(IPAddress.init(bytes:))
        else { return nil }
        var offset = 40
        var fragment: IPHeader.Fragment?
        // Walk extension headers (hop-by-hop 0, routing 43, fragment 44, destination options 60).
        while [0, 43, 44, 60].contains(next) {
            guard let following = bytes.byte(offset) else { return nil }
            if next == 44 {
                guard let field = bytes.u16(offset + 2), let id = bytes.u32(offset + 4) else { return nil }
                fragment = .init(identification: id, offset: Int(field & 0xFFF8), moreFollow: field & 1 != 0)
                offset += 8
                // Past a later fragment's header comes payload, not more headers.
                if field & 0xFFF8 != 0 { next = following; break }
            } else {
                guard let length = bytes.byte(offset + 1) else { return nil }
                offset += (Int(length) + 1) * 8
            }
            next = following
        }
        let header = IPHeader(
            source: source, destination: destination, protocolNumber: next, hopLimit: hops, totalLength: 40 + Int(payloadLength),
            dontFragment: true, fragment: fragment)
        return (header, bytes.prefix(40 + Int(payloadLength)).suffix(fromOffset: offset))
    }
}
