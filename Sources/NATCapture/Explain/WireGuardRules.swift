import NATWire

/// WireGuard handshakes (initiation → response, matched by the initiator's session index):
/// which endpoints completed one and which kept initiating into silence.
enum WireGuardRules {
    static func findings(_ context: TraceContext) -> [TraceFinding] {
        let packets = context.localPackets.filter { $0.wireGuard != nil }
        let initiations = packets.filter { $0.wireGuard?.kind == .initiation }
        // Who initiated decides whose silence it is.
        let outgoing = Set(initiations.filter { context.isOutgoing($0) && !context.isIncoming($0) }.map(\.frame))
        guard !initiations.isEmpty else { return [] }
        let answeredIndices = Set(packets.filter { $0.wireGuard?.kind == .response }.compactMap(\.wireGuard?.receiver))
        let cookieIndices = Set(packets.filter { $0.wireGuard?.kind == .cookieReply }.compactMap(\.wireGuard?.receiver))
        var findings: [TraceFinding] = []
        let flows = Dictionary(grouping: initiations) { Flow(source: $0.udpSource ?? .init(ip: .unspecified(.ipv4), port: 0), destination: $0.udpDestination ?? .init(ip: .unspecified(.ipv4), port: 0)) }
        for (flow, sent) in flows.sorted(by: { $0.key.source < $1.key.source || ($0.key.source == $1.key.source && $0.key.destination < $1.key.destination) }) {
            guard let first = sent.first, let last = sent.last else { continue }
            let answered = sent.filter { answeredIndices.contains($0.wireGuard?.sender ?? 0) }
            let cookies = sent.filter { cookieIndices.contains($0.wireGuard?.sender ?? 0) }
            let responses = packets.filter { packet in
                guard let message = packet.wireGuard, message.kind != .initiation, message.kind != .transportData else { return false }
                return sent.contains { $0.wireGuard?.sender == message.receiver }
            }
            if answered.isEmpty, !outgoing.contains(first.frame) {
                findings.append(TraceFinding(
                    kind: .wireGuardNoResponse, severity: .problem,
                    sentence: "\(counted(sent.count, "WireGuard handshake initiation")) from the peer at \(flow.source) to \(flow.destination) over \(span(first.timestampNanos, last.timestampNanos)) got no response from this host: its WireGuard does not listen on that port or does not know the peer's key.",
                    frames: (sent + responses).map(\.frame).sorted(), local: flow.destination.description, remote: flow.source.description))
            } else if answered.isEmpty {
                let cookie = cookies.isEmpty ? "" : " The peer did answer with \(counted(cookies.count, "cookie reply", "cookie replies")): it is under load and wants the initiations retried with its cookie."
                findings.append(TraceFinding(
                    kind: .wireGuardNoResponse, severity: .problem,
                    sentence: "\(counted(sent.count, "WireGuard handshake initiation")) from \(flow.source) to \(flow.destination) over \(span(first.timestampNanos, last.timestampNanos)) got no handshake response: the peer is unreachable at that endpoint (a NAT or firewall in front of it drops unsolicited packets, or nothing listens there), or it does not accept this host's key.\(cookie)",
                    frames: (sent + responses).map(\.frame).sorted(), local: flow.source.description, remote: flow.destination.description))
            } else {
                findings.append(TraceFinding(
                    kind: .wireGuardHandshake, severity: .info,
                    sentence: "WireGuard handshake between \(flow.source) and \(flow.destination) completed: \(answered.count) of \(counted(sent.count, "initiation")) answered.",
                    frames: (sent + responses).map(\.frame).sorted(), local: flow.source.description, remote: flow.destination.description))
            }
        }
        return findings
    }
}
