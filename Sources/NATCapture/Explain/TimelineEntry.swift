import Foundation
import NATWire

/// One packet, one line: when, where, which way, and what it was.
public struct TimelineEntry: Sendable, Encodable {
    public var frame: Int
    /// Milliseconds since the capture's first packet.
    public var timeMs: Double
    public var interface: String
    /// "out" (this host sent it), "in" (sent to this host), or nil on other vantage points.
    @Nullable public var direction: String?
    /// "ip:port" for UDP/TCP, "ip" otherwise; nil for non-IP frames.
    @Nullable public var source: String?
    @Nullable public var destination: String?
    public var summary: String

    init(_ packet: DecodedPacket, context: TraceContext, start: Int64) {
        frame = packet.frame
        timeMs = (Double(packet.timestampNanos - start) / 1e3).rounded() / 1e3
        interface = context.interfaceName(packet.interface)
        let local = context.localInterfaces.contains(packet.interface)
        direction = !local ? nil : context.isOutgoing(packet) ? "out" : context.isIncoming(packet) ? "in" : nil
        source = packet.udpSource?.description ?? packet.ip?.source.description
        destination = packet.udpDestination?.description ?? packet.ip?.destination.description
        summary = Self.summary(packet)
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
        case .tcp(_, _, let flags)?:
            text = "TCP \(flags.names)"
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
