import NATWire

/// Client–server STUN/TURN exchanges seen from this host: who answered, who did not, and
/// answers that arrived but never reached the client.
enum TransactionRules {
    /// A retransmission this long after a reply arrived means the client did not see the reply
    /// (a retransmission already under way when the reply came is not evidence).
    static let ignoredAfterReplyNanos: Int64 = 30_000_000

    struct Exchange {
        var requests: [DecodedPacket] = []
        var responses: [DecodedPacket] = []
    }

    /// The hairpin test and the filtering tests are left to their own rules: their silence is expected.
    static func findings(_ context: TraceContext, icmpFlows: Set<Flow>, expected: ExpectedProbes) -> [TraceFinding] {
        var byServer: [TransportAddress: [TransactionID: Exchange]] = [:]
        var serverOf: [TransactionID: TransportAddress] = [:]
        var clientOf: [TransactionID: TransportAddress] = [:]
        let local = context.localPackets
        for packet in local {
            guard let stun = packet.stun, !stun.isPeerCheck, let destination = packet.udpDestination else { continue }
            if stun.messageClass == .request, context.isOutgoing(packet) {
                guard !expected.isHairpin(packet), !expected.answerElsewhere.contains(stun.transactionID) else { continue }
                byServer[destination, default: [:]][stun.transactionID, default: Exchange()].requests.append(packet)
                serverOf[stun.transactionID] = destination
                clientOf[stun.transactionID] = packet.udpSource
            } else if stun.messageClass.isResponse, context.isIncoming(packet), let server = serverOf[stun.transactionID],
                destination == clientOf[stun.transactionID]
            {
                // Keyed by the request's destination: RFC 5780 answers may come from another address.
                byServer[server]?[stun.transactionID]?.responses.append(packet)
            }
        }
        var findings: [TraceFinding] = []
        for (server, exchanges) in byServer.sorted(by: { $0.key < $1.key }) {
            let requests = exchanges.values.flatMap(\.requests).sorted { $0.frame < $1.frame }
            let answered = exchanges.values.filter { !$0.responses.isEmpty }
            let clients = Set(requests.compactMap(\.udpSource))
            let clientText = clients.count == 1 ? clients.first.map { "\($0)" } ?? "" : "\(clients.count) local sockets"
            if answered.isEmpty {
                let rejected = clients.contains { icmpFlows.contains(Flow(source: $0, destination: server)) }
                guard !rejected, let first = requests.first, let last = requests.last else { continue }
                findings.append(TraceFinding(
                    kind: .noReply, severity: .problem,
                    sentence: "\(counted(requests.count, "request")) left \(clientText) for \(server) over \(span(first.timestampNanos, last.timestampNanos)) and nothing came back: no reply and no ICMP error on the wire, so something upstream dropped them silently (a firewall or NAT filtering UDP) or the server is down.",
                    frames: requests.map(\.frame), local: clients.count == 1 ? clients.first?.description : nil, remote: server.description))
                continue
            }
            let ignored = answered.filter { exchange in
                guard let reply = exchange.responses.map(\.timestampNanos).min() else { return false }
                return exchange.requests.contains { $0.timestampNanos > reply + ignoredAfterReplyNanos }
            }
            if !ignored.isEmpty {
                let replies = ignored.flatMap(\.responses)
                let retries = ignored.flatMap { exchange in
                    exchange.requests.filter { $0.timestampNanos > (exchange.responses.map(\.timestampNanos).min() ?? .max) }
                }
                let interfaces = Set(replies.map { context.interfaceName($0.interface) }).sorted().joined(separator: ", ")
                findings.append(TraceFinding(
                    kind: .droppedLocally, severity: .problem,
                    sentence: "\(counted(replies.count, "reply", "replies")) from \(server) reached \(interfaces), but the client sent the same \(ignored.count == 1 ? "request" : "requests") again \(counted(retries.count, "time")) afterwards, so the replies never reached its socket: most likely a firewall on this host (an nftables/iptables INPUT rule) dropped them; reverse-path filtering, a full socket buffer or a client that rejected the replies look the same on the wire.",
                    frames: (replies + retries).map(\.frame).sorted(), local: clients.count == 1 ? clients.first?.description : nil, remote: server.description))
            }
            let firstReply = answered.flatMap(\.responses).min { $0.timestampNanos < $1.timestampNanos }
            let reflexive = answered.compactMap { $0.responses.first?.stun?.reflexive }.first
            let seen = reflexive.map { ", which saw this host as \($0)" } ?? ""
            // From the last transmission before the reply: an earlier lost one would add its wait.
            let rtt = answered.compactMap { exchange -> Int64? in
                guard let reply = exchange.responses.first, let request = exchange.requests.last(where: { $0.timestampNanos <= reply.timestampNanos }) else { return nil }
                return reply.timestampNanos - request.timestampNanos
            }.min()
            findings.append(TraceFinding(
                kind: .answered, severity: .info,
                sentence: "\(server) answered \(answered.count) of \(counted(exchanges.count, "request")) from \(clientText)\(rtt.map { " (fastest in \(span(0, $0)))" } ?? "")\(seen).",
                frames: [requests.first?.frame, firstReply?.frame].compactMap { $0 },
                local: clients.count == 1 ? clients.first?.description : nil, remote: server.description))
        }
        return findings
    }
}

/// A UDP conversation's two ends, as an ICMP error quotes them.
struct Flow: Hashable {
    var source: TransportAddress
    var destination: TransportAddress
}
