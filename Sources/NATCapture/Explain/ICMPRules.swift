import NATWire

/// ICMP and ICMPv6 errors that came back for this host's packets, matched to the packets
/// they quote; and path-MTU evidence (errors and fragments).
enum ICMPRules {
    /// The flows ICMP errors were about, so the no-reply rule does not claim silence.
    static func flows(_ context: TraceContext) -> Set<Flow> {
        Set(context.localPackets.compactMap { packet in
            guard let icmp = packet.icmp, let quoted = icmp.quoted, let sourcePort = quoted.sourcePort, let destinationPort = quoted.destinationPort else { return nil }
            return Flow(source: TransportAddress(ip: quoted.source, port: sourcePort), destination: TransportAddress(ip: quoted.destination, port: destinationPort))
        })
    }

    private struct Key: Hashable {
        var sender: IPAddress
        var kind: ICMPMessage.Kind
        var flow: Flow?
        /// Time exceeded for this host's TTL-2 packets (punch's priming), one key per router:
        /// many-ports primes hundreds of ports, and that is one fact, not hundreds.
        var priming = false
    }

    /// Errors about the hairpin test are HairpinRules' to explain; errors about punch checks
    /// toward a candidate that cannot be routed (a peer's private host address) are expected.
    static func findings(_ context: TraceContext, expected: ExpectedProbes) -> [TraceFinding] {
        var groups: [Key: [DecodedPacket]] = [:]
        var order: [Key] = []
        var primedDestinations: [Key: [TransportAddress]] = [:]
        // Punch's priming packets: Binding indications with a hop limit of 2.
        let lowTTLFlows = Set(context.localPackets.compactMap { packet -> Flow? in
            guard (packet.ip?.hopLimit ?? 64) <= 2, packet.stun?.method == .binding, packet.stun?.messageClass == .indication,
                let source = packet.udpSource, let destination = packet.udpDestination
            else { return nil }
            return Flow(source: source, destination: destination)
        })
        for packet in context.localPackets {
            guard let icmp = packet.icmp, icmp.kind != .informational, let sender = packet.ip?.source, context.isIncoming(packet) else { continue }
            var flow: Flow?
            if let quoted = icmp.quoted, let sourcePort = quoted.sourcePort, let destinationPort = quoted.destinationPort {
                flow = Flow(source: TransportAddress(ip: quoted.source, port: sourcePort), destination: TransportAddress(ip: quoted.destination, port: destinationPort))
            }
            if let flow, expected.hairpinFlows.contains(flow) { continue }
            let priming = icmp.kind == .timeExceeded && flow.map { lowTTLFlows.contains($0) } == true
            let key = Key(sender: sender, kind: icmp.kind, flow: priming ? nil : flow, priming: priming)
            if priming, let flow { primedDestinations[key, default: []].append(flow.destination) }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(packet)
        }
        var findings: [TraceFinding] = []
        for key in order {
            guard let errors = groups[key], let icmp = errors.first?.icmp else { continue }
            // In order of first expiry, each once (a destination primed twice expires twice).
            var seen: Set<TransportAddress> = []
            let primed = (primedDestinations[key] ?? []).filter { seen.insert($0).inserted }
            let primedSet = seen
            let causes =
                key.priming
                ? context.localPackets.filter { packet in (packet.ip?.hopLimit ?? 64) <= 2 && packet.udpDestination.map(primedSet.contains) == true }
                : key.flow.map { flow in context.localPackets.filter { $0.udpSource == flow.source && $0.udpDestination == flow.destination } } ?? []
            let about = key.flow.map { "packets from \($0.source) to \($0.destination)" } ?? "packets"
            let count = counted(errors.count, "ICMP error")
            let sentence: String
            let kind: TraceFinding.Kind
            var severity = TraceFinding.Severity.problem
            let unroutableCandidate = key.flow.map { flow in
                expected.punchFlows.contains(flow) && key.kind != .fragmentationNeeded
                    && (flow.destination.ip.isNonGlobal || key.kind == .networkUnreachable || key.kind == .hostUnreachable)
            } ?? false
            switch key.kind {
            case _ where key.priming:
                // Punch primes its NAT with packets of hop limit 2 (towards each peer candidate,
                // and many-ports' random ports); the router where they expire says so, which is the point.
                kind = .punchPriming
                severity = .info
                let towards =
                    primed.count == 1
                    ? "its mapping towards \(primed[0])"
                    : "its mappings towards \(primed.count) endpoints (\(primed.prefix(3).map(\.description).joined(separator: ", "))\(primed.count > 3 ? ", ..." : ""))"
                sentence = "Punch primed this NAT, \(towards), with packets of TTL 2, which expired at \(key.sender) (\(count)) as meant: the mappings exist before the peer's packets arrive, so a router that lets unsolicited packets claim its ports cannot take them."
            case _ where unroutableCandidate:
                kind = .punchCandidateUnreachable
                severity = .info
                let candidate = key.flow?.destination
                let scope = candidate.map { $0.ip.isNonGlobal ? " (a private address: the peer's host candidate, which only works on the peer's own network)" : "" } ?? ""
                sentence = "Punch checks to the peer's candidate \(candidate?.description ?? "?")\(scope) got ICMP \(icmp.meaning) from \(key.sender) (\(count)): expected, since punch tries every candidate the peer listed and this one cannot be reached from here; the checks to its other candidates decide."
            case .fragmentationNeeded:
                kind = .pathMTU
                let largest = causes.compactMap(\.ip?.totalLength).max()
                sentence = "\(key.sender) reported that \(about) are too big for the path: \(icmp.meaning)\(largest.map { ", while the largest sent was \($0) bytes" } ?? ""). Those packets were dropped there; send smaller ones (lower the MTU or the payload size)."
            case .portUnreachable where key.flow?.destination.ip == key.sender:
                kind = .icmpError
                sentence = "\(key.sender) answered \(about) with ICMP port unreachable (\(count)): the host is up but nothing listens on port \(key.flow?.destination.port ?? 0) (the server is not running there, or the port is wrong)."
            case .administrativelyProhibited:
                kind = .icmpError
                sentence = "\(key.sender) rejected \(about) with ICMP administratively prohibited (\(count)): a firewall there refuses this traffic and says so."
            default:
                kind = .icmpError
                sentence = "\(key.sender) answered \(about) with ICMP \(icmp.meaning) (\(count))."
            }
            findings.append(TraceFinding(
                kind: kind, severity: severity, sentence: sentence, frames: (causes.prefix(3) + errors).map(\.frame).sorted(),
                local: key.flow?.source.description, remote: key.flow?.destination.description, by: key.sender.description))
        }
        return findings + fragments(context)
    }

    /// Outgoing datagrams the IP layer split: harmless on a good path, fatal where a middlebox
    /// drops fragments (many NATs and firewalls do).
    private static func fragments(_ context: TraceContext) -> [TraceFinding] {
        var byDestination: [IPAddress: [DecodedPacket]] = [:]
        for packet in context.localPackets where context.isOutgoing(packet) {
            guard let ip = packet.ip, let fragment = ip.fragment, fragment.offset == 0 else { continue }
            byDestination[ip.destination, default: []].append(packet)
        }
        return byDestination.sorted { $0.key < $1.key }.map { destination, firsts in
            // Only UDP back from that host counts: an ICMP error (reassembly time exceeded) proves the opposite.
            let answered = context.localPackets.contains { packet in
                packet.ip?.source == destination && packet.udpSource != nil && context.isIncoming(packet) && packet.timestampNanos > (firsts.first?.timestampNanos ?? 0)
            }
            let size = firsts.compactMap { packet -> Int? in
                guard case .udp? = packet.transport, let ip = packet.ip else { return nil }
                return ip.totalLength
            }.max()
            let sentence = "\(counted(firsts.count, "datagram")) to \(destination) left in IP fragments\(size.map { " (first fragment \($0) bytes)" } ?? "")"
                + (answered ? "; \(destination) did answer, so fragments get through." : " and nothing came back from \(destination): a middlebox on the path may drop fragments; send datagrams below the path MTU.")
            return TraceFinding(kind: .fragmented, severity: answered ? .info : .problem, sentence: sentence, frames: firsts.map(\.frame), remote: destination.description)
        }
    }
}
