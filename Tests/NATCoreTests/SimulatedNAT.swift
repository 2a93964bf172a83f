import NATCore
import NATWire

/// A deterministic generator (SplitMix64) so simulated runs reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An in-memory NAT with any RFC 4787 mapping × filtering pair, a port-allocation style and
/// optional hairpinning: the model the classifier's unit tests run against.
struct SimulatedNAT: CustomStringConvertible {
    enum Ports: CustomStringConvertible {
        case preserve, sequential(delta: Int), random
        var description: String {
            switch self {
            case .preserve: "preserve"
            case .sequential(let delta): "sequential+\(delta)"
            case .random: "random"
            }
        }
    }

    let mapping: MappingBehaviour?  // nil: no NAT at all (public host)
    let filtering: FilteringBehaviour
    let ports: Ports
    let hairpin: Bool
    /// A router without an input firewall: a dropped inbound packet leaves state that claims
    /// its (external port, sender) pair, so the host's first packet to that sender gets a new port.
    var inboundClaims = false
    /// Idle time after which a mapping is forgotten (both directions refresh it); nil: never.
    var mappingTimeout: Duration?
    let inside = IPAddress("10.0.1.2")!
    var outside: IPAddress { mapping == nil ? inside : IPAddress("203.0.113.11")! }

    private struct Binding {
        var external: UInt16
        var local: UInt16
        var contacted: Set<TransportAddress> = []
        var lastUsed: Duration = .zero
    }
    private var bindings: [String: Binding] = [:]
    /// Senders whose dropped packets claimed an external port, and the ports given instead.
    private var claimed: Set<String> = []
    private var reported: [String: UInt16] = [:]
    private var nextSequential = 50000
    private var random = SeededGenerator(state: 7)

    init(mapping: MappingBehaviour?, filtering: FilteringBehaviour, ports: Ports = .preserve, hairpin: Bool = false) {
        self.mapping = mapping
        self.filtering = filtering
        self.ports = ports
        self.hairpin = hairpin
    }

    var description: String {
        "\(mapping?.abbreviation ?? "no-nat")/\(filtering.abbreviation)/\(ports)\(hairpin ? "/hairpin" : "")"
    }

    private func key(_ local: UInt16, _ destination: TransportAddress) -> String {
        switch mapping {
        case .endpointIndependent, nil: "\(local)"
        case .addressDependent: "\(local)>\(destination.ip)"
        case .addressAndPortDependent, .endpointDependent: "\(local)>\(destination)"
        }
    }

    /// Translates an outbound datagram's source, creating the mapping if needed.
    mutating func outbound(from local: UInt16, to destination: TransportAddress, at now: Duration = .zero) -> TransportAddress {
        expire(at: now)
        let key = key(local, destination)
        bindings[key]?.lastUsed = now
        if bindings[key] == nil {
            bindings[key] = Binding(external: allocate(local), local: local, lastUsed: now)
        }
        let flow = "\(local)>\(destination)"
        if let moved = reported[flow] { return TransportAddress(ip: outside, port: moved) }
        if claimed.contains("\(bindings[key]!.external)<\(destination)"), !bindings[key]!.contacted.contains(destination) {
            let moved = allocate(local, avoiding: bindings[key]!.external)
            reported[flow] = moved
            return TransportAddress(ip: outside, port: moved)
        }
        bindings[key]!.contacted.insert(destination)
        return TransportAddress(ip: outside, port: bindings[key]!.external)
    }

    /// The local port an inbound datagram reaches, or nil when the filter drops it.
    mutating func inbound(from source: TransportAddress, to externalPort: UInt16, at now: Duration = .zero) -> UInt16? {
        expire(at: now)
        if let flow = reported.first(where: { $0.value == externalPort && $0.key.hasSuffix(">\(source)") }) {
            return UInt16(flow.key.split(separator: ">")[0])
        }
        guard let local = filter(from: source, to: externalPort) else {
            if inboundClaims { claimed.insert("\(externalPort)<\(source)") }
            return nil
        }
        for key in bindings.keys where bindings[key]?.external == externalPort { bindings[key]?.lastUsed = now }
        return local
    }

    private mutating func expire(at now: Duration) {
        guard let mappingTimeout else { return }
        bindings = bindings.filter { now - $0.value.lastUsed < mappingTimeout }
    }

    private func filter(from source: TransportAddress, to externalPort: UInt16) -> UInt16? {
        let matching = bindings.values.filter { $0.external == externalPort }
        guard let local = matching.first?.local else { return nil }
        if mapping == nil && filtering == .endpointIndependent { return local }
        let contacted = matching.flatMap(\.contacted)
        switch filtering {
        case .endpointIndependent: return local
        case .addressDependent: return contacted.contains { $0.ip == source.ip } ? local : nil
        case .addressAndPortDependent: return contacted.contains(source) ? local : nil
        }
    }

    private mutating func allocate(_ local: UInt16, avoiding: UInt16? = nil) -> UInt16 {
        let taken = Set(bindings.values.map(\.external)).union(reported.values).union(avoiding.map { [$0] } ?? [])
        if mapping == nil { return local }
        switch ports {
        case .preserve where !taken.contains(local):
            return local
        case .sequential(let delta):
            defer { nextSequential += delta }
            return UInt16(nextSequential)
        default:
            var port: UInt16
            repeat { port = UInt16.random(in: 1024...65535, using: &random) } while taken.contains(port)
            return port
        }
    }
}
