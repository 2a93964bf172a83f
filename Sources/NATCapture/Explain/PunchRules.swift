import NATWire

/// natctl punch's peer-to-peer checks: which inbound attempts arrived, which a NAT dropped
/// (visible when the capture covers the NAT's outside), and which the peer never sent.
enum PunchRules {
    static func findings(_ context: TraceContext, mappings: [TranslationRules.Mapping], expected: ExpectedProbes) -> [TraceFinding] {
        let local = context.localPackets
        let sent = local.filter { ($0.stun?.isPeerCheck ?? false) && $0.stun?.messageClass != .successResponse && context.isOutgoing($0) }
        let received = local.filter { ($0.stun?.isPeerCheck ?? false) && context.isIncoming($0) && !context.locals.contains($0.ip?.source ?? .unspecified(.ipv4)) }
        guard !sent.isEmpty || !received.isEmpty else { return [] }
        var findings: [TraceFinding] = []
        let localPayloads = context.localPayloads
        // This host's public addresses: what Binding answers reported and what NATs rewrote it
        // to (not the peer's addresses that rendezvous messages carry).
        let publicIPs = Set(mappings.map(\.outside.ip)).union(expected.reflexive.keys.map(\.ip))
        let outside = context.packets.filter { packet in
            guard !context.localInterfaces.contains(packet.interface), packet.stun?.isPeerCheck ?? false, let ip = packet.ip else { return false }
            return publicIPs.contains(ip.destination) && !context.locals.contains(ip.source)
        }
        // Where the capture has this site's NAT (the interface holding the public address), its
        // sightings are the ones that count; elsewhere on the path the packets were still travelling.
        let atNAT = outside.filter { packet in
            packet.ip.map { context.interfaces.indices.contains(packet.interface) && context.interfaces[packet.interface].addresses.contains($0.destination) } ?? false
        }
        let inbound = atNAT.isEmpty ? outside : atNAT
        for (peer, arrivals) in Dictionary(grouping: inbound, by: { $0.ip?.source }).sorted(by: { ($0.key?.description ?? "") < ($1.key?.description ?? "") }) {
            guard let peer else { continue }
            let through = arrivals.filter { localPayloads.contains($0.udpPayload ?? []) }
            // The same datagram is seen once per outside interface; count distinct ones.
            let distinct = Set(arrivals.compactMap(\.udpPayload)).count
            let passed = Set(through.compactMap(\.udpPayload)).count
            let where_ = Set(arrivals.map { context.interfaceName($0.interface) }).sorted().joined(separator: ", ")
            let ports = Set(arrivals.compactMap(\.udpDestination)).sorted().map(\.description).joined(separator: ", ")
            if passed == 0 {
                let perDestination = Dictionary(grouping: mappings, by: \.inside).values.contains { TranslationRules.perDestination($0) != nil }
                let why = perDestination
                    ? " It only lets in packets from endpoints this host has sent to, and this host's own checks toward the peer left from other public ports (its mapping depends on the destination)."
                    : " It filters inbound packets from endpoints this host has not sent to."
                let sentence = atNAT.isEmpty
                    ? "\(counted(distinct, "punch check")) from the peer at \(peer) toward \(ports) were seen on \(where_) and none reached this host: they were dropped on the way, most likely by this site's NAT.\(why)"
                    : "\(counted(distinct, "punch check")) from the peer at \(peer) reached this site's NAT at \(ports) (seen on \(where_)) and none got through to this host: the NAT dropped them.\(why)"
                findings.append(TraceFinding(
                    kind: .punchInboundDropped, severity: .problem,
                    sentence: sentence,
                    frames: arrivals.map(\.frame), remote: peer.description, by: where_))
            } else if passed < distinct {
                findings.append(TraceFinding(
                    kind: .punchInboundDropped, severity: .warning,
                    sentence: "\(passed) of \(counted(distinct, "punch check")) from the peer at \(peer) that reached this site's NAT (on \(where_)) got through to this host; the NAT dropped the rest (those sent before this host's own checks opened the way).",
                    frames: arrivals.map(\.frame), remote: peer.description, by: where_))
            }
        }
        let heard = Set(received.compactMap(\.ip?.source))
        for peer in heard.sorted() {
            let these = received.filter { $0.ip?.source == peer }
            findings.append(TraceFinding(
                kind: .punchInboundArrived, severity: .info,
                sentence: "\(counted(these.count, "punch packet")) from the peer at \(peer) reached this host.",
                frames: these.map(\.frame), remote: peer.description))
        }
        if heard.isEmpty, outside.isEmpty, !sent.isEmpty {
            let targets = Set(sent.compactMap(\.udpDestination)).sorted()
            let vantage = context.localInterfaces.count < context.interfaces.count ? "this host or the NAT in front of it" : "this host"
            let list = targets.prefix(6).map(\.description).joined(separator: ", ") + (targets.count > 6 ? ", …" : "")
            findings.append(TraceFinding(
                kind: .punchInboundNeverSent, severity: .problem,
                sentence: "This host sent \(counted(sent.count, "punch check")) to the peer's candidates (\(list)) and not one check from the peer reached \(vantage): the peer never sent any toward this host's addresses (it had no candidates for it, or was not running), or they were lost before \(context.localInterfaces.count < context.interfaces.count ? "this site's NAT" : "this host (capture on the NAT, with natctl trace --lab, to tell which)").",
                frames: sent.map(\.frame)))
        }
        return findings
    }
}
