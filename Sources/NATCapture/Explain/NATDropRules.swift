import NATWire

/// Datagrams addressed to this host's public address that a capture outside the host saw
/// (with `--lab`: on a router's WAN) and this host never did: the NAT dropped them. Punch
/// checks (PunchRules) and the filtering tests' answers (FilteringRules) are explained there.
enum NATDropRules {
    static func findings(
        _ context: TraceContext, mappings: [TranslationRules.Mapping], expected: ExpectedProbes,
        covered: Set<TransactionID>
    ) -> [TraceFinding] {
        guard context.localInterfaces.count < context.interfaces.count else { return [] }
        let local = context.localPackets
        // This host's public addresses: what its NAT rewrote it to, and what Binding answers
        // reported (never addresses other messages carry, such as a peer's in rendezvous).
        let publicIPs = Set(mappings.map(\.outside.ip)).union(expected.reflexive.keys.map(\.ip)).subtracting(
            context.locals)
        guard !publicIPs.isEmpty else { return [] }
        let localPayloads = context.localPayloads
        let requested = Set(
            local.filter { context.isOutgoing($0) && $0.stun?.messageClass == .request }.compactMap(
                \.stun?.transactionID))
        let dropped = context.packets.filter { packet in
            guard !context.localInterfaces.contains(packet.interface), let ip = packet.ip,
                publicIPs.contains(ip.destination),
                !context.locals.contains(ip.source), let payload = packet.udpPayload, !localPayloads.contains(payload)
            else { return false }
            if let stun = packet.stun, stun.isPeerCheck || covered.contains(stun.transactionID) { return false }
            // A peer's priming packet (hop limit 2 when sent) expires on the way by design.
            if ip.hopLimit <= 2 { return false }
            return true
        }
        var findings: [TraceFinding] = []
        for (source, seen) in Dictionary(
            grouping: dropped, by: { $0.udpSource ?? TransportAddress(ip: .unspecified(.ipv4), port: 0) }
        ).sorted(by: { $0.key < $1.key }) {
            // The same datagram is seen on several interfaces; count distinct payloads, and name
            // the innermost place each got to (its latest sighting).
            let payloads = Set(seen.compactMap(\.udpPayload))
            var last: [[UInt8]: DecodedPacket] = [:]
            for packet in seen {
                guard let payload = packet.udpPayload else { continue }
                if let known = last[payload], known.timestampNanos >= packet.timestampNanos { continue }
                last[payload] = packet
            }
            let where_ = Set(last.values.map { context.interfaceName($0.interface) }).sorted().joined(separator: ", ")
            let to = Set(last.values.compactMap(\.udpDestination)).sorted().map(\.description).joined(separator: ", ")
            let answers = seen.filter { packet in
                packet.stun.map { $0.messageClass.isResponse && requested.contains($0.transactionID) } ?? false
            }
            let what =
                seen.first?.stun.map { "\($0.title)\(payloads.count == 1 ? "" : "s")" }
                ?? "UDP datagram\(payloads.count == 1 ? "" : "s")"
            let nat = FilteringRules.namespace(where_).map { "the NAT in \($0)" } ?? "the NAT"
            let sentence =
                answers.isEmpty
                ? "\(payloads.count) \(what) from \(source) to this host's public address \(to) reached \(where_) and never reached this host: \(nat) dropped them (it filters packets from endpoints this host has not sent to, or no mapping was open for them)."
                : "\(payloads.count) \(what) from \(source), answering this host's requests, reached \(where_) at \(to) and never reached this host: \(nat) dropped them (its mapping had expired or it filters this server's answers), so the client waited in vain."
            findings.append(
                TraceFinding(
                    kind: .droppedAtNAT, severity: answers.isEmpty ? .warning : .problem, sentence: sentence,
                    frames: seen.map(\.frame), remote: source.description, by: where_))
        }
        return findings
    }
}
