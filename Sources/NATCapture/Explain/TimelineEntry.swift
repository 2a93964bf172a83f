import Foundation
import NATWire

/// One datagram, one row: when and where it was first seen, which way, what it was, and every
/// place the capture saw it (with `--lab`, before and after each NAT, with the translated
/// addresses), so a datagram crossing three namespaces is one row with three hops.
public struct TimelineEntry: Sendable, Encodable {
    /// The first sighting's frame (Wireshark's number).
    public var frame: Int
    /// Milliseconds since the capture's first packet, at the first sighting.
    public var timeMs: Double
    /// Where it was first seen.
    public var interface: String
    /// "out" (this host sent it), "in" (it reached this host), or nil when it was never seen on
    /// this host's own interfaces.
    @Nullable public var direction: String?
    /// "ip:port" for UDP/TCP, "ip" otherwise, as first seen; nil for non-IP frames.
    @Nullable public var source: String?
    @Nullable public var destination: String?
    public var summary: String
    /// Every sighting in time order, the first one included.
    public var hops: [Hop]
    /// Not the operation's traffic (IPv6 router and neighbour discovery, multicast listener
    /// reports, IGMP, non-IP frames): listed after the operation's packets.
    public var background: Bool

    /// One sighting of the datagram on one interface.
    public struct Hop: Sendable, Encodable {
        public var frame: Int
        public var timeMs: Double
        public var interface: String
        @Nullable public var source: String?
        @Nullable public var destination: String?
    }

    init(_ sightings: [DecodedPacket], context: TraceContext, start: Int64) {
        let packet = sightings[0]
        hops = sightings.map { seen in
            Hop(
                frame: seen.frame, timeMs: Self.milliseconds(seen.timestampNanos - start), interface: context.interfaceName(seen.interface),
                source: Self.endpoint(seen, source: true), destination: Self.endpoint(seen, source: false))
        }
        frame = packet.frame
        timeMs = hops[0].timeMs
        interface = hops[0].interface
        source = hops[0].source
        destination = hops[0].destination
        let onHost = sightings.filter { context.localInterfaces.contains($0.interface) }
        direction = onHost.contains { context.isOutgoing($0) } ? "out" : onHost.contains { context.isIncoming($0) } ? "in" : nil
        summary = Self.summary(packet) + (context.streamNotes[packet.frame].map { ": \($0)" } ?? "")
        background = Timeline.isBackground(packet)
    }

    static func milliseconds(_ nanos: Int64) -> Double { (Double(nanos) / 1e3).rounded() / 1e3 }

    static func endpoint(_ packet: DecodedPacket, source: Bool) -> String? {
        let ip = source ? packet.ip?.source : packet.ip?.destination
        guard let ip else { return nil }
        switch packet.transport {
        case .udp(let s, let d, _)?: return TransportAddress(ip: ip, port: source ? s : d).description
        case .tcp(let segment)?: return TransportAddress(ip: ip, port: source ? segment.sourcePort : segment.destinationPort).description
        default: return ip.description
        }
    }

    static func summary(_ packet: DecodedPacket) -> String {
        guard let ip = packet.ip else { return "not IP" }
        var text: String
        switch packet.transport {
        case .udp(_, _, let payload)?:
            switch packet.application {
            case .stun(let stun)?:
                let mapped = stun.reflexive.map { " mapped \($0)" } ?? ""
                text = "\(stun.title) \(stun.transactionID.description.prefix(8))…\(mapped)"
            case .channelData(let channel, let length)?:
                text = "TURN ChannelData 0x\(String(channel, radix: 16)) \(length) bytes"
            case .wireGuard(let message)?:
                let indices = [message.sender.map { "sender \($0)" }, message.receiver.map { "receiver \($0)" }].compactMap { $0 }.joined(separator: " ")
                text = "\(message.title) \(indices)"
            case nil:
                text = "UDP \(payload.count) bytes"
            }
        case .tcp(let segment)?:
            text = "TCP \(segment.flags.names)" + (segment.payload.isEmpty ? "" : " \(segment.payload.count) bytes")
        case .icmp(let message)?:
            let about = message.quoted.map { quoted in
                " for \(quoted.sourcePort.map { "\(TransportAddress(ip: quoted.source, port: $0))" } ?? quoted.source.description) → \(quoted.destinationPort.map { "\(TransportAddress(ip: quoted.destination, port: $0))" } ?? quoted.destination.description)"
            } ?? ""
            text = "\(message.isV6 ? "ICMPv6" : "ICMP") \(message.meaning)\(about)"
        case .fragmentContinuation?:
            text = "IP fragment"
        case .other(let number)?:
            text = "IP protocol \(number)"
        case nil:
            text = "IP"
        }
        if let fragment = ip.fragment {
            text += " [fragment id \(fragment.identification) offset \(fragment.offset)\(fragment.moreFollow ? ", more follow" : "")]"
        }
        if packet.truncated { text += " [cut by snap length]" }
        return text
    }
}
