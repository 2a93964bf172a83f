import NATWire

/// What `natctl punch --wireguard` did (schema natctl.punch-wireguard/1, docs/json.md).
public struct WireGuardPunchReport: Encodable, Sendable {
    public static let schema = "natctl.punch-wireguard/1"
    public var schema = WireGuardPunchReport.schema
    /// SUCCESS once a handshake completed (and the `--probe-ip` probe, if asked, got answers).
    public var outcome: PunchOutcome = .failed
    public var interface = ""
    /// "uapi" or "wg-tool": how natctl read and changed the interface.
    public var control = ""
    /// The interface's UDP port, which every attempt used.
    public var listenPort: UInt16 = 0
    /// The peer's public key, shortened (first 8 base64 characters).
    public var peer = ""
    /// "endpoints" (a list, no server) or "rendezvous".
    public var mode = "endpoints"
    /// Rendezvous mode: the server, the punch strategy, this side's WireGuard port as the
    /// server saw it (the public mapping natctl learned with STUN sent from that port), the
    /// punch's own path (direct-host, direct-reflexive, relayed) and, when WireGuard could not
    /// take that path from its own port, the local forwarder WireGuard sends to instead.
    @Nullable public var server: String?
    @Nullable public var strategy: String?
    @Nullable public var publicMapping: String?
    @Nullable public var punchPath: String?
    @Nullable public var forwarder: String?
    /// The endpoint the peer had before the run.
    @Nullable public var originalEndpoint: String?
    /// The endpoint WireGuard uses after the handshake (it follows the peer's packets, so it
    /// can differ from the candidate tried).
    @Nullable public var endpoint: String?
    /// "direct", or "relayed" (a local forwarder through the TURN relay); null without a handshake.
    @Nullable public var path: String?
    /// From the start of the run to the first completed handshake (ms).
    @Nullable public var handshakeMs: Double?
    /// Every attempt, in order.
    public var attempts: [Attempt] = []
    /// `--probe-ip`: ICMP echoes through the tunnel.
    @Nullable public var probe: TunnelProbeResult?
    /// Whether the peer's original endpoint was put back at the end (`--restore`, or no success).
    public var restored = false
    public var warnings: [String] = []
    /// Why the run did not succeed, in a sentence (not encoded: the CLI puts it in `failure`).
    public var error: String?
    @Nullable public var failure: ReportError?
    public var durationMs: Double = 0

    enum CodingKeys: String, CodingKey {
        case schema, outcome, interface, control, listenPort, peer, mode, server, strategy, publicMapping, punchPath, forwarder, originalEndpoint, endpoint, path, handshakeMs, attempts
        case probe, restored, warnings, durationMs
        case failure = "error"
    }

    public init() {}

    public struct Attempt: Encodable, Sendable {
        public var endpoint: String
        /// handshake, icmp, no-response, not-sent, interrupted.
        public var outcome: String
        /// In words: "handshake in 12 ms", "ICMP port unreachable from 203.0.113.9", "3 handshake initiations, no response".
        public var detail: String
        /// When the attempt started, from the start of the run, and how long it lasted (ms).
        public var startMs: Double
        public var ms: Double
        /// Handshake initiations WireGuard sent in this attempt (from the peer's tx bytes).
        public var initiations: Int
    }
}

/// ICMP echoes sent across the tunnel to `--probe-ip`.
public struct TunnelProbeResult: Encodable, Sendable {
    public var ip: String
    public var sent: Int
    public var received: Int
    /// The fastest reply's round trip (ms); null without replies.
    @Nullable public var rttMs: Double?
}
