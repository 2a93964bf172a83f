import NATWire

/// What `natctl probe` found: per server and overall. Encoded as `natctl.probe/2`.
public struct ProbeReport: Sendable, Encodable {
    public static let schema = "natctl.probe/2"

    /// One Binding transaction to one server address.
    public struct ServerResult: Sendable, Encodable {
        /// The server as the user named it.
        public var server: String
        /// What the test was for: `"server"`, or the RFC 5780 checks `"alternate_ip"` / `"alternate_port"`.
        public var purpose: String
        /// The address the request went to; null when the name did not resolve.
        @Nullable public var address: String?
        /// `ipv4` or `ipv6`; null when unresolved.
        @Nullable public var family: IPAddress.Family?
        /// Our reflexive transport address as this server saw it (XOR-MAPPED-ADDRESS); null without an answer.
        @Nullable public var mapped: String?
        /// Round-trip time in milliseconds; null without an answer.
        @Nullable public var rttMs: Double?
        /// How many times the request was sent (retransmissions + 1).
        @Nullable public var transmissions: Int?
        /// The server's RFC 5780 alternate address, if it advertised one.
        @Nullable public var otherAddress: String?
        /// Where the answer came from (RESPONSE-ORIGIN, or the datagram's source).
        @Nullable public var responseOrigin: String?
        /// The server's SOFTWARE attribute.
        @Nullable public var software: String?
        /// Why there is no answer; null when there is one.
        @Nullable public var error: String?
        /// Why the request could not be sent at all (not encoded: `error` says it in words).
        public var unsent: Unsent? = nil

        /// Why a request never left: the CLI turns these into error codes.
        public enum Unsent: Sendable { case notResolved, noAddressInFamily, noSocket, sendFailed }

        enum CodingKeys: String, CodingKey {
            case server, purpose, address, family, mapped, rttMs, transmissions, otherAddress, responseOrigin, software, error
        }
    }

    /// A `--require` (or classify `--expect`) condition and whether it held.
    public struct RequirementResult: Sendable, Encodable {
        public var condition: String
        /// true: it held; false: it was checked and did not hold (exit 1); null: it could not
        /// be checked (exit 2), never counted as either.
        @Nullable public var met: Bool?
        /// Why `met` is null (what was not checked, and why); null when it was checked.
        @Nullable public var reason: String?

        public init(condition: String, met: Bool?, reason: String? = nil) {
            self.condition = condition
            self.met = met
            self.reason = met == nil ? (reason ?? "not checked") : nil
        }
    }

    public var schema = ProbeReport.schema
    /// Whether UDP reached any server: true, false (requests left, nothing came back), or null (nothing could be sent).
    @Nullable public var udp: Bool?
    /// Whether a server answered over IPv4; null when no IPv4 server was tried.
    @Nullable public var ipv4: Bool?
    /// Whether a server answered over IPv6; null when no IPv6 server was tried.
    @Nullable public var ipv6: Bool?
    /// The IPv4 address the servers saw (the public one when they are on the internet).
    @Nullable public var publicIpv4: String?
    /// The IPv6 address the servers saw.
    @Nullable public var publicIpv6: String?
    /// Whether the reflexive address changed between destinations with different IPs; null when not compared.
    @Nullable public var mappingVariesByDestIp: Bool?
    /// Whether it changed between two ports of one destination IP; null when not compared.
    @Nullable public var mappingVariesByDestPort: Bool?
    /// Whether the NAT kept our local port; null without an answer.
    @Nullable public var portPreserved: Bool?
    /// Whether the servers saw this host's own address and port, i.e. there is no NAT; null without an answer.
    @Nullable public var noNat: Bool?
    /// Local sockets used, one per family (`0.0.0.0:PORT`, `[::]:PORT`).
    public var localSockets: [String] = []
    /// Every transaction, in the order servers were given.
    public var servers: [ServerResult] = []
    /// What the gateway offers for port mapping (UPnP, NAT-PMP, PCP); null with `--portmap off`.
    @Nullable public var portMapping: PortMapReport?
    /// Each server over TCP and TLS (`--transport`); null when not asked.
    @Nullable public var streams: [StreamResult]?
    /// Each libp2p node asked (`--libp2p`): what it identified itself as and saw of us; null when not asked.
    @Nullable public var libp2p: [Libp2pResult]?
    /// The `--require` conditions, if any, and whether each held.
    public var requirements: [RequirementResult] = []
    /// Why the probe could not be done or a requirement failed; null when it did its job.
    @Nullable public var error: ReportError?
    /// Wall time of the whole probe, in milliseconds.
    public var durationMs: Double = 0

    public init() {}

    /// Servers that answered.
    public var answered: [ServerResult] { servers.filter { $0.mapped != nil } }


}
