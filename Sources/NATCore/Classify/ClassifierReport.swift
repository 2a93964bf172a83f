import NATWire

/// RFC 4787 §4.1 mapping behaviour: what decides whether two destinations see one mapping.
public enum MappingBehaviour: String, Sendable, Codable, CaseIterable {
    case endpointIndependent = "endpoint-independent"
    case addressDependent = "address-dependent"
    case addressAndPortDependent = "address-and-port-dependent"
    /// Dependent on the destination, where no two ports of one server IP could tell address-
    /// from address-and-port-dependent (servers with one address each).
    case endpointDependent = "endpoint-dependent"

    /// RFC 4787's abbreviation (EIM, ADM, APDM; EDM for "one of the two"), as `--expect` accepts it.
    public var abbreviation: String {
        switch self {
        case .endpointIndependent: "eim"
        case .addressDependent: "adm"
        case .addressAndPortDependent: "apdm"
        case .endpointDependent: "edm"
        }
    }

    /// The behaviours a NAT can have; `endpointDependent` is a verdict that stops short of one.
    public static let behaviours: [MappingBehaviour] = [.endpointIndependent, .addressDependent, .addressAndPortDependent]
}

/// RFC 4787 §5 filtering behaviour: which outside endpoints may send to a mapping.
public enum FilteringBehaviour: String, Sendable, Codable, CaseIterable {
    case endpointIndependent = "endpoint-independent"
    case addressDependent = "address-dependent"
    case addressAndPortDependent = "address-and-port-dependent"

    /// RFC 4787's abbreviation (EIF, ADF, APDF).
    public var abbreviation: String {
        switch self {
        case .endpointIndependent: "eif"
        case .addressDependent: "adf"
        case .addressAndPortDependent: "apdf"
        }
    }
}

/// How the NAT picks the external port of a new mapping (RFC 4787 §4.2.1).
public enum PortAllocation: String, Sendable, Codable {
    /// The external port equals the local port.
    case preserved
    /// Each new mapping takes the previous port plus a small constant (`delta`).
    case sequential
    /// No pattern: ports cannot be predicted.
    case random
}

/// One conclusion of the classifier, how sure it is, and why.
public struct Finding<Value: Encodable & Sendable & Equatable>: Encodable, Sendable, Equatable {
    /// The conclusion; null when the tests could not decide.
    @Nullable public var value: Value?
    /// Probability (0–1) that `value` is right given the packet loss seen; 1 when it rests only on
    /// answers received, lower when it rests on answers that never came. Null when undecided.
    @Nullable public var confidence: Double?
    /// Which tests, addresses and answers (or missing answers) the conclusion rests on.
    public var evidence: [String]

    public init(_ value: Value?, confidence: Double?, evidence: [String]) {
        self.value = value
        self.confidence = value == nil ? nil : confidence.map { ($0 * 1000).rounded() / 1000 }
        self.evidence = evidence
    }

    public static func undecided(_ why: String) -> Finding { Finding(nil, confidence: nil, evidence: [why]) }

}

/// Port allocation with its pattern's parameters.
public struct PortAllocationValue: Encodable, Sendable, Equatable {
    public var kind: PortAllocation
    /// The step between consecutive mappings when `kind` is sequential; null otherwise.
    @Nullable public var delta: Int?
    /// The external ports seen, in the order their mappings were created.
    public var ports: [UInt16]

}

/// One server as the classifier saw it from the primary socket.
public struct ClassifierServerRecord: Encodable, Sendable, Equatable {
    /// The server as given (`host:port`), with its address when a name was resolved.
    public var server: String
    /// The reflexive address it reported for the primary socket; null without an answer.
    @Nullable public var mapped: String?
    /// Its alternate address (OTHER-ADDRESS, or RFC 3489 CHANGED-ADDRESS); null when it named none.
    @Nullable public var otherAddress: String?
    /// Whether the RFC 5780 filtering, mapping II/III and claim tests ran against it.
    public var fullTests = false
    /// Round trip to it in milliseconds; null without an answer.
    @Nullable public var rttMs: Double?
    /// Why it gave no mapping: not resolved, no answer, an error response; null when it answered.
    @Nullable public var error: String?
    /// Why it could not run the RFC 5780 tests (no or unusable alternate address); null otherwise.
    @Nullable public var note: String?

    public init(server: String, error: String? = nil) {
        self.server = server
        self.error = error
    }
}

/// One test as run: what went where, how many times, and what came back.
public struct ClassifierTestRecord: Encodable, Sendable, Equatable {
    /// `mapping-1`, `filtering-2`, `hairpin`, `port-sample-1`, ...
    public var test: String
    /// Local socket the request left from (`0.0.0.0:PORT`).
    public var from: String
    /// Destination of the request.
    public var to: String
    /// CHANGE-REQUEST flags sent, e.g. `ip+port`; null when none.
    @Nullable public var change: String?
    /// Times the request was sent.
    public var transmissions: Int
    /// Where the answer came from; null when none came.
    @Nullable public var answeredFrom: String?
    /// The reflexive address in the answer.
    @Nullable public var mapped: String?
    /// Round-trip time of an unambiguous answer (one transmission before it), in milliseconds.
    @Nullable public var rttMs: Double?
    /// STUN error response code, when the answer was an error.
    @Nullable public var errorCode: Int?
    /// How the test ended: `answered`, `error`, `no-answer` (every copy sent and waited for),
    /// `not-needed` (another answer settled it first) or `timed-out` (cut off by --timeout).
    public var outcome: String

}

/// The verdict of `natctl classify`, encoded as `natctl.classify/2` (docs/schema/natctl.classify.2.json).
public struct ClassifierReport: Encodable, Sendable {
    public static let schema = "natctl.classify/2"
    public var schema = ClassifierReport.schema
    /// The server the verdicts rest on: the one that ran the RFC 5780 tests, else the first that
    /// answered, else the first given; and its alternate address (null when none ran the tests).
    public var server: String
    @Nullable public var otherAddress: String?
    /// Every server asked (and every server name that could not be used), in the order given.
    public var servers: [ClassifierServerRecord] = []
    /// Whether UDP reached the server: null when nothing could be sent.
    @Nullable public var udp: Bool?
    /// Our reflexive address from mapping test I.
    @Nullable public var publicAddress: String?
    /// True when the server saw this host's own address: there is no NAT on the path.
    @Nullable public var noNat: Bool?
    public var mapping: Finding<MappingBehaviour>
    public var filtering: Finding<FilteringBehaviour>
    public var portAllocation: Finding<PortAllocationValue>
    /// Whether a packet sent to our own public address came back in (RFC 5780 §4.5).
    public var hairpin: Finding<Bool>
    /// Whether an unsolicited inbound packet claims the mapping it reaches, so the host's next
    /// packet to that sender gets a new external port (routers without an input firewall).
    public var inboundClaimsMapping: Finding<Bool>
    /// Binding lifetime in milliseconds (`--lifetime`); null when not measured.
    public var lifetimeMs: Finding<Double>
    /// AutoNAT-style dial-back results, when asked for.
    @Nullable public var reachability: ReachabilityReport?
    /// `--autonat`: whether libp2p nodes could dial this host back over TCP; null when not asked.
    @Nullable public var autonat: AutoNATReport?
    /// The RFC 3489 name of this mapping × filtering pair (`full-cone`, `symmetric`, ...), or
    /// `none` when the pair has no RFC 3489 name; null when undecided.
    @Nullable public var rfc3489: String?
    /// `not-needed` (no NAT), `easy`, `order-sensitive` (easy only when this side sends first:
    /// inbound packets claim mappings), `predictable` (port prediction needed), `hard` or
    /// `impossible` (no UDP); null when undecided.
    public var holePunching: Finding<String>
    /// Round-trip time to the server in milliseconds (largest clean sample).
    @Nullable public var rttMs: Double?
    /// Round-trip loss estimated from retransmissions, 0–1.
    @Nullable public var lossEstimate: Double?
    /// Every test as run.
    public var tests: [ClassifierTestRecord] = []
    /// `--expect` conditions and whether they held.
    public var expectations: [ProbeReport.RequirementResult] = []
    /// Conditions that break peer-to-peer software though the verdicts look fine.
    public var warnings: [String] = []
    /// Why the run failed or an expectation did not hold, `{code, message}`; null when classify
    /// did its job. The engine sets it when nothing could be sent; the CLI when nothing answered.
    @Nullable public var error: ReportError?
    /// Wall time of the classification, in milliseconds (the key of every command's wall time).
    public var durationMs: Double = 0

    public init(server: String) {
        self.server = server
        mapping = .undecided("not run")
        filtering = .undecided("not run")
        portAllocation = .undecided("not run")
        hairpin = .undecided("not run")
        inboundClaimsMapping = .undecided("not run")
        lifetimeMs = .undecided("not measured; pass --lifetime")
        holePunching = .undecided("not run")
    }
}
