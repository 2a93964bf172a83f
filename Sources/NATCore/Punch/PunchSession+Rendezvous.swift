import NATWire

extension PunchSession {
    /// Learns the mapping, registers under the nameplate and waits for the peer. True once
    /// paired; false with the report's outcome set (NO_PEER, WRONG_CODE, ...).
    func rendezvous() async throws -> Bool {
        guard let server = configuration.server, let main = sockets.first ?? nil else { return false }
        do {
            hint = try await MappingHint.observe(on: main, server: server, localAddresses: hostAddresses)
        } catch {
            try await fallBackToStream(server: server, udpError: error)
        }
        report.localMapping = serverLink == nil ? nil : PunchMapping.Behaviour.udpBlocked.description
        if let hint {
            localCandidates.append(PunchCandidate(.serverReflexive, hint.reflexive))
            report.reflexive = hint.reflexive
            if let predicted = hint.predicted { localCandidates.append(PunchCandidate(.predicted, predicted)) }
            report.localMapping = hint.mapping.behaviour.description
        }
        if configuration.portMapping { await mapGatewayPort() }
        report.localCandidates = localCandidates.map { "\($0.kind) \($0.address)" }
        var nextRegistration: Int64 = 0
        var announced = false
        var unanswered = 0
        while now < deadline {
            if now >= nextRegistration {
                register()
                nextRegistration = now + 1000
            }
            guard let event = await mailbox.next(within: .milliseconds(max(1, min(100, deadline - now)))) else { continue }
            switch event {
            case .registered(.success(let message)):
                unanswered = 0
                try absorb(message)
                if peer.paired { return true }
                if !announced {
                    announced = true
                    onProgress(.waitingForPeer(nameplate: configuration.code.nameplate))  // the server holds our registration
                }
            case .registered(.failure):
                unanswered += 1
                if unanswered >= 3 {
                    throw PunchSetupError.server(.serverUnreachable, "the rendezvous server \(server) stopped answering Rendezvous requests")
                }
            case .datagram(.socket(0), let from, let bytes) where from == server:
                if let message = try? STUNMessage(decoding: bytes), message.type.method == .rendezvous { try absorb(message) }
                if peer.paired { return true }
            default:
                early.append(event)
            }
        }
        fail(.noPeer, "no peer registered with nameplate \(configuration.code.nameplate) within \(configuration.timeout.milliseconds / 1000) s; run the same `natctl punch --code` on the other host")
        return false
    }

    /// Registrations are padded to this many bytes: the server's answer and its push to the
    /// other peer together stay within 4 times the request, and each can take ~650 bytes (the
    /// peer's 17 candidates and a relay credential). Below 200 bytes the server refuses
    /// (docs/protocol.md).
    static let registrationLength = 400

    /// Sends one Rendezvous request (in a helper task; the answer arrives in the mailbox).
    func register() {
        guard let server = configuration.server, let main = sockets.first ?? nil else { return }
        var request = STUNMessage(type: STUNMessageType(method: .rendezvous, messageClass: .request))
        request.append(PunchNameplate(configuration.code.nameplate))
        request.append(PunchSessionID(session))
        request.append(configuration.code.confirmation)
        for candidate in localCandidates.prefix(16) { request.append(candidate) }
        if let hint {
            request.append(hint.mapping)
            request.append(PunchServerRTT(milliseconds: UInt32(hint.serverRTT.milliseconds)))
        } else if serverLink != nil {
            request.append(PunchMapping(.udpBlocked))
        }
        request.padded(toAtLeast: Self.registrationLength)
        let mailbox = mailbox
        let policy = RetransmissionPolicy(rto: .milliseconds(250), maxTransmissions: 4, finalWaitMultiplier: 4)
        let link = serverLink ?? main
        Task {
            do throws(TransactionError) {
                let response = try await link.transaction(request, to: server, policy: policy, limit: .seconds(3))
                mailbox.push(.registered(.success(response.message)))
            } catch {
                mailbox.push(.registered(.failure(error)))
            }
        }
    }

    /// Tells the server this session is gone (a Rendezvous indication with PUNCH-NAMEPLATE and
    /// PUNCH-SESSION, docs/protocol.md), so no later peer with the code pairs with it. Sent
    /// twice, unacknowledged: should both copies be lost, the server forgets a waiting
    /// session anyway once its once-a-second registrations stop.
    func leaveRendezvous() {
        guard let server = configuration.server, let main = sockets.first ?? nil, report.nameplate != nil else { return }
        var leave = STUNMessage(type: STUNMessageType(method: .rendezvous, messageClass: .indication))
        leave.append(PunchNameplate(configuration.code.nameplate))
        leave.append(PunchSessionID(session))
        let bytes = leave.encoded(fingerprint: true)
        for _ in 0..<(serverLink == nil ? 2 : 1) { (serverLink ?? main).send(bytes, to: server) }
    }

    /// Takes in a Rendezvous response or indication: the schedule, and the peer once paired.
    func absorb(_ message: STUNMessage) throws {
        if message.type.messageClass == .errorResponse {
            let error = (try? message.attribute(ErrorCode.self)) ?? ErrorCode(code: 500, reason: "error without ERROR-CODE")
            let outcome: PunchOutcome = error.code == 409 ? .codeInUse : .failed
            throw PunchSetupError.server(outcome, "the server refused to pair: \(error.code) \(error.reason)")
        }
        guard let schedule = try message.attribute(PunchSchedule.self), schedule.status == .paired else { return }
        let candidates = try message.attributes(PunchCandidate.self)
        let isNews = !peer.paired || candidates != peer.candidates
        if !peer.paired {
            guard try message.attribute(PunchConfirm.self) == configuration.code.confirmation else {
                throw PunchSetupError.server(
                    .wrongCode, "the peer with nameplate \(configuration.code.nameplate) typed a different code; check the words after it")
            }
            // Before the strategy is chosen: it looks at the peer's candidates too (a portmap one).
            peer.candidates = candidates
            peer.paired = true
            peer.mapping = try message.attribute(PunchMapping.self)
            peer.credential = try message.attribute(PunchRelayCredential.self)
            report.pairMs = Double(now)
            report.role = schedule.controlling ? "controlling" : "controlled"
            report.peerMapping = (peer.mapping?.behaviour ?? .unknown).description
            startChecks(controlling: schedule.controlling, startIn: Int64(schedule.startInMilliseconds))
        }
        peer.candidates = candidates
        report.peerCandidates = candidates.map { "\($0.kind) \($0.address)" }
        if isNews { addPairs() }
    }

    /// Serverless mode: both sides check every listed endpoint; ICE's tie-breakers pick roles.
    func startServerless() {
        peer.paired = true
        peer.candidates = configuration.peers.map { PunchCandidate(.host, $0) }
        report.peerCandidates = peer.candidates.map { "\($0.kind) \($0.address)" }
        startChecks(controlling: true, startIn: 0)
        addPairs()
    }
}
