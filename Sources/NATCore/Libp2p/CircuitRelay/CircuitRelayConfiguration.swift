/// A circuit relay v2 hop's limits, go-libp2p's defaults unless `relay serve` flags say
/// otherwise: what a reservation lasts, how many there may be (in all and per IP), how many
/// relayed connections a peer may have, and what each may carry.
public struct CircuitRelayConfiguration: Sendable {
    public var reservationSeconds: UInt64 = 3600
    public var maximumReservations = 128
    public var maximumReservationsPerIP = 8
    public var maximumCircuitsPerPeer = 16
    /// Per relayed connection: seconds, and bytes in each direction.
    public var circuitSeconds: UInt32 = 120
    public var circuitBytes: UInt64 = 128 * 1024

    public init() {}
}

/// What the hop reports as it works: `relay serve` prints these, and tests await them.
public enum CircuitRelayEvent: Sendable, Equatable {
    /// A peer reserved (or renewed) a slot until `expire` (Unix seconds).
    case reserved(peer: String, client: String, expire: UInt64)
    /// A reservation or connection was refused, with the status sent and why.
    case refused(peer: String, client: String, status: String, reason: String)
    case circuitOpened(source: String, destination: String)
    /// A relayed connection ended: `closed`, `data limit`, `duration limit`, `reset` or
    /// `server stopped`, with the bytes carried each way.
    case circuitClosed(source: String, destination: String, reason: String, bytesToDestination: Int, bytesToSource: Int)
}
