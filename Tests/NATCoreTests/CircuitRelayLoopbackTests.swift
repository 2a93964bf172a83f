import Libp2pWire
import NATWire
import Testing

@testable import NATCore

/// natctl's circuit relay v2 hop on loopback, with natctl's own libp2p stack as both clients:
/// a reservation with a voucher, a relayed echo, the data limit, and the refusals the spec names.
@Suite struct CircuitRelayLoopbackTests {
    static let deadline = Duration.seconds(10)

    /// A relay host with its service, and the events it reports.
    struct Relay {
        let host: Libp2pHost
        let events = Mailbox<CircuitRelayEvent>()

        init(_ configuration: CircuitRelayConfiguration) async throws {
            let events = events
            let service = CircuitRelayService(configuration) { events.push($0) }
            host = try await Libp2pHost.start(
                listen: TransportAddress("127.0.0.1:0")!, identity: Libp2pIdentity(), agentVersion: "natctl-test",
                handlers: [CircuitRelay.hopProtocol: service.handler])
            service.attach(to: host)
        }

        func next() async throws -> CircuitRelayEvent { try #require(await events.next(within: CircuitRelayLoopbackTests.deadline)) }
    }

    /// A client connected to the relay; with `echo`, it accepts stop streams and echoes what they carry.
    static func client(of relay: Relay, echo: Bool, identity: Libp2pIdentity = Libp2pIdentity()) async throws -> Libp2pConnection {
        let connection = try await Libp2pUpgrade.dial(relay.host.multiaddr, identity: identity, limit: deadline, maximumInboundStreams: 8)
        Task {
            await connection.run { stream in
                guard echo else { return stream.reset() }
                Task {
                    let limit = ContinuousClock.now + deadline
                    guard (try? await Libp2pUpgrade.answer(stream, offering: [CircuitRelay.stopProtocol], deadline: limit)) != nil,
                        let request = try? await stream.readMessage("stop", maximum: 4096, deadline: limit),
                        (try? StopMessage(encoded: request))?.kind == .connect
                    else { return stream.reset() }
                    try? stream.sendMessage(StopMessage(.status, status: .ok).encoded)
                    while let bytes = await stream.nextBytes(deadline: limit), (try? stream.send(bytes)) != nil {}
                    stream.closeWrite()
                }
            }
        }
        return connection
    }

    static func hop(_ connection: Libp2pConnection, _ request: HopMessage) async throws -> (HopMessage, Libp2pStream) {
        let limit = ContinuousClock.now + deadline
        let stream = try await connection.openStream(CircuitRelay.hopProtocol, deadline: limit)
        try stream.sendMessage(request.encoded)
        return (try HopMessage(encoded: try await stream.readMessage("hop answer", maximum: 4096, deadline: limit)), stream)
    }

    /// Reads `count` bytes from the stream, or fewer if it ends first.
    static func read(_ count: Int, from stream: Libp2pStream) async -> [UInt8] {
        var received: [UInt8] = []
        while received.count < count, let bytes = await stream.nextBytes(deadline: .now + deadline) { received += bytes }
        return received
    }

    @Test func aReservedPeerIsReachedThroughTheRelayWithinItsDataLimit() async throws {
        var configuration = CircuitRelayConfiguration()
        configuration.circuitBytes = 64 * 1024
        let relay = try await Relay(configuration)
        defer { Task { await relay.host.stop() } }
        let listenerIdentity = Libp2pIdentity()
        let listener = try await Self.client(of: relay, echo: true, identity: listenerIdentity)
        let (reserved, _) = try await Self.hop(listener, HopMessage(.reserve))
        let reservation = try #require(reserved.reservation)
        #expect(reserved.status == .ok && reserved.limit == CircuitRelay.Limit(duration: 120, data: 64 * 1024))
        #expect(try reservation.addrs.map { try Multiaddr(bytes: $0) } == [relay.host.multiaddr])
        let envelope = try SignedEnvelope(encoded: try #require(reservation.voucher))
        #expect(envelope.verifies(domain: ReservationVoucher.domain) == true && envelope.publicKey == relay.host.identity.publicKey)
        #expect(try ReservationVoucher(payload: envelope.payload).peer == listenerIdentity.peerID)
        guard case .reserved(let peer, _, let expire) = try await relay.next() else { Issue.record("no reserved event"); return }
        #expect(expire == reservation.expire && peer == "\(listenerIdentity.peerID)")

        let dialerIdentity = Libp2pIdentity()
        let dialer = try await Self.client(of: relay, echo: false, identity: dialerIdentity)
        let (connected, circuit) = try await Self.hop(dialer, HopMessage(.connect, peer: CircuitRelay.Peer(id: try #require(PeerID(peer)))))
        #expect(connected.status == .ok)
        #expect(try await relay.next() == .circuitOpened(source: "\(dialerIdentity.peerID)", destination: peer))
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        try circuit.send(message)
        #expect(await Self.read(message.count, from: circuit) == message, "the echo came back through the relay")

        // Past 64 KiB in one direction the relay resets the circuit.
        try circuit.send([UInt8](repeating: 7, count: 100 * 1024))
        let echoed = await Self.read(200 * 1024, from: circuit)
        #expect(echoed.count <= 64 * 1024 - message.count)
        guard case .circuitClosed(_, _, let reason, let there, _) = try await relay.next() else { Issue.record("no closed event"); return }
        #expect(reason == "data limit" && there == 64 * 1024)
    }

    @Test func connectingToAPeerWithoutAReservationIsRefused() async throws {
        let relay = try await Relay(CircuitRelayConfiguration())
        defer { Task { await relay.host.stop() } }
        let dialer = try await Self.client(of: relay, echo: false)
        let (answer, _) = try await Self.hop(dialer, HopMessage(.connect, peer: CircuitRelay.Peer(id: Libp2pIdentity().peerID)))
        #expect(answer.status == .noReservation)
        guard case .refused(_, _, let status, _) = try await relay.next() else { Issue.record("no refused event"); return }
        #expect(status == "NO_RESERVATION")
    }

    @Test func reservationsPerIPAreBounded() async throws {
        var configuration = CircuitRelayConfiguration()
        configuration.maximumReservationsPerIP = 2
        let relay = try await Relay(configuration)
        defer { Task { await relay.host.stop() } }
        var statuses: [CircuitRelay.Status?] = []
        var held: [Libp2pConnection] = []
        for _ in 0..<3 {
            let client = try await Self.client(of: relay, echo: true)
            held.append(client)
            statuses.append(try await Self.hop(client, HopMessage(.reserve)).0.status)
        }
        #expect(statuses == [.ok, .ok, .resourceLimitExceeded])
        // Renewing an existing reservation is not a new one.
        #expect(try await Self.hop(held[0], HopMessage(.reserve)).0.status == .ok)
    }
}
