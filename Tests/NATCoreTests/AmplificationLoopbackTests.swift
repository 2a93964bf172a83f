import Foundation
import NATCore
import NATServer
import NATWire
import Testing

/// `relay serve`'s answers to unauthenticated requests over real sockets: every kind an
/// attacker could forge stays within `AmplificationLimit` of the request (the figures in
/// docs/protocol.md come from here), and a source beyond its rate gets no more answers.
@Suite struct AmplificationLoopbackTests {
    static func server(rates: AnswerRates = AnswerRates()) async throws -> STUNServer {
        var turn = TURNConfiguration(
            credentials: TURNCredentials(realm: "natctl", users: ["alice": "wonderland"]), relayIP: IPAddress("127.0.0.1")!)
        turn.peerPolicy.allowed = PeerAddressPolicy.loopback
        return try await STUNServer.start(
            ServerLayout(primary: TransportAddress("127.0.0.1:0")!, alternate: TransportAddress("127.0.0.2:0")!), turn: turn,
            rendezvous: RendezvousConfiguration(relaySecret: "s", offersRelay: true), rates: rates)
    }

    /// Sends `request` and collects every datagram that comes back within a short wait.
    static func answerBytes(_ request: [UInt8], to server: TransportAddress, from inbox: UDPInbox) async throws -> Int {
        try await inbox.send(request, to: server)
        var total = 0
        while let datagram = try? await inbox.queue.next(limit: .milliseconds(300)) { total += datagram.bytes.count }
        return total
    }

    static var requests: [(String, [UInt8])] {
        var padded = STUNMessage(type: .bindingRequest)
        padded.append(Padding(length: 0))
        var named = STUNMessage(type: .bindingRequest)
        named.append(Software("natctl 0.1.0"))
        var allocate = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request))
        allocate.append(RequestedTransport.udp)
        var bareRendezvous = STUNMessage(type: STUNMessageType(method: .rendezvous, messageClass: .request))
        bareRendezvous.append(PunchNameplate("42"))
        bareRendezvous.append(PunchSessionID(7))
        bareRendezvous.append(PunchConfirm([1, 2, 3, 4, 5, 6, 7, 8]))
        var malformed = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request)).encoded()
        malformed += [0x00, 0x19, 0x00, 0x40]  // an attribute that claims 64 bytes it lacks
        malformed[3] = 4
        return [
            ("Binding, no attributes", STUNMessage(type: .bindingRequest).encoded()),
            ("Binding with empty PADDING", padded.encoded()),
            ("Binding with SOFTWARE and FINGERPRINT", named.encoded(fingerprint: true)),
            ("RFC 3489 Binding", STUNMessage(type: .bindingRequest, cookie: 0x0102_0304).encoded()),
            ("TURN Allocate (401)", allocate.encoded()),
            ("TURN Allocate, no attributes", STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request)).encoded()),
            ("malformed TURN request (400)", malformed),
            ("Rendezvous, unpadded", bareRendezvous.encoded(fingerprint: true)),
        ]
    }

    @Test func everyUnauthenticatedAnswerIsAtMostFourTimesItsRequest() async throws {
        let server = try await Self.server()
        let inbox = try await UDPInbox.bind()
        var table: [String] = []
        for (kind, request) in Self.requests {
            let answered = try await Self.answerBytes(request, to: server.layout.primary, from: inbox)
            #expect(answered <= AmplificationLimit.factor * request.count, "\(kind): \(answered) bytes for \(request.count)")
            if kind != "TURN Allocate, no attributes" {
                #expect(answered > 0, "\(kind): trimmed, not silenced (only a 401 that cannot fit is)")
            }
            table.append("\(kind): \(request.count) -> \(answered)")
        }
        print("amplification:", table.joined(separator: "; "))
        await inbox.close()
        await server.stop()
    }

    /// A registration that pairs: its answer and the push to the waiting peer share one budget.
    @Test func pairingAnswerAndPushShareTheRequestsBudget() async throws {
        let server = try await Self.server()
        let (first, second) = (try await UDPInbox.bind(), try await UDPInbox.bind())
        func registration(_ session: UInt64, candidates: Int = 16, pad: Int) -> [UInt8] {
            var request = STUNMessage(type: STUNMessageType(method: .rendezvous, messageClass: .request))
            request.append(PunchNameplate("77"))
            request.append(PunchSessionID(session))
            request.append(PunchConfirm([1, 2, 3, 4, 5, 6, 7, 8]))
            for port in 0..<candidates { request.append(PunchCandidate(.host, TransportAddress("[2001:db8::\(port + 1)]:\(4000 + port)")!)) }
            request.padded(toAtLeast: pad)
            return request.encoded(fingerprint: true)
        }
        // Too small: refused before the board changes, so the next one still waits alone.
        try await second.send(registration(9, candidates: 0, pad: 0), to: server.layout.primary)
        let refusal = try STUNMessage(decoding: try await second.next().bytes)
        #expect(try refusal.attribute(ErrorCode.self)?.code == 400)
        try await first.send(registration(1, pad: 400), to: server.layout.primary)
        let waiting = try STUNMessage(decoding: try await first.next().bytes)
        #expect(try waiting.attribute(PunchSchedule.self)?.status == .waiting)
        let pairing = registration(2, pad: 400)
        let answered = try await Self.answerBytes(pairing, to: server.layout.primary, from: second)
        var pushed = 0
        while let datagram = try? await first.queue.next(limit: .milliseconds(300)) { pushed += datagram.bytes.count }
        #expect(pushed > 0, "the waiting peer hears of the newcomer at once")
        #expect(answered + pushed <= AmplificationLimit.factor * pairing.count, "\(answered) + \(pushed) for \(pairing.count)")
        for socket in [first, second] { await socket.close() }
        await server.stop()
    }

    @Test func dialBackDialsAndAnswerStayWithinTheLimit() async throws {
        let server = try await Self.server()
        let inbox = try await UDPInbox.bind()
        let target = try await UDPInbox.bind()
        var request = STUNMessage(type: STUNMessageType(method: .dialBack, messageClass: .request))
        request.append(DialBackTarget(.udp, target.address))
        request.append(DialBackNonce.random())
        let bytes = request.encoded(fingerprint: true)
        try await inbox.send(bytes, to: server.layout.primary)
        let answer = try await inbox.next()
        var dialled = 0
        while let datagram = try? await target.queue.next(limit: .milliseconds(300)) { dialled += datagram.bytes.count }
        #expect(dialled > 0, "the target was dialled")
        #expect(answer.bytes.count + dialled <= AmplificationLimit.factor * bytes.count, "\(answer.bytes.count) + \(dialled) for \(bytes.count)")
        print("amplification: dial-back one UDP target: \(bytes.count) -> \(answer.bytes.count + dialled)")
        for socket in [inbox, target] { await socket.close() }
        await server.stop()
    }

    @Test func aSourceBeyondItsRateGetsNoMoreAnswers() async throws {
        var rates = AnswerRates()
        rates.stunPerSecond = 1  // a burst of 2, then one a second: the test takes well under two
        let server = try await Self.server(rates: rates)
        let inbox = try await UDPInbox.bind()
        let request = STUNMessage(type: .bindingRequest).encoded()
        for _ in 0..<30 { try await inbox.send(request, to: server.layout.primary) }
        var answers = 0
        while (try? await inbox.queue.next(limit: .milliseconds(300))) != nil { answers += 1 }
        #expect(answers >= 2 && answers <= 3, "a burst of 2 (and at most one refill), not 30: \(answers)")
        await inbox.close()
        await server.stop()
    }
}
