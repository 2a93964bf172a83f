/// Strips the link-layer header and says which IP version follows, and, where the link type
/// records it (Linux cooked captures), whether the frame was outgoing.
enum LinkLayer {
    struct Result {
        var ip: ArraySlice<UInt8>
        /// True for frames this host sent, false for frames it received, nil when the link
        /// header does not say (Ethernet, raw IP): direction then comes from the addresses.
        var outgoing: Bool?
    }

    static func strip(_ frame: ArraySlice<UInt8>, linkType: CaptureLinkType) -> Result? {
        switch linkType {
        case .ethernet:
            guard var etherType = frame.u16(12) else { return nil }
            var offset = 14
            // 802.1Q and 802.1ad tags: skip each 4-byte tag.
            while etherType == 0x8100 || etherType == 0x88A8 {
                guard let inner = frame.u16(offset + 2) else { return nil }
                etherType = inner
                offset += 4
            }
            return ipEtherType(etherType) ? Result(ip: frame.suffix(fromOffset: offset), outgoing: nil) : nil
        case .linuxSLL:
            guard let packetType = frame.u16(0), let proto = frame.u16(14), ipEtherType(proto) else { return nil }
            return Result(ip: frame.suffix(fromOffset: 16), outgoing: packetType == 4)
        case .linuxSLL2:
            guard let proto = frame.u16(0), let packetType = frame.byte(10), ipEtherType(proto) else { return nil }
            return Result(ip: frame.suffix(fromOffset: 20), outgoing: packetType == 4)
        case .null, .loop:
            // The address family is 4 bytes in the writer's order (null) or network order (loop);
            // the IP version nibble below is what decides, so the family is only checked loosely.
            return frame.count > 4 ? Result(ip: frame.suffix(fromOffset: 4), outgoing: nil) : nil
        case .raw, .ipv4, .ipv6:
            return Result(ip: frame, outgoing: nil)
        }
    }

    private static func ipEtherType(_ type: UInt16) -> Bool { type == 0x0800 || type == 0x86DD }
}
