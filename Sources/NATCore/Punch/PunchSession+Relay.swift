import NATWire

extension PunchSession {
    /// Allocates on the server's relay from the main socket (over a TCP or TLS connection of
    /// its own when UDP to the server is blocked), with the credentials it handed out.
    func allocateRelay(_ credential: PunchRelayCredential) {
        guard let server = configuration.server, let main = sockets.first ?? nil, let relayInbound else { return }
        let mailbox = mailbox
        let login = credential.username.isEmpty ? nil : TURNCredential(username: credential.username, password: credential.password)
        let stream = serverLinkRoute
        Task {
            do throws(TURNClientError) {
                let client =
                    if let stream {
                        try await TURNClient.allocate(server: stream.address, credential: login, over: stream.transport)
                    } else {
                        try await TURNClient.allocate(server: server, credential: login, sharing: main, inbound: relayInbound)
                    }
                mailbox.push(.relayReady(.success(client)))
            } catch {
                mailbox.push(.relayReady(.failure(error)))
            }
        }
    }

    /// Offers the relayed address to the peer (through the server) and checks the peer's.
    func relayReady(_ client: TURNClient) {
        turn = client
        let mailbox = mailbox
        relayForwarder = Task {
            for await datagram in client.received { mailbox.push(.datagram(.relay, datagram.peer, datagram.data)) }
        }
        localCandidates.append(PunchCandidate(.relayed, client.relayedAddress))
        report.localCandidates = localCandidates.map { "\($0.kind) \($0.address)" }
        onProgress(.relayAllocated(client.relayedAddress))
        register()
        addPairs()
    }

    /// While a relayed path is held open (`--duration`, the WireGuard forwarder), refreshes the
    /// allocation at half its lifetime and the channel (with its permission, 300 s) every 4
    /// minutes: the relay would otherwise expire them under a path that still reports success.
    func keepRelayFresh() {
        guard let turn, let pair = checklist.selected, pair.base == .relay else { return }
        let period = Int64(min(Int(turn.lifetime) / 2, 240)) * 1000
        if nextRelayRefresh == 0 { nextRelayRefresh = now + max(1000, period) }
        guard now >= nextRelayRefresh else { return }
        nextRelayRefresh = now + max(1000, period)
        let peer = pair.remote
        Task {
            _ = try? await turn.refresh(lifetime: turn.lifetime)
            _ = try? await turn.bindChannel(to: peer)
        }
    }

    /// The many-ports strategy (birthday paradox). The random side opens many sockets, each
    /// checking the other's reflexive address, one second into the checks; each makes a
    /// mapping its NAT lets the other side's answer back through. The endpoint-independent side
    /// never sends to the random side's router: as soon as it is paired it primes (TTL 2) up to
    /// `--max-probes` random ports of the random side's IP, each opening its own NAT to packets
    /// from that port, so a check from a socket whose port was primed comes in and is answered
    /// like any check. Priming first means no check arrives before the mapping that lets it in,
    /// so a router without an input firewall cannot claim the port (`prime`), and the probes do
    /// not reach the peer's network.
    func startManyPorts() async {
        manyPortsStarted = true
        report.attempts += 1
        let plan = ManyPortsPlan(probes: configuration.maxProbes)
        guard let target = peer.candidates.first(where: { $0.kind == .serverReflexive && $0.address.ip.family == .ipv4 }) else { return }
        if localBehaviour == .random {
            let spacing = Int64(max(1, 1000 / plan.socketRate))
            for index in 0..<plan.sockets {
                guard let socket = try? await bindSocket(TransportAddress(ip: .unspecified(.ipv4), port: 0), base: .socket(sockets.count)) else { break }
                sockets.append(socket)
                checklist.add(
                    CandidatePair(base: .socket(sockets.count - 1), remote: target.address, remoteKind: .serverReflexive),
                    startAt: now + Int64(index) * spacing, stopsAt: relayAt + 2000)
            }
        } else {
            let warning = "many-ports strategy: priming up to \(plan.probes) random ports of \(target.address.ip) "
                + "with packets that expire one hop past this router (--max-probes 0 turns it off)"
            report.warnings.append(warning)
            onProgress(.warning(warning))
            var generator = SystemRandomNumberGenerator()
            manyPortsProbes = ManyPortsProbes(
                targets: plan.randomPorts(using: &generator).map { TransportAddress(ip: target.address.ip, port: $0) }, rate: plan.probeRate,
                startedAt: now)
        }
    }

    /// Sends the many-ports probes that are due (low-TTL, paced at the plan's rate) from the main socket.
    func sendManyPortsProbes() {
        guard var probes = manyPortsProbes, probes.sent < probes.targets.count, let main = sockets.first ?? nil else { return }
        let due = min(probes.targets.count, Int((now - probes.startedAt) * Int64(probes.rate) / 1000) + 1)
        guard due > probes.sent else { return }
        let packet = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .indication)).encoded(fingerprint: true)
        main.send(packet, toEach: Array(probes.targets[probes.sent..<due]), ttl: Self.primingTTL)
        probes.sent = due
        manyPortsProbes = probes
    }
}

/// The probing side's many-ports probes: where they go, and how far along they are.
struct ManyPortsProbes {
    let targets: [TransportAddress]
    let rate: Int
    let startedAt: Int64
    var sent = 0
}
