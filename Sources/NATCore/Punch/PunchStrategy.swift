import Foundation
import NATWire

/// How a punch attempt goes about it, decided the same way on both sides from the two
/// mapping hints exchanged through the server (the classifier's knowledge where known).
public enum PunchStrategy: String, Sendable, Codable {
    /// Both map endpoint-independently (or one has no NAT, or offers a gateway mapping from
    /// UPnP, NAT-PMP or PCP): checks from both sides cross.
    case simultaneousOpen = "simultaneous-open"
    /// At least one side allocates ports in sequence: check the predicted ports, in the same
    /// order on both sides, so each side's n-th new mapping meets the other's n-th.
    case portPrediction = "port-prediction"
    /// One side maps at random per destination, the other endpoint-independently: the random
    /// side opens many sockets towards the other, which probes many ports (birthday paradox).
    case manyPorts = "many-ports"
    /// No direct path is expected (both random, or random against sequential): the relay,
    /// with direct checks kept going in case the NATs are kinder than they look.
    case relay

    public static func choose(local: PunchMapping.Behaviour, peer: PunchMapping.Behaviour, maxProbes: Int) -> PunchStrategy {
        let easy: Set<PunchMapping.Behaviour> = [.endpointIndependent, .unknown]
        switch (local, peer) {
        case (.udpBlocked, _), (_, .udpBlocked): return .relay
        case (let a, let b) where easy.contains(a) && easy.contains(b): return .simultaneousOpen
        case (.sequential, .sequential): return .portPrediction
        case (.sequential, let other), (let other, .sequential): return easy.contains(other) ? .portPrediction : .relay
        case (.random, let other), (let other, .random): return easy.contains(other) && maxProbes > 0 ? .manyPorts : .relay
        default: return .relay
        }
    }

    /// Whether a direct path is expected, so the relay waits for its share of the time.
    public var expectsDirect: Bool { self != .relay }
}

/// The many-ports (birthday) strategy's numbers. With `sockets` mappings open on the random
/// side and `probes` uniformly random ports probed from the other, the chance that some probe
/// hits is 1 - (1 - sockets/ports)^probes: 256 sockets and 1500 probes give 99.7 %.
public struct ManyPortsPlan: Sendable, Equatable {
    public var sockets = 256
    public var probes: Int
    /// Probes per second from the probing side (and sends per second on the many-sockets side).
    public var rate = 1000
    /// The ports a random NAT picks from (Linux: 1024-65535).
    public var portRange: ClosedRange<UInt16> = 1024...65535

    public init(probes: Int) { self.probes = probes }

    /// How long the probing takes (ms).
    public var durationMilliseconds: Int64 { Int64(probes * 1000 / max(rate, 1)) }

    /// The chance that at least one probe meets an open mapping.
    public var successChance: Double {
        let miss = 1 - Double(sockets) / Double(portRange.count)
        return 1 - pow(miss, Double(probes))
    }

    /// `probes` distinct random ports.
    public func randomPorts<G: RandomNumberGenerator>(using generator: inout G) -> [UInt16] {
        var chosen = Set<UInt16>()
        let wanted = min(probes, portRange.count)
        while chosen.count < wanted { chosen.insert(UInt16.random(in: portRange, using: &generator)) }
        return Array(chosen)
    }
}
