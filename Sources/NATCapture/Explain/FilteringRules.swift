import NATWire

/// RFC 5780 filtering tests: requests asking the server to answer from its other address or
/// port (CHANGE-REQUEST) or to another client port (RESPONSE-PORT). A filtering NAT drops those
/// answers by design, so silence here is the test's evidence, not a fault; when the capture
/// covers the NAT (`--lab`), the answers are followed to the interface where they stopped.
enum FilteringRules {
    /// What a group of such requests asked for, as the attribute says it.
    static func label(_ stun: STUNSummary) -> String {
        if let change = stun.changeRequest, change.changeIP || change.changePort {
            let what = change.changeIP && change.changePort ? "IP and port" : change.changeIP ? "IP" : "port"
            return "CHANGE-REQUEST change \(what)"
        }
        return stun.responsePort.map { "RESPONSE-PORT \($0)" } ?? "another endpoint"
    }

    /// The same in words: "to answer from its other IP address and port".
    static func request(_ stun: STUNSummary) -> String {
        if let change = stun.changeRequest, change.changeIP || change.changePort {
            let what =
                change.changeIP && change.changePort ? "IP address and port" : change.changeIP ? "IP address" : "port"
            return "to answer from its other \(what)"
        }
        return stun.responsePort.map { "to answer to this host's port \($0)" } ?? "to answer elsewhere"
    }

    /// What a dropped answer says about the NAT's filtering (RFC 5780 §4.4).
    static func meaning(_ stun: STUNSummary, dropped: Bool) -> String {
        guard let change = stun.changeRequest, change.changeIP || change.changePort else {
            return dropped
                ? "the NAT let nothing in on that mapping: it had expired, or the NAT filters packets from endpoints this host has not sent to"
                : "the mapping was still open to the server"
        }
        if change.changeIP {
            return dropped
                ? "the NAT drops packets from addresses this host has not sent to: its filtering is address-dependent or address-and-port-dependent, as the test expects of such a NAT"
                : "the NAT lets in packets from an address this host never sent to: endpoint-independent filtering"
        }
        return dropped
            ? "the NAT drops packets from ports this host has not sent to: address-and-port-dependent filtering, as the test expects of such a NAT"
            : "the NAT lets in packets from another port of an address this host sent to: its filtering is not port-dependent"
    }

    private struct Key: Hashable, Comparable {
        var server: TransportAddress
        var label: String
        static func < (l: Key, r: Key) -> Bool { (l.server, l.label) < (r.server, r.label) }
    }

    /// Findings, and the transactions they cover (the NAT-drop rule leaves those alone).
    static func findings(_ context: TraceContext, expected: ExpectedProbes) -> (
        findings: [TraceFinding], covered: Set<TransactionID>
    ) {
        let local = context.localPackets
        var groups: [Key: [DecodedPacket]] = [:]
        for packet in local where context.isOutgoing(packet) {
            guard let stun = packet.stun, stun.messageClass == .request,
                expected.answerElsewhere.contains(stun.transactionID), let server = packet.udpDestination
            else { continue }
            groups[Key(server: server, label: label(stun)), default: []].append(packet)
        }
        var findings: [TraceFinding] = []
        var covered: Set<TransactionID> = []
        for key in groups.keys.sorted() {
            guard let requests = groups[key], let stun = requests.first?.stun else { continue }
            let ids = Set(requests.compactMap(\.stun?.transactionID))
            covered.formUnion(ids)
            let isAnswer: (DecodedPacket) -> Bool = { packet in
                guard let s = packet.stun, s.messageClass.isResponse else { return false }
                return ids.contains(s.transactionID)
            }
            let arrived = local.filter { isAnswer($0) && context.isIncoming($0) }
            let outside = context.packets.filter { !context.localInterfaces.contains($0.interface) && isAnswer($0) }
            let asked =
                "this host asked \(key.server) \(request(stun)) (\(key.label); \(counted(ids.count, "request")), \(counted(requests.count, "transmission")))"
            if !arrived.isEmpty {
                let from = Set(arrived.compactMap(\.udpSource)).sorted().map(\.description).joined(separator: ", ")
                let answeredIDs = Set(arrived.compactMap(\.stun?.transactionID)).count
                // A server that ignored CHANGE-REQUEST answered from where it was asked: no test at all.
                let sources = arrived.compactMap(\.udpSource)
                let change = stun.changeRequest
                let ignored =
                    change.map { change in
                        sources.allSatisfy { (change.changeIP && $0.ip == key.server.ip) || (!change.changeIP && change.changePort && $0.port == key.server.port) }
                    } ?? false
                let meaningText =
                    ignored
                    ? "the server answered from the address it was asked on: it ignored the request to answer elsewhere, so this says nothing about the NAT's filtering"
                    : meaning(stun, dropped: false)
                findings.append(
                    TraceFinding(
                        kind: .filteringTest, severity: .info,
                        sentence:
                            "Filtering test: \(asked); \(answeredIDs) of them were answered from \(from), and the answers reached this host: \(meaningText).",
                        frames: (requests + arrived).map(\.frame).sorted(),
                        local: requests.first?.udpSource?.description, remote: key.server.description))
                continue
            }
            // Where each answer was last seen: the innermost place it got to (behind a double NAT,
            // the home router's WAN when the carrier's NAT let it through).
            var last: [TransactionID: DecodedPacket] = [:]
            for packet in outside {
                guard let id = packet.stun?.transactionID else { continue }
                if let known = last[id], known.timestampNanos >= packet.timestampNanos { continue }
                last[id] = packet
            }
            let stopped = last.values.sorted { $0.frame < $1.frame }
            if stopped.isEmpty {
                findings.append(
                    TraceFinding(
                        kind: .filteringTest, severity: .info,
                        sentence:
                            "Filtering test: \(asked); no answer reached this host. If the server answered, \(meaning(stun, dropped: true)); \(context.localInterfaces.count < context.interfaces.count ? "the capture saw no answer on the way either, so the server may not have sent one" : "capture the NAT too (natctl trace --lab) to see the answers dropped there").",
                        frames: requests.map(\.frame), local: requests.first?.udpSource?.description,
                        remote: key.server.description))
                continue
            }
            let where_ = Set(stopped.map { context.interfaceName($0.interface) }).sorted().joined(separator: ", ")
            let from = Set(outside.compactMap(\.udpSource)).sorted().map(\.description).joined(separator: ", ")
            let to = Set(stopped.compactMap(\.udpDestination)).sorted().map(\.description).joined(separator: ", ")
            let answers = stopped.count
            findings.append(
                TraceFinding(
                    kind: .droppedAtNAT, severity: .info,
                    sentence:
                        "Filtering test: \(asked); the server answered from \(from), and \(answers == 1 ? "the answer" : "\(answers) answers") reached \(where_) (to \(to)) but never this host: the NAT\(namespace(where_).map { " in \($0)" } ?? "") dropped \(answers == 1 ? "it" : "them"). So \(meaning(stun, dropped: true)).",
                    frames: (requests.prefix(4) + outside).map(\.frame).sorted(),
                    local: requests.first?.udpSource?.description, remote: from, by: where_))
        }
        return (findings, covered)
    }

    /// "rt-a" from "rt-a/wan" (lab interfaces are NAMESPACE/DEVICE); nil for plain names.
    static func namespace(_ interfaces: String) -> String? {
        let names = Set(
            interfaces.components(separatedBy: ", ").compactMap { name -> String? in
                guard let slash = name.firstIndex(of: "/") else { return nil }
                return String(name[..<slash])
            })
        return names.isEmpty ? nil : names.sorted().joined(separator: ", ")
    }
}
