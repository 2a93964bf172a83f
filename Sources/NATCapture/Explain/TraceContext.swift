import NATWire

/// What every explanation rule reads: the decoded packets, which interfaces are this host's
/// own (the vantage point), and this host's addresses. Other interfaces are extra vantage
/// points, such as a lab NAT's inside and outside, which let rules follow a packet's journey.
public struct TraceContext: Sendable {
    public let packets: [DecodedPacket]
    public let interfaces: [CaptureInterface]
    /// This host's addresses: what "sent" and "received" mean.
    public let locals: Set<IPAddress>
    /// Indices of the interfaces that are this host's own.
    public let localInterfaces: Set<Int>
    /// Packets seen on this host's own interfaces; every rule starts from these.
    public let localPackets: [DecodedPacket]
    /// TCP connections per interface, their data read in order (`TCPConversations`).
    let tcpConversations: [TCPConversation]
    /// Per frame, the libp2p messages its TCP data completed (multistream-select lines, Noise
    /// handshake messages), for the timeline.
    let streamNotes: [Int: String]

    /// - Parameters:
    ///   - locals: this host's addresses; when empty, the interfaces marked local supply them,
    ///     and failing that the address that sent the most requests (STUN requests, WireGuard
    ///     initiations) is taken to be this host.
    ///   - localInterfaces: when nil, interfaces marked local or holding a local address, or
    ///     every interface when none can be told apart.
    public init(packets: [DecodedPacket], interfaces: [CaptureInterface], locals: Set<IPAddress> = [], localInterfaces: Set<Int>? = nil) {
        self.packets = packets
        self.interfaces = interfaces
        var locals = locals
        let marked = Set(interfaces.indices.filter { interfaces[$0].isLocal })
        if locals.isEmpty {
            locals = Set(marked.flatMap { interfaces[$0].addresses })
        }
        if locals.isEmpty {
            locals = Self.likelyRequesters(packets)
        }
        self.locals = locals
        let vantage: Set<Int>
        if let localInterfaces {
            vantage = localInterfaces
        } else if !marked.isEmpty {
            vantage = marked
        } else {
            let holding = Set(interfaces.indices.filter { !Set(interfaces[$0].addresses).isDisjoint(with: locals) })
            vantage = holding.isEmpty || interfaces.count == 1 ? Set(interfaces.indices) : holding
        }
        self.localInterfaces = vantage
        self.localPackets = packets.filter { vantage.contains($0.interface) }
        (tcpConversations, streamNotes) = TCPConversations.read(packets)
    }

    /// The most frequent sender of requests, per IP family: clients ask, servers answer.
    static func likelyRequesters(_ packets: [DecodedPacket]) -> Set<IPAddress> {
        var counts: [IPAddress: Int] = [:]
        for packet in packets {
            guard let source = packet.ip?.source else { continue }
            if packet.stun?.messageClass == .request || packet.wireGuard?.kind == .initiation {
                counts[source, default: 0] += 1
            }
        }
        var chosen: Set<IPAddress> = []
        for family in IPAddress.Family.allCases {
            if let best = counts.filter({ $0.key.family == family }).max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) {
                chosen.insert(best.key)
            }
        }
        return chosen
    }

    /// Sent by this host. On loopback a packet is both sent and received by this host.
    public func isOutgoing(_ packet: DecodedPacket) -> Bool {
        if let outgoing = packet.outgoing { return outgoing }
        return packet.ip.map { locals.contains($0.source) } ?? false
    }

    /// Addressed to this host.
    public func isIncoming(_ packet: DecodedPacket) -> Bool {
        if let outgoing = packet.outgoing { return !outgoing }
        return packet.ip.map { locals.contains($0.destination) } ?? false
    }

    public func interfaceName(_ index: Int) -> String {
        interfaces.indices.contains(index) ? interfaces[index].name : "interface \(index)"
    }

    /// Payloads that appear on this host's interfaces, to tell "reached us" from "stopped before".
    var localPayloads: Set<[UInt8]> {
        Set(localPackets.compactMap(\.udpPayload))
    }
}

extension CaptureInterface {
    /// pcapng if_description natctl writes for the interfaces of the host it ran on, so a lab
    /// capture read back later still knows which vantage point was "this host".
    public static let localDescription = "natctl: this host"
}
