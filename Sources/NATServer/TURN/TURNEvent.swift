import NATWire

/// What the relay reports as it works: `relay serve` prints these, and tests await them.
public enum TURNEvent: Sendable, Equatable {
    case allocated(client: TransportAddress, relayed: TransportAddress, username: String, lifetime: UInt32)
    /// An allocation ended: `expired`, `deleted` (Refresh with LIFETIME 0) or `server stopped`.
    case closed(client: TransportAddress, relayed: TransportAddress, reason: String, traffic: TURNTraffic)
    /// A relayed port is held for a later Allocate with the RESERVATION-TOKEN `client` got
    /// (EVEN-PORT with R: the RTCP port), for `lifetime` seconds.
    case reserved(client: TransportAddress, port: TransportAddress, username: String, lifetime: UInt32)
    /// A held port was let go unused: `expired` or `server stopped`. (A redeemed one becomes an
    /// allocation and is reported as `allocated`.)
    case released(port: TransportAddress, reason: String)
}

/// Per-allocation counters, reported when it closes.
public struct TURNTraffic: Sendable, Equatable, Codable {
    public var packetsToPeers = 0
    public var bytesToPeers = 0
    public var packetsFromPeers = 0
    public var bytesFromPeers = 0
    /// Peer packets dropped because the peer had no permission, and client packets dropped
    /// because they named no permitted peer or an unbound channel.
    public var droppedFromPeers = 0
    public var droppedToPeers = 0
    /// Peer packets dropped because the client's TCP or TLS connection was backed up (its
    /// send queue past the high-water mark), as a full UDP path would lose them; not counted
    /// in `packetsFromPeers`.
    public var droppedToClient = 0

    public init() {}
}
