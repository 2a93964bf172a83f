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
/// side and `probes` uniformly random ports primed from the other, the chance that some probe
/// meets a mapping is 1 - (1 - sockets/ports)^probes: 256 sockets and 1500 probes give 99.7 %.
public struct ManyPortsPlan: Sendable, Equatable {
    public var sockets = 256
    public var probes: Int
    /// The random side opens this many sockets per second.
    public var socketRate = 1000
    /// The ports a random NAT picks from (Linux: 1024-65535).
    public var portRange: ClosedRange<UInt16> = 1024...65535
    /// When the random side opens its first socket, after the start (ms). The probing side
    /// primes from pairing, before the start, and is done by then (`probeRate`).
    public static let socketsAfter: Int64 = 1000
    /// The probing side's priming finishes within this long after pairing (ms).
    static let primingSpan = 800

    public init(probes: Int) { self.probes = probes }

    /// Probes per second: 3000, or more so that priming ends within `primingSpan`, up to
    /// 20 000 (past 16 000 probes the last ones go out after the random side's checks began).
    public var probeRate: Int { min(20_000, max(3000, probes * 1000 / Self.primingSpan)) }

    /// How long the random side's sockets take to open (ms); the probing is over before they do.
    public var durationMilliseconds: Int64 { Int64(sockets * 1000 / max(socketRate, 1)) }

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
