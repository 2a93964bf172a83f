import NATWire

/// Which local socket a check leaves from: one of the session's UDP sockets (0 is the main
/// IPv4 socket, 1 the IPv6 one, then the many-ports strategy's), or the TURN allocation.
public enum PunchBase: Hashable, Sendable, CustomStringConvertible {
    case socket(Int)
    case relay

    public var description: String {
        switch self {
        case .socket(let index): "socket \(index)"
        case .relay: "relay"
        }
    }
}

/// How a working path runs, best first.
public enum PunchPathKind: String, Sendable, Codable, Comparable {
    /// Straight to an address of the peer's own interface (same LAN, or no NAT).
    case directHost = "direct-host"
    /// Straight through the NATs, to a reflexive, predicted or peer-reflexive address.
    case directReflexive = "direct-reflexive"
    /// Through the TURN relay.
    case relayed

    var rank: Int {
        switch self {
        case .directHost: 0
        case .directReflexive: 1
        case .relayed: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
    public var isDirect: Bool { self != .relayed }
}

/// A local base and a remote address that a check may connect (RFC 8445 §6.1.2).
public struct CandidatePair: Hashable, Sendable, CustomStringConvertible {
    public var base: PunchBase
    public var remote: TransportAddress
    /// The kind the peer advertised; nil for a peer-reflexive address learned from its check.
    public var remoteKind: PunchCandidate.Kind?

    public init(base: PunchBase, remote: TransportAddress, remoteKind: PunchCandidate.Kind?) {
        self.base = base
        self.remote = remote
        self.remoteKind = remoteKind
    }

    public var path: PunchPathKind {
        if base == .relay || remoteKind == .relayed { return .relayed }
        return remoteKind == .host ? .directHost : .directReflexive
    }

    public var description: String { "\(base) -> \(remote) (\(remoteKind?.description ?? "peer-reflexive"))" }
}
