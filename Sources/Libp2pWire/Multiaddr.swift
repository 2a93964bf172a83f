import NATWire

/// A multiaddr (multiformats): a path of protocols with values, such as
/// `/ip4/198.51.100.7/tcp/4001/p2p/12D3KooW...`, in text and in binary (each component a
/// varint protocol code, then its value: fixed-size, or varint-length-prefixed).
public struct Multiaddr: Hashable, Sendable, CustomStringConvertible {
    public var components: [Component]

    public enum Component: Hashable, Sendable {
        case ip4(IPAddress)
        case ip6(IPAddress)
        case tcp(UInt16)
        case udp(UInt16)
        case dns(String), dns4(String), dns6(String), dnsaddr(String)
        case p2p(PeerID)
        case p2pCircuit
        /// Protocols natctl does not use but passes through (quic-v1, ws, tls, ...): no value.
        case flag(Code)
    }

    /// Protocol codes from the multiaddr table.
    public enum Code: UInt64, Sendable, CaseIterable {
        case ip4 = 4, tcp = 6, udp = 273, dns = 53, dns4 = 54, dns6 = 55, dnsaddr = 56, ip6 = 41
        case p2p = 421, p2pCircuit = 290
        case quic = 460, quicV1 = 461, webtransport = 465, tls = 448, noise = 454, ws = 477, wss = 478, http = 480

        public var name: String {
            switch self {
            case .p2pCircuit: "p2p-circuit"
            case .quicV1: "quic-v1"
            default: "\(self)"
            }
        }

        init?(name: String) {
            guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = found
        }
    }

    public init(_ components: [Component]) { self.components = components }

    /// Parses the text form; throws naming the component that is wrong.
    public init(parsing text: String) throws(Libp2pDecodeError) {
        guard text.hasPrefix("/") else { throw Libp2pDecodeError("multiaddr '\(text)'", "must start with /") }
        var parts = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if parts.last == "" { parts.removeLast() }
        var components: [Component] = []
        var index = 0
        while index < parts.count {
            let name = parts[index]
            guard let proto = Code(name: name == "ipfs" ? "p2p" : name) else {
                throw Libp2pDecodeError("multiaddr '\(text)'", "unknown protocol '\(name)'")
            }
            index += 1
            if Self.hasNoValue(proto) {
                components.append(proto == .p2pCircuit ? .p2pCircuit : .flag(proto))
                continue
            }
            guard index < parts.count, !parts[index].isEmpty else { throw Libp2pDecodeError("multiaddr '\(text)'", "/\(name) needs a value") }
            components.append(try Self.component(proto, text: parts[index], in: text))
            index += 1
        }
        guard !components.isEmpty else { throw Libp2pDecodeError("multiaddr '\(text)'", "empty") }
        self.components = components
    }

    private static func hasNoValue(_ proto: Code) -> Bool {
        ![.ip4, .ip6, .tcp, .udp, .dns, .dns4, .dns6, .dnsaddr, .p2p].contains(proto)
    }

    private static func component(_ proto: Code, text value: String, in text: String) throws(Libp2pDecodeError) -> Component {
        let place = "multiaddr '\(text)'"
        switch proto {
        case .ip4:
            guard let ip = IPAddress(value), ip.family == .ipv4 else { throw Libp2pDecodeError(place, "'\(value)' is not an IPv4 address") }
            return .ip4(ip)
        case .ip6:
            guard let ip = IPAddress(value), ip.family == .ipv6 else { throw Libp2pDecodeError(place, "'\(value)' is not an IPv6 address") }
            return .ip6(ip)
        case .tcp, .udp:
            guard let port = UInt16(value) else { throw Libp2pDecodeError(place, "'\(value)' is not a port") }
            return proto == .tcp ? .tcp(port) : .udp(port)
        case .dns: return .dns(value)
        case .dns4: return .dns4(value)
        case .dns6: return .dns6(value)
        case .dnsaddr: return .dnsaddr(value)
        case .p2p:
            guard let peer = PeerID(value) else { throw Libp2pDecodeError(place, "'\(value)' is not a peer ID") }
            return .p2p(peer)
        default: throw Libp2pDecodeError(place, "/\(proto.name) takes no value")
        }
    }

    public var description: String {
        components.map { component in
            switch component {
            case .ip4(let ip): "/ip4/\(ip)"
            case .ip6(let ip): "/ip6/\(ip)"
            case .tcp(let port): "/tcp/\(port)"
            case .udp(let port): "/udp/\(port)"
            case .dns(let name): "/dns/\(name)"
            case .dns4(let name): "/dns4/\(name)"
            case .dns6(let name): "/dns6/\(name)"
            case .dnsaddr(let name): "/dnsaddr/\(name)"
            case .p2p(let peer): "/p2p/\(peer)"
            case .p2pCircuit: "/p2p-circuit"
            case .flag(let proto): "/\(proto.name)"
            }
        }.joined()
    }

    /// `/ip4/…/tcp/…` or `/ip6/…/tcp/…` for a TCP endpoint, ending `/p2p/…` when a peer is named.
    public init(tcp address: TransportAddress, peer: PeerID? = nil) {
        components = [address.ip.family == .ipv4 ? .ip4(address.ip) : .ip6(address.ip), .tcp(address.port)] + (peer.map { [.p2p($0)] } ?? [])
    }

    /// The IP and TCP port when the address starts /ip4|ip6/.../tcp/...
    public var tcpAddress: TransportAddress? {
        guard components.count >= 2, case .tcp(let port) = components[1] else { return nil }
        switch components[0] {
        case .ip4(let ip), .ip6(let ip): return TransportAddress(ip: ip, port: port)
        default: return nil
        }
    }

    /// The peer ID of the last /p2p component, if any.
    public var peerID: PeerID? {
        components.reversed().lazy.compactMap { if case .p2p(let peer) = $0 { peer } else { nil } }.first
    }
}
