import NATWire

/// What `natctl punch` should do.
public struct PunchConfiguration: Sendable {
    /// The rendezvous server; nil in serverless mode, where `peers` lists the endpoints to try.
    public var server: TransportAddress?
    /// When UDP to the server gets no answer and TCP to its port does not connect either: its
    /// TLS port, and how to check its certificate (nil: no TLS fallback).
    public var serverTLS: (port: UInt16, options: TLSClientOptions)?
    public var code: PunchCode
    /// The local UDP port (0: any).
    public var bindPort: UInt16 = 0
    /// Serverless mode: the peer's candidate endpoints.
    public var peers: [TransportAddress] = []
    /// The whole run, from start to a proven path (waiting for the peer included).
    public var timeout: Duration = .seconds(30)
    /// The many-ports strategy's budget of probes; 0 turns the strategy off.
    public var maxProbes = 1500
    /// Datagrams each side sends over the selected path to prove it.
    public var proofCount = 10
    /// Whether to fall back to the server's relay, and whether to try direct paths at all.
    public var useRelay = true
    public var useDirect = true
    /// How long to keep the path open after proving it, then prove it again.
    public var hold: Duration = .zero
    /// Keepalive interval while the path is held open; nil sends none.
    public var keepalive: Duration? = .seconds(15)
    /// How long after connecting through the relay direct checks may still upgrade the path.
    public var upgradeWindow: Duration = .seconds(10)
    public var ipv6 = true
    /// After the proof, carry stdin to the peer and the peer's data to `PunchSession.onStream`.
    public var stdio = false
    /// Map the main socket's port through the gateway (PCP, NAT-PMP, UPnP) and offer it as a
    /// candidate; the mapping is deleted when the run ends. `gateway` nil: the default route's.
    public var portMapping = false
    public var gateway: IPAddress?
    /// `punch --wireguard`: the main socket is WireGuard's own port, shared through raw
    /// sockets (`STUNTransport.sharingPort`), so every check opens the mappings WireGuard will
    /// use; PunchData carries `wireGuardKey` to the peer; and a path WireGuard cannot take
    /// from its own port (the relay, a many-ports socket) is carried by a local forwarder
    /// until `hold` ends (zero: until stopped).
    public var wireGuardPort: UInt16?
    public var wireGuardKey: WireGuardKey?
    /// WireGuard's fwmark, put on every datagram sent for its port (0: none).
    public var wireGuardMark: UInt32 = 0
    /// Interfaces whose addresses are never offered as host candidates: WireGuard's own, so
    /// checks never find (and a forwarder never uses) a path through the tunnel itself.
    public var excludedInterfaces: Set<String> = []

    public init(code: PunchCode, server: TransportAddress?) {
        self.code = code
        self.server = server
    }
}

/// Progress a punch run reports while it works (the CLI prints it on stderr).
public enum PunchProgress: Sendable {
    /// The server holds our registration; the peer has not come yet.
    case waitingForPeer(nameplate: String)
    case paired(strategy: PunchStrategy, controlling: Bool)
    case relayAllocated(TransportAddress)
    case warning(String)
    case connected(CandidatePair)
    /// `--wireguard`: the path needs the local forwarder at this address (WireGuard's
    /// endpoint for the peer), which now carries WireGuard's datagrams both ways.
    case forwarding(local: TransportAddress, peerKey: WireGuardKey?)
}

/// Something that happened to a punch session, delivered to its one loop.
enum PunchInbound: Sendable {
    case datagram(PunchBase, TransportAddress, [UInt8])
    case registered(Result<STUNMessage, TransactionError>)
    case relayReady(Result<TURNClient, TURNClientError>)
    /// A chunk of stdin for `--stdio`; nil at end of input.
    case input([UInt8]?)
    /// A datagram WireGuard sent to the local forwarder, for the peer.
    case fromWireGuard([UInt8])
    /// Nothing but a nudge: `stop` was called, so waiting loops look at the deadline again.
    case wake
}
