import Foundation
import NATNIO
import NATWire
import NIOConcurrencyHelpers
import NIOCore

/// How `relay serve` pairs `natctl punch` peers.
public struct RendezvousConfiguration: Sendable {
    /// The shared secret behind the short-lived TURN credentials paired peers get; nil when
    /// the relay needs none (`--no-auth`) or is not offered.
    public var relaySecret: String?
    /// Whether paired peers are told a relay is there at all.
    public var offersRelay: Bool
    /// How long handed-out TURN credentials stay valid (seconds).
    public var credentialLifetime = 600

    public init(relaySecret: String?, offersRelay: Bool) {
        self.relaySecret = relaySecret
        self.offersRelay = offersRelay
    }
}

/// Serves Rendezvous requests on the server's primary socket: decodes them, applies
/// `RendezvousBoard`, answers, and pushes news to the other peer as an indication.
final class RendezvousService: Sendable {
    private let configuration: RendezvousConfiguration
    private let board = NIOLockedValueBox(RendezvousBoard())
    private let started = ContinuousClock.now
    /// Bounds answers per source IP (`AnswerRates.rendezvousPerSecond`).
    private let gate: AnswerGate

    init(configuration: RendezvousConfiguration, gate: AnswerGate) {
        self.configuration = configuration
        self.gate = gate
    }

    private var now: Int64 { Int64((ContinuousClock.now - started).milliseconds) }

    /// A Rendezvous indication with PUNCH-NAMEPLATE and PUNCH-SESSION: that session stopped.
    func leave(_ indication: STUNMessage, from client: TransportAddress) {
        guard let plate = try? indication.attribute(PunchNameplate.self), let session = try? indication.attribute(PunchSessionID.self)
        else { return }
        let now = now
        board.withLockedValue { $0.leave(session: session.id, nameplate: plate.text, from: client, now: now) }
    }

    /// Registrations smaller than this get 400 before the board changes: the largest answer
    /// (17 IPv6 candidates and a relay credential, ~650 bytes) must fit in 4 times the request.
    static let minimumRequestLength = 200

    /// Answers `request` through `outlet`, and pushes news to the other peer through
    /// `pushingThrough(peer)`: the peers may have come over different transports (UDP, TCP).
    func handle(
        _ request: STUNMessage, from client: TransportAddress, replyingThrough outlet: any DatagramOutlet,
        pushingThrough: (TransportAddress) -> any DatagramOutlet
    ) {
        guard gate.allow(client.ip) else { return }
        guard (request.receivedBytes?.count ?? 0) >= Self.minimumRequestLength else {
            return send(error: 400, "pad the Rendezvous request to \(Self.minimumRequestLength) bytes (PADDING)", to: request, client, outlet)
        }
        let outcome: RendezvousBoard.Outcome
        let nameplate: String
        do {
            guard let plate = try request.attribute(PunchNameplate.self), !plate.text.isEmpty,
                let session = try request.attribute(PunchSessionID.self), let confirm = try request.attribute(PunchConfirm.self)
            else {
                return send(error: 400, "a Rendezvous request needs PUNCH-NAMEPLATE, PUNCH-SESSION and PUNCH-CONFIRM", to: request, client, outlet)
            }
            let candidates = try request.attributes(PunchCandidate.self)
            guard candidates.count <= 16 else { return send(error: 400, "at most 16 PUNCH-CANDIDATE attributes", to: request, client, outlet) }
            nameplate = plate.text
            let peer = RendezvousBoard.Peer(
                session: session.id, address: client, candidates: candidates, mapping: try request.attribute(PunchMapping.self),
                confirm: confirm, rttMilliseconds: min(try request.attribute(PunchServerRTT.self)?.milliseconds ?? 0, 5000),
                controlling: false)
            let now = now
            outcome = board.withLockedValue { $0.register(peer, nameplate: nameplate, now: now) }
        } catch {
            return send(error: 400, "malformed Rendezvous request: \(error)", to: request, client, outlet)
        }
        switch outcome {
        case .refused(let code, let reason):
            send(error: code, reason, to: request, client, outlet)
        case .answered(let answer, let push):
            let response = message(.successResponse, answer, id: request.transactionID, nameplate: nameplate)
            let budget = request.answerBudget
            guard let bytes = response.encoded(fingerprint: true, within: budget) else {
                let needed = (response.encoded(fingerprint: true).count + AmplificationLimit.factor - 1) / AmplificationLimit.factor
                return send(error: 400, "pad the Rendezvous request to \(needed) bytes (PADDING)", to: request, client, outlet)
            }
            var pushed: [UInt8]?
            if let push, gate.allow(push.to.ip) {
                pushed = message(.indication, push, id: .random(), nameplate: nameplate).encoded(fingerprint: true, within: budget - bytes.count)
            }
            write(bytes, to: client, outlet)
            // The push to the other peer shares the request's budget and the destination's rate.
            if let push, let pushed { write(pushed, to: push.to, pushingThrough(push.to)) }
            // A second copy of each over UDP, as far as the budget goes: a side that learns of
            // its pairing a retransmission late primes its NAT after the peer's checks arrive,
            // and a router without an input firewall then gives its checks another port.
            var left = budget - bytes.count - (pushed?.count ?? 0)
            if push != nil, outlet.losesDatagrams, left >= bytes.count {
                write(bytes, to: client, outlet)
                left -= bytes.count
            }
            if let push, let pushed, left >= pushed.count {
                let pushOutlet = pushingThrough(push.to)
                if pushOutlet.losesDatagrams { write(pushed, to: push.to, pushOutlet) }
            }
        }
    }

    private func message(_ kind: STUNClass, _ answer: RendezvousBoard.Answer, id: TransactionID, nameplate: String) -> STUNMessage {
        var message = STUNMessage(type: STUNMessageType(method: .rendezvous, messageClass: kind), transactionID: id)
        message.append(XORMappedAddress(answer.to))
        message.append(answer.schedule)
        guard let peer = answer.peer else { return message }
        for candidate in peer.advertised { message.append(candidate) }
        if let mapping = peer.mapping { message.append(mapping) }
        message.append(peer.confirm)
        if configuration.offersRelay {
            if let secret = configuration.relaySecret {
                let credential = TURNCredentials.sharedSecretCredential(
                    secret: secret, name: "punch-\(nameplate)", validFor: configuration.credentialLifetime)
                message.append(PunchRelayCredential(username: credential.username, password: credential.password))
            } else {
                message.append(PunchRelayCredential(username: "", password: ""))  // an open relay
            }
        }
        return message
    }

    private func send(error code: Int, _ reason: String, to request: STUNMessage, _ client: TransportAddress, _ outlet: any DatagramOutlet) {
        var message = STUNMessage(type: STUNMessageType(method: .rendezvous, messageClass: .errorResponse), transactionID: request.transactionID)
        message.append(ErrorCode(code: code, reason: reason))
        let budget = request.answerBudget
        if let bytes = message.encoded(fingerprint: true, within: budget) { write(bytes, to: client, outlet) }
    }

    private func write(_ message: STUNMessage, to destination: TransportAddress, _ outlet: any DatagramOutlet) {
        write(message.encoded(fingerprint: true), to: destination, outlet)
    }

    private func write(_ bytes: [UInt8], to destination: TransportAddress, _ outlet: any DatagramOutlet) {
        outlet.send(bytes, to: destination)
    }
}
