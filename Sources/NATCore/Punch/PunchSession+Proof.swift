import NATWire

extension PunchSession {
    /// Bytes per proof datagram; their content is a function of the sequence number, so the
    /// receiver can verify every byte.
    static let proofPayloadLength = 64

    static func proofPayload(_ sequence: UInt32) -> [UInt8] {
        (0..<proofPayloadLength).map { UInt8(truncatingIfNeeded: Int(sequence) &* 31 &+ $0) }
    }

    /// A signed PunchData indication.
    func punchData(_ sequence: PunchSequence, payload: [UInt8] = []) -> [UInt8] {
        var message = STUNMessage(type: STUNMessageType(method: .punchData, messageClass: .indication))
        message.append(sequence)
        if !payload.isEmpty { message.append(DataValue(payload)) }
        if let key = configuration.wireGuardKey { message.append(PunchWireGuardKey(key.bytes)) }
        return message.encoded(integritySHA256: configuration.code.checkKey, fingerprint: true)
    }

    /// Sends `proofCount` datagrams over the selected path, then summaries until the peer's
    /// summary says how many of ours arrived (or 2 s pass, or more on a slow path).
    func prove(round: UInt32) async -> PunchReport.Proof {
        guard let pair = checklist.selected else { return PunchReport.Proof(sent: 0, received: 0) }
        let count = UInt32(configuration.proofCount)
        let first = round * 1_000_000
        for sequence in first..<(first + count) {
            send(PunchOutgoing(base: pair.base, to: pair.remote, bytes: punchData(PunchSequence(.proof, sequence: sequence, received: 0), payload: Self.proofPayload(sequence))))
        }
        // A summary that came before our proofs went out says nothing about them.
        peerReceived[round] = nil
        let limit = now + max(2000, 8 * (checklist.selectedRTT ?? 100))
        var nextSummary: Int64 = 0
        while now < limit, !stopping, (peerReceived[round] ?? 0) == 0 {
            if now >= nextSummary {
                sendSummary(round: round)
                nextSummary = now + 100
            }
            await pump(for: .milliseconds(20))
        }
        // Stay to answer the peer's summaries: it may have selected the pair later than we
        // did (its nomination's answer lost) and only now be sending its proofs.
        let linger = now + max(800, 4 * (checklist.selectedRTT ?? 50))
        while now < linger, !stopping { await pump(for: .milliseconds(20)) }
        return PunchReport.Proof(sent: Int(count), peerReceived: peerReceived[round].map(Int.init), received: proofReceived[round]?.count ?? 0)
    }

    /// Marks a summary sent in answer to the peer's, which is not answered again (no ping-pong).
    static let answerFlag: UInt32 = 0x8000_0000

    func sendSummary(round: UInt32, answering: Bool = false) {
        guard let pair = checklist.selected else { return }
        let received = UInt32(proofReceived[round]?.count ?? 0)
        let sequence = PunchSequence(.summary, sequence: round | (answering ? Self.answerFlag : 0), received: received)
        send(PunchOutgoing(base: pair.base, to: pair.remote, bytes: punchData(sequence)))
    }

    /// Handles mailbox events (answering checks, counting data) for up to `limit`, and sends
    /// any checks that fall due (the nominating side may still be retransmitting).
    func pump(for limit: Duration) async {
        for out in checklist.due(now: now, limit: Self.checksPerTick) { send(out) }
        if let event = await mailbox.next(within: limit) { handle(event) }
    }

    /// Counts and verifies the peer's PunchData; answers its summaries with ours.
    func takePunchData(_ message: STUNMessage) {
        guard message.checkMessageIntegritySHA256(key: configuration.code.checkKey) == .valid,
            let sequence = try? message.attribute(PunchSequence.self)
        else { return }
        if let attribute = try? message.attribute(PunchWireGuardKey.self), let key = WireGuardKey(bytes: attribute.bytes) {
            peer.wireGuardKey = key
        }
        switch sequence.kind {
        case .proof:
            let round = sequence.sequence / 1_000_000
            guard (try? message.attribute(DataValue.self))?.bytes == Self.proofPayload(sequence.sequence) else { return }
            proofReceived[round, default: []].insert(sequence.sequence)
        case .summary:
            let round = sequence.sequence & ~Self.answerFlag
            peerReceived[round] = max(peerReceived[round] ?? 0, sequence.received)
            if sequence.sequence & Self.answerFlag == 0 { sendSummary(round: round, answering: true) }
        case .stream:
            if let data = try? message.attribute(DataValue.self) { onStream?(data.bytes) }
        case .bye:
            peerLeft = true
        }
    }

    /// Keeps the path open for `hold`, sending a keepalive (a STUN Binding indication, RFC
    /// 8445 §11) every `keepalive`, and answering whatever comes.
    func hold() async {
        let end = now + Int64(configuration.hold.milliseconds)
        let interval = configuration.keepalive.map { Int64($0.milliseconds) }
        var nextKeepalive = now + (interval ?? .max / 2)
        while now < end, !stopping {
            if let interval, now >= nextKeepalive {
                sendKeepalive()
                nextKeepalive = now + interval
            }
            keepRelayFresh()
            await pump(for: .milliseconds(min(50, max(1, end - now))))
            if let selected = checklist.selected, selected.path.isDirect, report.path == .relayed {
                report.path = selected.path  // upgraded from the relay in the background
                report.localBase = describe(selected.base)
                report.remote = selected.remote.description
            }
        }
    }
}

extension PunchSession {
    /// The largest application chunk per datagram, under a 1280-byte IPv6 minimum MTU with headers.
    static let streamChunk = 1100

    /// `--stdio`: stdin to the peer, the peer to `onStream`, until either side's input ends.
    func pipe() async {
        var sequence: UInt32 = 0
        var nextKeepalive = now + 15_000
        while !peerLeft, let pair = checklist.selected {
            if stopping {
                // Tell the peer, as at the end of input, so its pipe ends too.
                for _ in 0..<3 { send(PunchOutgoing(base: pair.base, to: pair.remote, bytes: punchData(PunchSequence(.bye, sequence: sequence, received: 0)))) }
                return
            }
            while !pendingInput.isEmpty {
                guard let chunk = pendingInput.removeFirst() else {
                    for _ in 0..<3 { send(PunchOutgoing(base: pair.base, to: pair.remote, bytes: punchData(PunchSequence(.bye, sequence: sequence, received: 0)))) }
                    let linger = now + 500
                    while now < linger, !peerLeft { await pump(for: .milliseconds(20)) }
                    return
                }
                var offset = 0
                while offset < chunk.count {
                    let piece = Array(chunk[offset..<min(chunk.count, offset + Self.streamChunk)])
                    send(PunchOutgoing(base: pair.base, to: pair.remote, bytes: punchData(PunchSequence(.stream, sequence: sequence, received: 0), payload: piece)))
                    sequence &+= 1
                    offset += Self.streamChunk
                }
            }
            if now >= nextKeepalive {
                sendKeepalive()
                nextKeepalive = now + 15_000
            }
            await pump(for: .milliseconds(50))
        }
    }
}
