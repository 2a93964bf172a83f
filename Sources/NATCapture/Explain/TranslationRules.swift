import NATWire

/// How a NAT rewrote this host's endpoints: seen directly when the capture covers both sides
/// of the NAT (the same datagram inside and outside), or inferred from what STUN servers
/// reported. From the same evidence: mappings that change with the destination.
enum TranslationRules {
    /// One inside endpoint's public face toward one destination.
    struct Mapping: Hashable {
        var inside: TransportAddress
        var outside: TransportAddress
        var destination: TransportAddress
        /// Where it was seen: "on router/wan0" or "by 203.0.113.1:3478".
        var evidence: String
        var frames: [Int]
    }

    /// Datagrams seen on two interfaces within this window are taken to be the same one.
    static let sameDatagramWindowNanos: Int64 = 2_000_000_000

    static func mappings(_ context: TraceContext) -> [Mapping] {
        var found: [Mapping] = []
        var index: [String: Int] = [:]
        func add(_ mapping: Mapping) {
            let key = "\(mapping.inside)|\(mapping.outside)|\(mapping.destination)"
            if let at = index[key] {
                found[at].frames += mapping.frames
            } else {
                index[key] = found.count
                found.append(mapping)
            }
        }
        // Both sides of the NAT: the same payload leaving this host and, rewritten, further on.
        if context.localInterfaces.count < context.interfaces.count {
            var sightings: [[UInt8]: [DecodedPacket]] = [:]
            for packet in context.packets where (packet.udpPayload?.count ?? 0) >= 8 {
                sightings[packet.udpPayload ?? [], default: []].append(packet)
            }
            for (_, seen) in sightings {
                guard let origin = seen.first(where: { context.localInterfaces.contains($0.interface) && context.isOutgoing($0) }),
                    let inside = origin.udpSource, let destination = origin.udpDestination
                else { continue }
                for later in seen where !context.localInterfaces.contains(later.interface) {
                    guard abs(later.timestampNanos - origin.timestampNanos) < sameDatagramWindowNanos, later.udpDestination == destination,
                        let outside = later.udpSource, outside != inside
                    else { continue }
                    add(Mapping(inside: inside, outside: outside, destination: destination, evidence: "on \(context.interfaceName(later.interface))", frames: [origin.frame, later.frame]))
                }
            }
        }
        let direct = Set(found.map(\.inside))
        // One side only: what the servers said they saw.
        var requests: [TransactionID: DecodedPacket] = [:]
        for packet in context.localPackets {
            guard let stun = packet.stun else { continue }
            if stun.messageClass == .request, context.isOutgoing(packet) {
                requests[stun.transactionID] = packet
            } else if stun.messageClass == .successResponse, let reflexive = stun.reflexive, let request = requests[stun.transactionID],
                let inside = request.udpSource, let destination = request.udpDestination, !direct.contains(inside), reflexive != inside
            {
                add(Mapping(inside: inside, outside: reflexive, destination: destination, evidence: "by \(destination)", frames: [request.frame, packet.frame]))
            }
        }
        return found
    }

    /// One inside endpoint's mappings compared per vantage point (one NAT interface, or what
    /// the servers reported), so the two rewrites of a double NAT are never compared with each
    /// other. Returns "outside toward destination, …" when some vantage saw more than one.
    static func perDestination(_ mappings: [Mapping]) -> String? {
        let byVantage = Dictionary(grouping: mappings) { $0.evidence.hasPrefix("by ") ? "servers" : $0.evidence }
        for vantage in byVantage.keys.sorted() {
            guard let seen = byVantage[vantage], Set(seen.map(\.outside)).count > 1 else { continue }
            var outsideFor: [TransportAddress: TransportAddress] = [:]
            for mapping in seen { outsideFor[mapping.destination] = mapping.outside }
            return outsideFor.sorted { $0.key < $1.key }.map { "\($0.value) toward \($0.key)" }.joined(separator: ", ")
        }
        return nil
    }

    static func findings(_ mappings: [Mapping]) -> [TraceFinding] {
        var findings: [TraceFinding] = []
        let byInside = Dictionary(grouping: mappings, by: \.inside)
        for inside in byInside.keys.sorted() {
            guard let all = byInside[inside] else { continue }
            // Multi-layer NAT (CGNAT) shows several rewrites of one datagram; each is reported.
            for outside in Set(all.map(\.outside)).sorted() {
                let these = all.filter { $0.outside == outside }
                let destinations = Set(these.map(\.destination)).sorted().map(\.description).joined(separator: ", ")
                let evidence = Set(these.map(\.evidence)).sorted().joined(separator: ", ")
                let portChanged = outside.port != inside.port
                let what = portChanged ? "the source port was rewritten (\(inside.port) → \(outside.port))" : "the address was translated and the port kept"
                findings.append(TraceFinding(
                    kind: portChanged ? .portRewritten : .translated, severity: .info,
                    sentence: "A NAT turned \(inside) into \(outside) toward \(destinations) (seen \(evidence)): \(what).",
                    frames: these.flatMap(\.frames).sorted(), local: inside.description, remote: outside.description))
            }
            if let list = perDestination(all) {
                findings.append(TraceFinding(
                    kind: .mappingPerDestination, severity: .warning,
                    sentence: "\(inside) got a different public address per destination (\(list)): the NAT's mapping depends on the destination, so the address one server saw is not the one a peer will see, and hole punching needs prediction or a relay.",
                    frames: all.flatMap(\.frames).sorted(), local: inside.description))
            }
        }
        return findings
    }
}
