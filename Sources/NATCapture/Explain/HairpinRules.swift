import NATWire

/// classify's hairpin test: a request to this host's own public (reflexive) address. Whether
/// the NAT loops it back inside is what the test asks, so every outcome is information.
enum HairpinRules {
    static func findings(_ context: TraceContext, expected: ExpectedProbes) -> [TraceFinding] {
        let local = context.localPackets
        var findings: [TraceFinding] = []
        for flow in expected.hairpinFlows.sorted(by: { ($0.destination, $0.source) < ($1.destination, $1.source) }) {
            let sent = local.filter {
                $0.udpSource == flow.source && $0.udpDestination == flow.destination && context.isOutgoing($0)
                    && $0.stun != nil
            }
            guard !sent.isEmpty else { continue }
            let ids = Set(sent.compactMap(\.stun?.transactionID))
            // Looped back: the same transaction arriving at this host (the request itself, or an answer to it).
            let back = local.filter { packet in
                guard let stun = packet.stun, ids.contains(stun.transactionID), context.isIncoming(packet) else {
                    return false
                }
                return !sent.contains { $0.frame == packet.frame }
            }
            let errors = local.filter { packet in
                guard let quoted = packet.icmp?.quoted, context.isIncoming(packet), let sourcePort = quoted.sourcePort,
                    let destinationPort = quoted.destinationPort
                else { return false }
                return Flow(
                    source: TransportAddress(ip: quoted.source, port: sourcePort),
                    destination: TransportAddress(ip: quoted.destination, port: destinationPort)) == flow
            }
            let what =
                "Hairpin test: this host sent \(counted(sent.count, "request")) from \(flow.source) to its own public address \(flow.destination) (as a server reported it), asking whether the NAT loops such packets back inside"
            let sentence: String
            var by: String?
            if !back.isEmpty {
                sentence =
                    "\(what); they came back (\(counted(back.count, "packet"))): the NAT hairpins, so hosts behind it can reach each other at their public addresses."
            } else if let error = errors.first, let icmp = error.icmp {
                by = error.ip?.source.description
                sentence =
                    "\(what); \(by ?? "the NAT") answered with ICMP \(icmp.meaning) (\(counted(errors.count, "error"))): the NAT does not hairpin. That is the test's answer, not a fault: hosts behind this NAT reach each other at their private addresses."
            } else {
                sentence =
                    "\(what); nothing came back: the NAT does not hairpin (it dropped them silently). That is the test's answer, not a fault: hosts behind this NAT reach each other at their private addresses."
            }
            findings.append(
                TraceFinding(
                    kind: .hairpinTest, severity: .info, sentence: sentence,
                    frames: (sent + back + errors).map(\.frame).sorted(),
                    local: flow.source.description, remote: flow.destination.description, by: by))
        }
        return findings
    }
}
