import Foundation
import NATCore
import NATServer
import NATWire
import Testing

/// EVEN-PORT with R and RESERVATION-TOKEN (RFC 8656 §7.2) on natctl's relay over loopback:
/// the RTP/RTCP port pairs coturn's default client asks for.
@Suite struct TURNReservationTests {
    typealias Relay = TURNRelayTests.Relay

    /// An Allocate from an open relay's point of view (no credentials), with `attributes`.
    static func allocate(_ attributes: [any STUNAttributeValue]) -> STUNMessage {
        var request = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request))
        request.append(RequestedTransport.udp)
        for attribute in attributes { request.append(attribute) }
        return request
    }

    /// Sends `request` from a fresh client socket (so each is its own 5-tuple) and returns the answer.
    static func ask(_ relay: Relay, _ request: STUNMessage) async throws -> STUNMessage {
        let transport = try await STUNTransport.bind(TransportAddress("127.0.0.1:0")!)
        defer { Task { await transport.close() } }
        return try await transport.transaction(request, to: relay.address).message
    }

    static func openRelay(_ adjust: @escaping (inout TURNConfiguration) -> Void = { _ in }) async throws -> Relay {
        try await Relay.start {
            $0.credentials = TURNCredentials(realm: "open", open: true)
            adjust(&$0)
        }
    }

    /// The next `reserved` or `released` event.
    static func nextReservationEvent(_ events: ArrivalQueue<TURNEvent>) async throws -> TURNEvent {
        while true {
            switch try await events.next() {
            case .allocated, .closed: continue
            case let event: return event
            }
        }
    }

    @Test func evenPortWithRHoldsTheNextPortForOneAllocateWithItsToken() async throws {
        let relay = try await Self.openRelay()
        let rtp = try await Self.ask(relay, Self.allocate([EvenPort(reserveNext: true)]))
        let relayed = try #require(try rtp.attribute(XORRelayedAddress.self)?.address)
        let token = try #require(try rtp.attribute(ReservationToken.self), "the answer carries the token")
        #expect(relayed.port % 2 == 0)
        let held = TransportAddress(ip: relayed.ip, port: relayed.port + 1)
        guard case .reserved(_, let port, _, let lifetime) = try await Self.nextReservationEvent(relay.events) else {
            Issue.record("no reserved event")
            return
        }
        #expect(port == held && lifetime == 30)

        let rtcp = try await Self.ask(relay, Self.allocate([token]))
        #expect(try rtcp.attribute(XORRelayedAddress.self)?.address == held, "the token's Allocate gets the held port")
        let again = try await Self.ask(relay, Self.allocate([token]))
        #expect(try again.attribute(ErrorCode.self)?.code == 508, "a token is used once")
        let unknown = try await Self.ask(relay, Self.allocate([ReservationToken.random()]))
        #expect(try unknown.attribute(ErrorCode.self)?.code == 508)
        let both = try await Self.ask(relay, Self.allocate([ReservationToken.random(), EvenPort(reserveNext: false)]))
        #expect(try both.attribute(ErrorCode.self)?.code == 400)
        await relay.server.stop()
    }

    /// A held port counts against the quota of the client that asked for it (so reservations
    /// cannot multiply a client's sockets), and is let go, with its place, when nobody claims it.
    @Test func aHeldPortCountsAgainstTheQuotaUntilItExpires() async throws {
        let relay = try await Self.openRelay {
            $0.ipQuota = 2
            $0.reservationLifetime = 1
        }
        let rtp = try await Self.ask(relay, Self.allocate([EvenPort(reserveNext: true)]))
        let relayed = try #require(try rtp.attribute(XORRelayedAddress.self)?.address)
        let full = try await Self.ask(relay, Self.allocate([]))
        #expect(try full.attribute(ErrorCode.self)?.code == 486, "the allocation and its held port fill a quota of 2")
        #expect(try await Self.nextReservationEvent(relay.events) == .reserved(client: try #require(rtp.attribute(XORMappedAddress.self)?.address), port: TransportAddress(ip: relayed.ip, port: relayed.port + 1), username: "", lifetime: 1))
        #expect(try await Self.nextReservationEvent(relay.events) == .released(port: TransportAddress(ip: relayed.ip, port: relayed.port + 1), reason: "expired"))
        let now = try await Self.ask(relay, Self.allocate([]))
        #expect(try now.attribute(XORRelayedAddress.self) != nil, "the expired reservation gave its place back")
        await relay.server.stop()
    }

    @Test func stoppingTheServerLetsHeldPortsGo() async throws {
        let relay = try await Self.openRelay()
        let rtp = try await Self.ask(relay, Self.allocate([EvenPort(reserveNext: true)]))
        let relayed = try #require(try rtp.attribute(XORRelayedAddress.self)?.address)
        _ = try await Self.nextReservationEvent(relay.events)
        await relay.server.stop()
        let held = TransportAddress(ip: relayed.ip, port: relayed.port + 1)
        #expect(try await Self.nextReservationEvent(relay.events) == .released(port: held, reason: "server stopped"))
        // The port is free again: binding it works.
        let socket = try await STUNTransport.bind(held)
        await socket.close()
    }
}
