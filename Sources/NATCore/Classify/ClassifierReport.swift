import NATWire

/// RFC 4787 §4.1 mapping behaviour: what decides whether two destinations see one mapping.
public enum MappingBehaviour: String, Sendable, Codable, CaseIterable {
    case endpointIndependent = "endpoint-independent"
    case addressDependent = "address-dependent"
    case addressAndPortDependent = "address-and-port-dependent"

    /// RFC 4787's abbreviation (EIM, ADM, APDM), as `--expect` accepts it.
    public var abbreviation: String {
        switch self {
        case .endpointIndependent: "eim"
        case .addressDependent: "adm"
        case .addressAndPortDependent: "apdm"
        }
    }
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

}

/// The verdict of `natctl classify`, encoded as `natctl.classify/2` (docs/schema/natctl.classify.2.json).
public struct ClassifierReport: Encodable, Sendable {
    public static let schema = "natctl.classify/2"
    public var schema = ClassifierReport.schema
    /// The server the tests ran against, and its RFC 5780 alternate address (null when it sent none).
    public var server: String
    @Nullable public var otherAddress: String?
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
    /// Binding lifetime in seconds (`--lifetime`); null when not measured. Encoded in
    /// milliseconds as `lifetime_ms`.
    public var lifetime: Finding<Double>
    /// AutoNAT-style dial-back results, when asked for.
    @Nullable public var reachability: ReachabilityReport?
    /// The RFC 3489 name of this mapping × filtering pair (`full-cone`, `symmetric`, ...), or
    /// `none` when the pair has no RFC 3489 name; null when undecided.
    @Nullable public var rfc3489: String?
    /// `not-needed` (no NAT), `easy`, `predictable` (port prediction needed), `hard` or
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
    /// Why nothing could be sent, when that is why nothing answered (the engine's words; the
    /// CLI puts it into `failure`). Not encoded.
    public var error: String?
    /// Why the run failed or an expectation did not hold, encoded as the `error` object
    /// `{code, message}`; null when classify did its job.
    public var failure: ReportError?
    /// Wall time of the classification, in milliseconds; encoded as `duration_ms`, the key of
    /// every command's wall time.
    public var elapsedMs: Double = 0

    public init(server: String) {
        self.server = server
        mapping = .undecided("not run")
        filtering = .undecided("not run")
        portAllocation = .undecided("not run")
        hairpin = .undecided("not run")
        lifetime = .undecided("not measured; pass --lifetime")
        holePunching = .undecided("not run")
    }
}

extension ClassifierReport {
    enum CodingKeys: String, CodingKey {
        case schema, server, otherAddress, udp, publicAddress, noNat, mapping, filtering, portAllocation, hairpin
        case lifetimeMs, reachability, rfc3489, holePunching, rttMs, lossEstimate, tests, expectations, error, durationMs
    }

    /// Every key present (null when not checked); durations in milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(server, forKey: .server)
        try container.encode(otherAddress, forKey: .otherAddress)
        try container.encode(udp, forKey: .udp)
        try container.encode(publicAddress, forKey: .publicAddress)
        try container.encode(noNat, forKey: .noNat)
        try container.encode(mapping, forKey: .mapping)
        try container.encode(filtering, forKey: .filtering)
        try container.encode(portAllocation, forKey: .portAllocation)
        try container.encode(hairpin, forKey: .hairpin)
        let lifetimeMs = Finding(lifetime.value.map { ($0 * 1000).rounded() }, confidence: lifetime.confidence, evidence: lifetime.evidence)
        try container.encode(lifetimeMs, forKey: .lifetimeMs)
        try container.encode(reachability, forKey: .reachability)
        try container.encode(rfc3489, forKey: .rfc3489)
        try container.encode(holePunching, forKey: .holePunching)
        try container.encode(rttMs, forKey: .rttMs)
        try container.encode(lossEstimate, forKey: .lossEstimate)
        try container.encode(tests, forKey: .tests)
        try container.encode(expectations, forKey: .expectations)
        try container.encode(failure, forKey: .error)
        try container.encode(elapsedMs, forKey: .durationMs)
    }
}
