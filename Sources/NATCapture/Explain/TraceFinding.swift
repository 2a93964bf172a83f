import Foundation
import NATWire

/// One conclusion drawn from a capture: a plain sentence, the frames that show it, and the
/// endpoints involved, so `--json` users can act on it without parsing the sentence.
public struct TraceFinding: Sendable, Encodable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Requests left and nothing came back: no reply, no ICMP.
        case noReply = "no_reply"
        /// Replies reached the interface but the client kept retransmitting: a local firewall.
        case droppedLocally = "dropped_locally"
        /// A server answered (context for the problems).
        case answered
        case icmpError = "icmp_error"
        case pathMTU = "path_mtu"
        case fragmented
        /// A NAT translated the source address but kept the port.
        case translated
        case portRewritten = "port_rewritten"
        case mappingPerDestination = "mapping_per_destination"
        case punchInboundDropped = "punch_inbound_dropped"
        case punchInboundNeverSent = "punch_inbound_never_sent"
        case punchInboundArrived = "punch_inbound_arrived"
        case wireGuardNoResponse = "wireguard_no_response"
        case wireGuardHandshake = "wireguard_handshake"
        /// classify's hairpin test: a request to this host's own public address, and its outcome.
        case hairpinTest = "hairpin_test"
        /// An RFC 5780 filtering test (CHANGE-REQUEST, RESPONSE-PORT) and what reached this host.
        case filteringTest = "filtering_test"
        /// Datagrams for this host seen outside it (a lab router's WAN) and never on it.
        case droppedAtNAT = "dropped_at_nat"
        /// An ICMP error for punch checks toward a peer candidate that cannot be routed from here.
        case punchCandidateUnreachable = "punch_candidate_unreachable"
        /// Punch's low-TTL priming packets expired on the way, as meant (info).
        case punchPriming = "punch_priming"
        /// A TCP SYN answered with RST: by the far end (dial refused) or by this host.
        case tcpRefused = "tcp_refused"
        /// TCP SYNs that got nothing back.
        case tcpNoAnswer = "tcp_no_answer"
        /// Both ends sent SYN on one connection (TCP hole punching), and whether it completed.
        case tcpSimultaneousOpen = "tcp_simultaneous_open"
        /// A libp2p connection's cleartext start: multistream-select and the Noise handshake.
        case libp2pConnection = "libp2p_connection"
    }

    public enum Severity: String, Sendable, Codable, Comparable {
        case problem, warning, info

        private var rank: Int { self == .problem ? 0 : self == .warning ? 1 : 2 }
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public var kind: Kind
    public var severity: Severity
    /// The explanation, one or two sentences.
    public var sentence: String
    /// Frame numbers (Wireshark's) of the packets that show it, each once, at most 20.
    public var frames: [Int]
    /// This host's endpoint, when one is involved ("10.0.1.2:40000").
    @Nullable public var local: String?
    /// The far endpoint: server, peer ("203.0.113.1:3478").
    @Nullable public var remote: String?
    /// Who did it: the router that sent an ICMP error, the NAT interface that dropped packets.
    @Nullable public var by: String?

    public init(kind: Kind, severity: Severity, sentence: String, frames: [Int], local: String? = nil, remote: String? = nil, by: String? = nil) {
        self.kind = kind
        self.severity = severity
        self.sentence = sentence
        // Once each, in the order given: several rules list a frame once per sighting.
        var seen: Set<Int> = []
        self.frames = Array(frames.filter { seen.insert($0).inserted }.prefix(20))
        self.local = local
        self.remote = remote
        self.by = by
    }

}

/// "1 request", "3 requests".
func counted(_ count: Int, _ noun: String, _ plural: String? = nil) -> String {
    "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
}

/// Seconds between two nanosecond stamps, as "1.5 s" or "120 ms".
func span(_ from: Int64, _ to: Int64) -> String {
    let ms = Double(to - from) / 1e6
    if ms >= 1000 { return String(format: "%.1f s", ms / 1000) }
    return ms >= 10 ? String(format: "%.0f ms", ms) : String(format: "%.1f ms", ms)
}
