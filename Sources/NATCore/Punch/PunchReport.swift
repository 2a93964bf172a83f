import NATWire

/// punchr-style outcome codes: what a punch run came to.
public enum PunchOutcome: String, Sendable, Codable {
    /// A path works both ways and carried the proof datagrams.
    case success = "SUCCESS"
    /// No path worked: direct checks failed and the relay was unavailable or failed too.
    case failed = "FAILED"
    /// `--timeout` ran out while paths were still being tried.
    case timeout = "TIMEOUT"
    /// Nobody registered with the same nameplate in time.
    case noPeer = "NO_PEER"
    /// The peer typed another code: its confirmation does not match ours.
    case wrongCode = "WRONG_CODE"
    /// The rendezvous server did not answer.
    case serverUnreachable = "SERVER_UNREACHABLE"
    /// Two other peers hold the nameplate already.
    case codeInUse = "CODE_IN_USE"
    /// SIGINT or SIGTERM stopped the run before a path was proven.
    case interrupted = "INTERRUPTED"
}

/// What `natctl punch` did (schema natctl.punch/2, docs/json.md, docs/schema/).
public struct PunchReport: Encodable, Sendable {
    public static let schema = "natctl.punch/2"
    public var schema = PunchReport.schema
    public var outcome: PunchOutcome = .failed
    /// The rendezvous server; null in serverless mode (`--peer`).
    @Nullable public var server: String?
    /// How this side reached the server: `udp`, or `tcp` when UDP to it got no answer (the
    /// relay then runs over TCP too); null in serverless mode.
    @Nullable public var serverTransport: String?
    /// The code's public part, which the server saw.
    @Nullable public var nameplate: String?
    /// "controlling" (nominates the pair) or "controlled".
    @Nullable public var role: String?
    @Nullable public var strategy: PunchStrategy?
    /// This side's and the peer's mapping behaviour as each measured it before pairing.
    @Nullable public var localMapping: String?
    @Nullable public var peerMapping: String?
    public var localCandidates: [String] = []
    /// `--portmap`: the gateway mapping offered as a candidate; null without one (warnings say why).
    @Nullable public var portMapping: PortMapping?
    public var peerCandidates: [String] = []
    /// The working path: null unless the outcome is SUCCESS.
    @Nullable public var path: PunchPathKind?
    @Nullable public var localBase: String?
    @Nullable public var remote: String?
    /// From start to the peer's arrival at the server (ms).
    @Nullable public var pairMs: Double?
    /// From the first check to the selected pair (ms): the time to connect.
    @Nullable public var connectMs: Double?
    /// Round trip over the selected path, from the checks on it (ms).
    @Nullable public var rttMs: Double?
    /// Whether a direct path replaced the relayed one while the session lasted.
    public var upgraded = false
    /// Many-ports rounds run (0 when the strategy did not need them).
    public var attempts = 0
    public var packets = Packets()
    @Nullable public var proof: Proof?
    /// The same proof repeated after `--duration` seconds of keepalives, when asked for.
    @Nullable public var proofAfterHold: Proof?
    public var keepalivesSent = 0
    /// Things the user should know: probes that look like a port scan, a relay that failed.
    public var warnings: [String] = []
    /// Why the run did not succeed, in a sentence (not encoded: the CLI puts it in `failure`).
    public var error: String?
    /// The `error` object `{code, message}`; null when the run did its job.
    @Nullable public var failure: ReportError?
    /// Wall time of the whole run, in milliseconds.
    public var durationMs: Double = 0
    /// `--wireguard`: the peer's WireGuard key from its authenticated PunchData (not encoded;
    /// the WireGuard report shows it), and this side's server-reflexive address.
    public var peerWireGuardKey: WireGuardKey?
    public var reflexive: TransportAddress?

    /// Only these are encoded (the engine's `error` sentence is not), every optional as null when nil.
    enum CodingKeys: String, CodingKey {
        case schema, outcome, server, serverTransport, nameplate, role, strategy, localMapping, peerMapping, localCandidates, peerCandidates
        case portMapping, path, localBase, remote, pairMs, connectMs, rttMs, upgraded, attempts, packets, proof, proofAfterHold
        case keepalivesSent, warnings, durationMs
        case failure = "error"
    }

    public init() {}

    public struct Packets: Encodable, Sendable {
        /// Connectivity checks sent, and how many of them were many-ports probes.
        public var checksSent = 0
        public var probesSent = 0
        /// Checks that failed integrity (another code, or a stranger).
        public var authenticationFailures = 0
    }

    public struct Proof: Encodable, Sendable {
        /// Datagrams this side sent, and how many of them the peer reported receiving.
        public let sent: Int
        @Nullable public var peerReceived: Int?
        /// The peer's datagrams that arrived here and verified.
        public let received: Int
        /// Datagrams got through both ways.
        public let verified: Bool

        public init(sent: Int, peerReceived: Int? = nil, received: Int) {
            self.sent = sent
            self.peerReceived = peerReceived
            self.received = received
            verified = received > 0 && (peerReceived ?? 0) > 0
        }
    }
}
