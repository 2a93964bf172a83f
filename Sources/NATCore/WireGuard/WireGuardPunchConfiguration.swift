import NATWire

/// What `natctl punch --wireguard` should do.
public struct WireGuardPunchConfiguration: Sendable {
    public var interface: String
    public var control: WireGuardInterface.Control = .auto
    /// The peer to connect; in rendezvous mode nil means "whatever key the peer sends".
    public var peerKey: WireGuardKey?
    /// Endpoint-list mode: the candidates to try, in order, round after round.
    public var endpoints: [TransportAddress] = []
    /// How long each candidate gets before the next is tried.
    public var attemptTimeout: Duration = .seconds(2)
    /// The whole run.
    public var timeout: Duration = .seconds(20)
    /// Put the peer's original endpoint back at the end, even after a handshake.
    public var restore = false
    /// Keepalive to leave on the peer (seconds); nil keeps the peer's own setting.
    public var keepalive: UInt16?
    /// ICMP echoes across the tunnel to this address once the handshake is done.
    public var probeIP: IPAddress?
    /// Rendezvous mode: the punch run on WireGuard's port (its server, code, strategies and
    /// relay); nil in endpoint-list mode.
    public var punch: PunchConfiguration?
    /// Rendezvous mode: allowed IPs for a peer the interface does not know yet.
    public var allowedIPs: [String] = []

    public init(interface: String) { self.interface = interface }
}
