import NATWire

/// One answered Binding request: which local socket sent it, where to, and what the server saw.
public struct MappingObservation: Hashable, Sendable {
    public var local: TransportAddress
    public var destination: TransportAddress
    public var mapped: TransportAddress

    public init(local: TransportAddress, destination: TransportAddress, mapped: TransportAddress) {
        self.local = local
        self.destination = destination
        self.mapped = mapped
    }
}

/// The overall conclusions `probe` draws from its observations; pure functions, so the rules can
/// be tested as tables. Each returns nil when the observations cannot decide.
public enum ProbeAnalysis {
    /// True when two destinations with different IPs saw different mappings of one local socket,
    /// false when such pairs exist and all agree.
    public static func mappingVariesByDestinationIP(_ observations: [MappingObservation]) -> Bool? {
        compare(observations) { $0.destination.ip != $1.destination.ip }
    }

    /// True when two ports of one destination IP saw different mappings of one local socket.
    public static func mappingVariesByDestinationPort(_ observations: [MappingObservation]) -> Bool? {
        compare(observations) { $0.destination.ip == $1.destination.ip && $0.destination.port != $1.destination.port }
    }

    /// Whether every mapping kept the local port.
    public static func portPreserved(_ observations: [MappingObservation]) -> Bool? {
        observations.isEmpty ? nil : observations.allSatisfy { $0.mapped.port == $0.local.port }
    }

    /// Whether the servers saw one of this host's own addresses with the local port, i.e. no NAT.
    public static func noNAT(_ observations: [MappingObservation], localAddresses: Set<IPAddress>) -> Bool? {
        observations.isEmpty
            ? nil : observations.allSatisfy { localAddresses.contains($0.mapped.ip) && $0.mapped.port == $0.local.port }
    }

    /// The reflexive IP most servers saw in `family`.
    public static func publicAddress(_ observations: [MappingObservation], family: IPAddress.Family) -> IPAddress? {
        let ips = observations.filter { $0.mapped.ip.family == family }.map(\.mapped.ip)
        let counts = Dictionary(ips.map { ($0, 1) }, uniquingKeysWith: +)
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }

    private static func compare(
        _ observations: [MappingObservation], where comparable: (MappingObservation, MappingObservation) -> Bool
    ) -> Bool? {
        var compared = false
        for (i, a) in observations.enumerated() {
            for b in observations[(i + 1)...] where a.local == b.local && comparable(a, b) {
                if a.mapped != b.mapped { return true }
                compared = true
            }
        }
        return compared ? false : nil
    }
}

/// Conditions `probe --require` can gate CI on.
public enum ProbeRequirement: String, Sendable, CaseIterable {
    case udp, ipv4, ipv6
    case noNAT = "no-nat"
    case stableMapping = "stable-mapping"
    /// The gateway offers a usable port mapping (a public external address; mapped, with --portmap map).
    case portmap
    /// A server answered over TCP, or over TLS (`--transport tcp`, `--transport tls`).
    case tcp, tls

    /// Whether the condition holds: true or false when the probe checked it, nil when it could
    /// not (the servers did not resolve, no server of that family was tried, nothing answered to
    /// compare). Unchecked is never "no": CI asked a question the run could not answer (exit 2).
    /// `udp` false (requests left and nothing came back) is a checked "no".
    public func isMet(by report: ProbeReport) -> Bool? {
        switch self {
        case .udp: report.udp
        case .ipv4: report.ipv4
        case .ipv6: report.ipv6
        case .noNAT: report.noNat
        case .stableMapping:
            report.mappingVariesByDestIp == true || report.mappingVariesByDestPort == true
                ? false : (report.mappingVariesByDestIp != nil || report.mappingVariesByDestPort != nil ? true : nil)
        case .portmap:
            report.portMapping.flatMap { $0.mode == .off || $0.error != nil ? nil : $0.offersUsableMapping }
        case .tcp, .tls:
            streamReachable(report)
        }
    }

    /// Why `isMet` is nil, in words.
    public func uncheckedReason(_ report: ProbeReport) -> String {
        switch self {
        case .udp: "no request could be sent, so UDP was not tested"
        case .ipv4, .ipv6: "no \(rawValue) server was tried"
        case .noNAT: "no server answered, so the mapping was not seen"
        case .stableMapping: "no two answers from different destinations could be compared (it needs a server with an RFC 5780 alternate address)"
        case .portmap:
            report.portMapping.map {
                $0.error?.message ?? ($0.mode == .off
                    ? "the gateway was not asked (--portmap off or NATCTL_PORTMAP=off)"
                    : "no protocol is usable but PCP, whose ANNOUNCE does not tell the external address; --portmap map tests a mapping")
            } ?? "the gateway was not asked (--portmap off or NATCTL_PORTMAP=off)"
        case .tcp, .tls:
            "no server was tried over \(rawValue) (--transport \(rawValue))"
        }
    }

    /// Any server reachable over this transport; nil when none was tried over it (a name that
    /// did not resolve is not a try).
    private func streamReachable(_ report: ProbeReport) -> Bool? {
        let tried = (report.streams ?? []).filter { $0.transport.hasPrefix(rawValue) && $0.address != nil }
        return tried.isEmpty ? nil : tried.contains(where: \.reachable)
    }
}
