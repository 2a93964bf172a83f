import NATWire

/// What `ClassifierMachine` needs to know before it starts: the servers, this host's addresses,
/// and how patient to be.
public struct ClassifierConfiguration: Sendable {
    /// Every server to ask, in the user's order, all of one IP family. Ordinary servers decide
    /// mapping by comparison; the first that names an alternate address (RFC 5780 OTHER-ADDRESS
    /// or RFC 3489 CHANGED-ADDRESS) also runs the filtering, hairpin and inbound-claim tests.
    public var servers: [TransportAddress]
    /// This host's own interface addresses, to recognise "no NAT".
    public var localIPs: Set<IPAddress>
    /// Extra sockets that each open one mapping toward the server, for port-allocation analysis.
    public var portSamples = 3
    /// Whether to run the RFC 5780 §4.5 hairpinning test.
    public var testHairpin = true
    /// Times a request is sent before its missing answer counts as "no answer".
    public var transmissions = 5
    /// Gap between transmissions before any round-trip time is known: kept for the second copy,
    /// then doubled twice at most.
    public var initialInterval: Duration = .milliseconds(100)
    /// Gaps and waits once the round-trip time is known.
    public var pacing = RoundTripPacing()
    /// How long to wait for an answer while the round-trip time is still unknown.
    public var unknownRTTWait: Duration = .milliseconds(500)
    /// Upper bound on the whole classification.
    public var timeout: Duration = .seconds(5)

    /// Whether to check if unsolicited inbound packets claim the mapping (routers without an input firewall).
    public var testInboundClaim = true

    public init(servers: [TransportAddress], localIPs: Set<IPAddress>) {
        precondition(!servers.isEmpty, "at least one server")
        self.servers = servers
        self.localIPs = localIPs
    }

    /// The IP family every server shares.
    public var family: IPAddress.Family { servers[0].ip.family }

    /// Sockets the driver opens before starting: the primary socket (bindings to every server,
    /// mapping tests and hairpin), two sets of filtering and claim sockets (the first server is
    /// tried at once; a later server with an alternate address gets fresh ones), then one per
    /// port sample.
    public var socketCount: Int { 5 + portSamples }

    static let primarySocket = 0
    /// Filtering and claim sockets for the first full-test candidate and for a later one.
    static func filteringSocket(attempt: Int) -> Int { 1 + attempt * 2 }
    static func claimSocket(attempt: Int) -> Int { 2 + attempt * 2 }
    static func sampleSocket(_ sample: Int) -> Int { 5 + sample }
}

/// The pacing both probing machines share once the round trip is known: copies half a round
/// trip apart, and a last wait of two round trips, so "no answer" costs a few round trips.
public struct RoundTripPacing: Sendable {
    /// The shortest gap between copies.
    public var minimumInterval: Duration = .milliseconds(10)
    /// Added to the last wait for jitter and scheduling.
    public var waitMargin: Duration = .milliseconds(25)

    public init() {}

    func gap(_ roundTrip: Duration) -> Duration { max(roundTrip / 2, minimumInterval) }
    func answerWait(_ roundTrip: Duration) -> Duration { roundTrip * 2 + waitMargin }
}
