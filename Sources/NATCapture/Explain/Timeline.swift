import NATWire

/// Builds the timeline: the sightings of one datagram on several interfaces (a lab capture
/// sees it on the host, on each router's inside and outside, in the internet) become one row,
/// and the operation's packets come before background traffic.
enum Timeline {
    /// UDP sightings this close in time with the same payload are one datagram.
    static let udpWindowNanos: Int64 = 2_000_000_000
    /// Other IP packets (ICMP errors, TCP) are matched by size and type only, so more tightly.
    static let otherWindowNanos: Int64 = 100_000_000

    static func rows(_ context: TraceContext) -> [TimelineEntry] {
        let start = context.packets.first?.timestampNanos ?? 0
        var rows: [[DecodedPacket]] = []
        // Open rows per key: a sighting joins the latest row of its key that has not been seen
        // on its interface yet (a retransmission or a hairpin's way back is a new datagram).
        var open: [Key: [Int]] = [:]
        for packet in context.packets {
            guard let key = key(packet) else {
                rows.append([packet])
                continue
            }
            let window = (packet.udpPayload != nil ? udpWindowNanos : otherWindowNanos).magnitude
            var joined: Int?
            // Newest first; a row last seen longer ago than the window (the test for joining it)
            // ends the search, so a flood of look-alike packets (ICMP errors of one size) stays
            // linear, while a row whose hops span several windows can still be joined.
            for index in (open[key] ?? []).reversed() {
                let row = rows[index]
                guard let last = row.last,
                    packet.timestampNanos.subtractingReportingOverflow(last.timestampNanos).partialValue.magnitude
                        <= window
                else { break }
                guard !row.contains(where: { $0.interface == packet.interface }) else { continue }
                joined = index
                break
            }
            if let joined {
                rows[joined].append(packet)
            } else {
                open[key, default: []].append(rows.count)
                rows.append([packet])
            }
        }
        let entries = rows.map { TimelineEntry($0, context: context, start: start) }
        return entries.filter { !$0.background } + entries.filter(\.background)
    }

    /// What stays the same when a NAT forwards a packet: a UDP payload; for other IP packets,
    /// the protocol, the length and the ICMP type or TCP flags. Nil for non-IP frames.
    enum Key: Hashable {
        case udp([UInt8])
        case other(String)
    }

    static func key(_ packet: DecodedPacket) -> Key? {
        guard let ip = packet.ip else { return nil }
        switch packet.transport {
        case .udp(_, _, let payload)?:
            return .udp(payload)
        case .icmp(let message)?:
            return .other("i\(message.isV6)|\(message.type)|\(message.code)|\(ip.totalLength)")
        case .tcp(let segment)?:
            // NATs rewrite ports, not sequence numbers.
            return .other("t\(segment.flags.rawValue)|\(ip.totalLength)|\(segment.sequence)")
        default:
            return .other(
                "p\(ip.protocolNumber)|\(ip.totalLength)|\(ip.fragment.map { "\($0.identification)/\($0.offset)" } ?? "")"
            )
        }
    }

    /// Traffic that is not the operation's: IPv6 router and neighbour discovery and other
    /// ICMPv6 informational messages, multicast listener reports (hop-by-hop), IGMP, non-IP frames.
    static func isBackground(_ packet: DecodedPacket) -> Bool {
        guard let ip = packet.ip else { return true }
        if let icmp = packet.icmp, icmp.isV6, icmp.kind == .informational, icmp.type != 128, icmp.type != 129 {
            return true
        }
        return ip.protocolNumber == 2 || ip.protocolNumber == 0
    }
}
