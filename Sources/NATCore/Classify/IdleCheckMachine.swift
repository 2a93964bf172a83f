import NATWire

/// `lab verify`'s proof of a short UDP mapping timeout (RFC 4787 §4.3), without I/O: the
/// `LifetimeMachine` with two fixed waits, a short control and the timeout plus a margin, whose
/// output is each probe's outcome rather than an estimate. A mapping that let the server's
/// answer (RESPONSE-PORT, RFC 5780 §4.6) in after the control wait but not after the long one
/// proves the timeout; a dead control proves nothing (the path or the server is at fault).
public struct IdleCheckMachine: DatagramMachine {
    /// The short wait every NAT must survive; the long wait is the one under test.
    public static let controlWait: Duration = .milliseconds(500)

    public struct Outcome: Sendable, Equatable {
        /// Whether a mapping idle `controlWait` still let the answer in; nil when that probe got no mapping.
        public var aliveAfterControl: Bool?
        /// Whether a mapping idle `idle` still did; false is the proof that it expired.
        public var aliveAfterIdle: Bool?
    }

    private var inner: LifetimeMachine

    /// - Parameters:
    ///   - idle: how long the second probe's mapping stays idle before the server answers to it.
    ///   - roundTrip: the path's round trip (from a Binding transaction), which paces the copies.
    public init(server: TransportAddress, idle: Duration, roundTrip: Duration) {
        var configuration = LifetimeMachine.Configuration(server: server, budget: idle + .seconds(3), roundTrip: roundTrip)
        configuration.fixedWaits = [Self.controlWait, idle]
        inner = LifetimeMachine(configuration: configuration)
    }

    /// Socket 0 asks (RESPONSE-PORT), sockets 1 and 2 hold the control and idle mappings.
    public var socketCount: Int { inner.configuration.socketCount }

    public mutating func start(at now: Duration) -> [DatagramAction] { inner.start(at: now) }

    public mutating func received(_ bytes: [UInt8], from source: TransportAddress, on socket: Int, at now: Duration) -> [DatagramAction] {
        inner.received(bytes, from: source, on: socket, at: now)
    }

    public mutating func tick(at now: Duration) -> [DatagramAction] { inner.tick(at: now) }

    public var nextWakeup: Duration? { inner.nextWakeup }

    public var output: Outcome? {
        guard inner.output != nil else { return nil }
        let outcomes = inner.probeOutcomes
        return Outcome(aliveAfterControl: outcomes.first?.alive, aliveAfterIdle: outcomes.dropFirst().first?.alive)
    }
}
