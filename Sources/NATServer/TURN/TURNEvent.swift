import NATWire

/// What the relay reports as it works: `relay serve` prints these, and tests await them.
public enum TURNEvent: Sendable, Equatable {
    case allocated(client: TransportAddress, relayed: TransportAddress, username: String, lifetime: UInt32)
    /// An allocation ended: `expired`, `deleted` (Refresh with LIFETIME 0) or `server stopped`.
    case closed(client: TransportAddress, relayed: TransportAddress, reason: String, traffic: TURNTraffic)
}

/// Per-allocation counters, reported when it closes.
public struct TURNTraffic: Sendable, Equatable, Codable {
    public var packetsToPeers: Int
    public var bytesToPeers: Int
    public var packetsFromPeers: Int
    public var bytesFromPeers: Int
    /// Peer packets dropped because the peer had no permission, and client packets dropped
    /// because they named no permitted peer or an unbound channel.
    public var droppedFromPeers: Int
    public var droppedToPeers: Int
}

extension TURNAllocation.Counters {
    var traffic: TURNTraffic {
        TURNTraffic(
            packetsToPeers: packetsToPeers, bytesToPeers: bytesToPeers, packetsFromPeers: packetsFromPeers,
            bytesFromPeers: bytesFromPeers, droppedFromPeers: droppedFromPeers, droppedToPeers: droppedToPeers)
    }
}
