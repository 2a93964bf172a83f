import NATWire

extension PunchSession {
    /// How many ports past a sequential peer's predicted one to check.
    static let predictionWindow = 8
    /// Checks sent per 5 ms tick at most (1600 per second).
    static let checksPerTick = 8

    /// This side's mapping behaviour as measured, `udp-blocked` when the server was reached over TCP.
    var localBehaviour: PunchMapping.Behaviour { hint?.mapping.behaviour ?? (serverLink == nil ? .unknown : .udpBlocked) }

    /// Sets roles, strategy and the time budget once paired, and starts the relay allocation.
    func startChecks(controlling: Bool, startIn: Int64) {
        checkStart = now + startIn
        if configuration.server != nil {
            // A gateway mapping (either side's portmap candidate) is open to every sender, so
            // plain checks to it connect whatever the NATs do: no prediction, no many-ports
            // burst. Both sides see both candidate lists, so they choose alike.
            let mapped = (localCandidates + peer.candidates).contains { $0.kind == .portMapped }
            strategy =
                mapped
                ? .simultaneousOpen
                : PunchStrategy.choose(local: localBehaviour, peer: peer.mapping?.behaviour ?? .unknown, maxProbes: configuration.maxProbes)
        }
        report.strategy = strategy
        let remaining = max(0, deadline - checkStart)
        let directShare = min(8000, remaining / 2)
        let udpBlocked = [localBehaviour, peer.mapping?.behaviour].contains(.udpBlocked)
        switch strategy {
        case _ where !configuration.useDirect || udpBlocked: relayAt = checkStart  // no direct path can exist without UDP
        case .simultaneousOpen, .portPrediction: relayAt = checkStart + directShare
        case .manyPorts:
            relayAt = checkStart + min(directShare, ManyPortsPlan.socketsAfter + ManyPortsPlan(probes: configuration.maxProbes).durationMilliseconds + 1500)
        case .relay: relayAt = checkStart + 1500
        }
        checklist = PunchChecklist(
            key: configuration.code.checkKey, controlling: controlling, tieBreaker: checklist.tieBreaker, relayNominationAt: relayAt,
            upgradeUntil: 0)
        onProgress(.paired(strategy: strategy, controlling: controlling))
        if configuration.useRelay, let credential = peer.credential { allocateRelay(credential) }
    }

    /// Adds a pair for every peer candidate we can reach. A gateway mapping comes first (it
    /// needs no punching); then order matters for sequential NATs: predicted ports first, so
    /// each side's n-th new mapping meets the other's n-th.
    func addPairs() {
        if configuration.useDirect {
            let order: [PunchCandidate.Kind] = [.portMapped, .predicted, .serverReflexive, .host]
            for kind in order {
                for candidate in peer.candidates where candidate.kind == kind {
                    guard let base = base(for: candidate.address.ip.family) else { continue }
                    for address in expand(candidate) {
                        checklist.add(CandidatePair(base: base, remote: address, remoteKind: kind), startAt: checkStart, stopsAt: deadline)
                        if kind != .host { prime(address, from: base) }
                    }
                }
            }
        }
        guard let turn else { return }
        for candidate in peer.candidates where candidate.kind == .relayed && candidate.address.ip.family == turn.relayedAddress.ip.family {
            let peerRelay = candidate.address
            Task { try? await turn.bindChannel(to: peerRelay) }
            checklist.add(CandidatePair(base: .relay, remote: peerRelay, remoteKind: .relayed), startAt: now, stopsAt: deadline)
        }
    }

    /// Hop limit of a priming packet: it passes this host's router (hop 1) and expires at the
    /// next, well before the peer's router (on the internet a path has many more hops).
    static let primingTTL = 2

    /// Low-TTL priming (libp2p specs #512): as soon as a peer address is known, and so before
    /// the synchronised start, one packet towards it opens this side's NAT mapping without
    /// reaching the peer. A router without an input firewall lets an unsolicited packet to its
    /// own address claim the port it arrives on (a conntrack entry), and its host's first
    /// outbound packet to that peer then gets another port: whichever side's checks arrived
    /// first decided whether a direct path formed. Primed, every mapping exists before any
    /// check arrives, whatever the arrival order. Candidates are primed in the order their
    /// checks go, so a sequential NAT hands out the same ports the checks would have had.
    func prime(_ address: TransportAddress, from base: PunchBase) {
        guard configuration.wireGuardPort == nil, case .socket(let index) = base, index < sockets.count, !primed.contains(address) else { return }
        primed.insert(address)
        let packet = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .indication))
        sockets[index]?.send(packet.encoded(fingerprint: true), to: address, ttl: Self.primingTTL)
    }

    /// A predicted candidate stands for a window of ports in the peer's step.
    private func expand(_ candidate: PunchCandidate) -> [TransportAddress] {
        guard candidate.kind == .predicted, let step = peer.mapping?.step, step != 0 else { return [candidate.address] }
        return (0..<Self.predictionWindow).compactMap { k in
            UInt16(exactly: Int(candidate.address.port) + k * Int(step)).map { TransportAddress(ip: candidate.address.ip, port: $0) }
        }
    }

    /// Runs checks until a pair is selected (true) or time runs out (false, outcome set).
    func connect() async -> Bool {
        for event in early { handle(event) }
        early.removeAll()
        var nextPoll = now + 1000
        while now < deadline {
            if let selected = checklist.selected {
                connected(selected)
                return true
            }
            if configuration.server != nil, now >= nextPoll {
                register()  // picks up the peer's relayed candidate, and keeps our server mapping
                nextPoll = now + 1000
            }
            if strategy == .manyPorts, !manyPortsStarted, localBehaviour != .random || now >= checkStart + ManyPortsPlan.socketsAfter {
                await startManyPorts()
            }
            sendManyPortsProbes()
            if now >= checkStart { for out in checklist.due(now: now, limit: Self.checksPerTick) { send(out) } }
            if !strategy.expectsDirect || !configuration.useDirect, now > relayAt + 500, !relayCanHelp {
                fail(.failed, noPathReason())
                return false
            }
            guard let event = await mailbox.next(within: .milliseconds(5)) else { continue }
            handle(event)
        }
        fail(.timeout, "no path within \(configuration.timeout.milliseconds / 1000) s (strategy \(strategy.rawValue)); \(relayCanHelp ? "the relay did not connect either" : "no relay was available")")
        return false
    }

    private var relayCanHelp: Bool { configuration.useRelay && peer.credential != nil && !relayFailed }

    private func noPathReason() -> String {
        let why = configuration.useDirect
            ? "no direct path is possible between a \(report.localMapping ?? "unknown") and a \(report.peerMapping ?? "unknown") mapping"
            : "direct paths were turned off"
        let relay = !configuration.useRelay ? "the relay was turned off (--no-relay)"
            : peer.credential == nil ? "the server offers no relay" : "the relay allocation failed"
        return "\(why), and \(relay)"
    }

    private func connected(_ pair: CandidatePair) {
        report.path = pair.path
        report.localBase = describe(pair.base)
        report.remote = pair.remote.description
        report.connectMs = Double(max(0, (checklist.selectedAt ?? now) - checkStart))
        report.rttMs = checklist.selectedRTT.map(Double.init)
        checklist.upgradeUntil = pair.path == .relayed ? now + Int64(configuration.upgradeWindow.milliseconds) : 0
        onProgress(.connected(pair))
    }

    /// Routes one mailbox event: rendezvous news, relay readiness, punch data, or a check.
    func handle(_ event: PunchInbound) {
        switch event {
        case .datagram(.socket(0), let from, let bytes) where from == configuration.server:
            if let message = try? STUNMessage(decoding: bytes), message.type.method == .rendezvous { try? absorb(message) }
        case .datagram(let base, let from, let bytes) where forwarder != nil && WireGuardForwarding.isWireGuard(bytes):
            // Through the forwarder: only from the selected path's far end, on to WireGuard.
            if let pair = checklist.selected, pair.base == base, pair.remote == from, let port = configuration.wireGuardPort {
                forwarder?.send(bytes, to: WireGuardForwarding.wireGuardAddress(port: port))
            }
        case .datagram(let base, let from, let bytes):
            if let message = try? STUNMessage(decoding: bytes), message.type.method == .punchData {
                takePunchData(message)
            } else {
                for out in checklist.receive(bytes, on: base, from: from, now: now) { send(out) }
            }
        case .registered(.success(let message)):
            try? absorb(message)
        case .registered(.failure):
            break
        case .relayReady(.success(let client)):
            relayReady(client)
        case .input(let chunk):
            pendingInput.append(chunk)
        case .fromWireGuard(let bytes):
            if let pair = checklist.selected { send(PunchOutgoing(base: pair.base, to: pair.remote, bytes: bytes)) }
        case .wake:
            break
        case .relayReady(.failure(let error)):
            relayFailed = true
            report.warnings.append("relay allocation failed: \(error)")
            onProgress(.warning("relay allocation failed: \(error)"))
        }
    }
}
