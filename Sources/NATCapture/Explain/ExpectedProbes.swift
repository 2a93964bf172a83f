import NATWire

/// The operation's own deliberate probes, recognised from the packets alone (never from an
/// engine's internals): classify's hairpin test (a request to this host's own reflexive
/// address, as an earlier answer reported it), RFC 5780 filtering tests (CHANGE-REQUEST,
/// RESPONSE-PORT), and punch checks toward the peer's candidates. Their failures are what
/// the test measures, so rules report them as information, not problems.
struct ExpectedProbes {
    /// Endpoints STUN servers reported for this host (XOR-MAPPED-ADDRESS in Binding success
    /// responses it received; rendezvous messages carry a peer's addresses, not ours), with
    /// when the first such answer arrived.
    let reflexive: [TransportAddress: Int64]
    /// Outgoing flows of the hairpin test: a STUN request to a reflexive address of this host,
    /// sent after an answer reported that address.
    let hairpinFlows: Set<Flow>
    /// Outgoing flows that carried punch checks toward a peer's candidate.
    let punchFlows: Set<Flow>
    /// Transactions of requests that asked for the answer from or to another endpoint.
    let answerElsewhere: Set<TransactionID>

    init(_ context: TraceContext) {
        var reflexive: [TransportAddress: Int64] = [:]
        for packet in context.localPackets where context.isIncoming(packet) {
            guard let stun = packet.stun, stun.method == .binding, stun.messageClass == .successResponse,
                !stun.isPeerCheck, let mapped = stun.reflexive
            else { continue }
            reflexive[mapped] = min(reflexive[mapped] ?? .max, packet.timestampNanos)
        }
        var hairpin: Set<Flow> = []
        var punch: Set<Flow> = []
        var elsewhere: Set<TransactionID> = []
        for packet in context.localPackets where context.isOutgoing(packet) {
            guard let stun = packet.stun, stun.messageClass == .request, let source = packet.udpSource,
                let destination = packet.udpDestination
            else { continue }
            let flow = Flow(source: source, destination: destination)
            if stun.isPeerCheck {
                punch.insert(flow)
            } else if let seen = reflexive[destination], seen <= packet.timestampNanos {
                hairpin.insert(flow)
            }
            if stun.asksForAnswerElsewhere { elsewhere.insert(stun.transactionID) }
        }
        self.reflexive = reflexive
        self.hairpinFlows = hairpin
        self.punchFlows = punch
        self.answerElsewhere = elsewhere
    }

    func isHairpin(_ packet: DecodedPacket) -> Bool {
        guard let source = packet.udpSource, let destination = packet.udpDestination else { return false }
        return hairpinFlows.contains(Flow(source: source, destination: destination))
    }
}

extension IPAddress {
    /// Private, shared (CGNAT), loopback or link-local space: an address that only means
    /// something on its own network (RFC 1918, RFC 6598, RFC 3927, RFC 4193, RFC 4291).
    var isNonGlobal: Bool {
        let b = bytes
        if family == .ipv4 {
            return b[0] == 10 || b[0] == 127 || (b[0] == 172 && b[1] & 0xF0 == 16) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 100 && b[1] & 0xC0 == 64) || (b[0] == 169 && b[1] == 254)
        }
        return b[0] & 0xFE == 0xFC || (b[0] == 0xFE && b[1] & 0xC0 == 0x80)
            || b == [UInt8](repeating: 0, count: 15) + [1]
    }
}
