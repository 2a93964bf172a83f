import NATWire

/// One captured frame decoded as far as natctl understands it. Frames that are not IP (ARP,
/// LLDP) are kept with `ip == nil` so frame numbers match Wireshark's.
public struct DecodedPacket: Sendable {
    /// 1-based, in capture order, as Wireshark numbers them.
    public var frame: Int
    public var timestampNanos: Int64
    public var interface: Int
    /// From the link header when it says (Linux cooked captures); otherwise nil.
    public var outgoing: Bool?
    public var ip: IPHeader?
    public var transport: TransportSegment?
    public var application: ApplicationMessage?
    /// The frame was cut by the snap length before its end.
    public var truncated: Bool

    public var udpSource: TransportAddress? {
        guard let ip, case .udp(let port, _, _)? = transport else { return nil }
        return TransportAddress(ip: ip.source, port: port)
    }

    public var udpDestination: TransportAddress? {
        guard let ip, case .udp(_, let port, _)? = transport else { return nil }
        return TransportAddress(ip: ip.destination, port: port)
    }

    public var udpPayload: [UInt8]? {
        guard case .udp(_, _, let payload)? = transport else { return nil }
        return payload
    }

    public var tcp: TCPSegment? {
        guard case .tcp(let segment)? = transport else { return nil }
        return segment
    }

    /// The TCP segment's endpoints, source first.
    public var tcpEndpoints: (source: TransportAddress, destination: TransportAddress)? {
        guard let ip, let tcp else { return nil }
        return (TransportAddress(ip: ip.source, port: tcp.sourcePort), TransportAddress(ip: ip.destination, port: tcp.destinationPort))
    }

    public var stun: STUNSummary? {
        guard case .stun(let summary)? = application else { return nil }
        return summary
    }

    public var icmp: ICMPMessage? {
        guard case .icmp(let message)? = transport else { return nil }
        return message
    }

    public var wireGuard: WireGuardMessage? {
        guard case .wireGuard(let message)? = application else { return nil }
        return message
    }
}

/// Decodes a whole capture, frame by frame. Never fails: what cannot be decoded stays undecoded.
public enum PacketDecoder {
    public static func decode(_ capture: Capture) -> [DecodedPacket] {
        capture.frames.enumerated().map { index, frame in
            let link = capture.interfaces.indices.contains(frame.interface) ? capture.interfaces[frame.interface].linkType : .ethernet
            return decode(frame, number: index + 1, linkType: link)
        }
    }

    public static func decode(_ frame: CapturedFrame, number: Int, linkType: CaptureLinkType) -> DecodedPacket {
        var packet = DecodedPacket(
            frame: number, timestampNanos: frame.timestampNanos, interface: frame.interface,
            truncated: frame.bytes.count < frame.originalLength)
        guard let link = LinkLayer.strip(frame.bytes[...], linkType: linkType) else { return packet }
        packet.outgoing = link.outgoing
        guard let (header, upper) = IPLayer.parse(link.ip) else { return packet }
        packet.ip = header
        let segment = TransportLayer.parse(header, upper)
        packet.transport = segment
        if case .udp(_, _, let payload) = segment, header.fragment == nil {
            packet.application = ApplicationLayer.decode(payload)
        }
        return packet
    }
}
