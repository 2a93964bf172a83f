import NATWire

/// What `ClassifierMachine` needs to know before it starts: the server, this host's addresses,
/// and how patient to be.
public struct ClassifierConfiguration: Sendable {
    /// The RFC 5780 server's primary address.
    public var server: TransportAddress
    /// This host's own interface addresses, to recognise "no NAT".
    public var localIPs: Set<IPAddress>
    /// Extra sockets that each open one mapping toward the server, for port-allocation analysis.
    public var portSamples = 3
    /// Whether to run the RFC 5780 §4.5 hairpinning test.
    public var testHairpin = true
    /// Times a request is sent before its missing answer counts as "no answer".
    public var transmissions = 5
    /// Gap between transmissions before any round-trip time is known; doubled twice at most.
    public var initialInterval: Duration = .milliseconds(100)
    /// Gaps and waits once the round-trip time is known.
    public var pacing = RoundTripPacing()
    /// How long to wait for an answer while the round-trip time is still unknown.
    public var unknownRTTWait: Duration = .milliseconds(500)
    /// Upper bound on the whole classification.
    public var timeout: Duration = .seconds(5)

    public init(server: TransportAddress, localIPs: Set<IPAddress>) {
        self.server = server
        self.localIPs = localIPs
    }

    /// Sockets the driver opens before starting: the primary socket (mapping and hairpin tests),
    /// the filtering socket, then one per port sample.
    public var socketCount: Int { 2 + portSamples }

    static let primarySocket = 0
    static let filteringSocket = 1
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
