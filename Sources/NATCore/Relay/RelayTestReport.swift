import NATWire

/// What `natctl relay test` found (schema natctl.relay-test/2, docs/json.md, docs/schema/).
public struct RelayTestReport: Encodable, Sendable {
    public static let schema = "natctl.relay-test/2"
    public var schema = RelayTestReport.schema
    public var server: String
    /// How the client reached the server: `udp`, `tcp`, `tls`, or `tls-insecure` (TLS whose
    /// certificate was not checked, `--insecure`).
    public var transport = "udp"
    @Nullable public var allocation: Allocation?
    /// Who echoed: a named peer or this host's second socket.
    @Nullable public var echoPeer: String?
    @Nullable public var channel: Int?
    @Nullable public var echo: Echo?
    /// Why the test stopped short, in the engine's words; null when it ran through. The CLI
    /// encodes it in the `error` object (not encoded itself).
    public var error: String?
    /// The STUN error code behind `error`, when the server sent one (401, 437, 486, ...);
    /// encoded as `stun_error_code`.
    @Nullable public var errorCode: Int?
    /// The `error` object `{code, message}`; null when the test ran through.
    @Nullable public var failure: ReportError?
    /// Whether `error` is that the server never answered (not encoded).
    public var noAnswer = false
    /// Wall time of the whole run, in milliseconds.
    public var durationMs: Double = 0

    /// Only these are encoded (the engine's `error` sentence is not), every optional as null when nil.
    enum CodingKeys: String, CodingKey {
        case schema, server, transport, allocation, echoPeer, channel, echo, addedRttMs, durationMs
        case failure = "error"
        case errorCode = "stunErrorCode"
    }

    public init(server: String) { self.server = server }

    public struct Allocation: Encodable, Sendable {
        public var relayedAddress: String
        @Nullable public var mappedAddress: String?
        /// The allocation's lifetime as granted, in seconds; encoded as `lifetime_ms`.
        public var lifetimeSeconds: Int
        /// From the first Allocate to the allocation, the 401 challenge included.
        public var allocateMs: Double
        /// The shortest TURN transaction round trip: the direct path to the server.
        public var serverRttMs: Double

        enum CodingKeys: String, CodingKey { case relayedAddress, mappedAddress, lifetimeMs, allocateMs, serverRttMs }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(relayedAddress, forKey: .relayedAddress)
            try container.encode(mappedAddress, forKey: .mappedAddress)
            try container.encode(lifetimeSeconds * 1000, forKey: .lifetimeMs)
            try container.encode(allocateMs, forKey: .allocateMs)
            try container.encode(serverRttMs, forKey: .serverRttMs)
        }
    }

    public struct Echo: Encodable, Sendable {
        /// Each sequential echo's round trip through the relay, in milliseconds.
        public var rttMs: [Double] = []
        @Nullable public var burst: Burst?

        /// The median round trip through the relay.
        public var medianRttMs: Double? {
            guard !rttMs.isEmpty else { return nil }
            return rttMs.sorted()[rttMs.count / 2]
        }

        enum CodingKeys: String, CodingKey { case rttMs, burst, medianRttMs }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rttMs, forKey: .rttMs)
            try container.encode(burst, forKey: .burst)
            try container.encode(medianRttMs, forKey: .medianRttMs)
        }
    }

    public struct Burst: Encodable, Sendable {
        public var sent: Int
        public var echoed: Int
        public var payloadBytes: Int
        public var ratePerSecond: Int
        public var lossPercent: Double
        /// Echoed payload bits per second over the burst, in Mbit/s.
        public var echoedMbitPerSecond: Double
    }

    /// How much the median relayed round trip costs beyond a direct one to the server.
    @Nullable public var addedRttMs: Double?
}
