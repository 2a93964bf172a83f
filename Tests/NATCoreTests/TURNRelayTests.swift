import Foundation
import NATCore
import NATServer
import NATWire
import Testing

/// natctl's TURN client against natctl's TURN relay on loopback: real sockets both ways.
@Suite struct TURNRelayTests {
    static let user = TURNCredential(username: "alice", password: "wonderland")

    /// A relay on 127.0.0.1 that may relay to loopback peers (the tests' peers live there).
    struct Relay {
        let server: STUNServer
        let events: ArrivalQueue<TURNEvent>
        var address: TransportAddress { server.layout.primary }

        static func start(
            threads: Int = 1, streams: StreamConfiguration? = nil, _ adjust: (inout TURNConfiguration) -> Void = { _ in }
        ) async throws -> Relay {
            var configuration = TURNConfiguration(
                credentials: TURNCredentials(realm: "natctl.test", users: [user.username: user.password]),
                relayIP: IPAddress("127.0.0.1")!)
            configuration.peerPolicy.allowed = PeerAddressPolicy.loopback
            adjust(&configuration)
            let events = ArrivalQueue<TURNEvent>()
            let server = try await STUNServer.start(
                ServerLayout(primary: TransportAddress("127.0.0.1:0")!), turn: configuration, relayThreads: threads,
                streams: streams, onTURNEvent: { events.push($0) })
            return Relay(server: server, events: events)
        }
    }

    /// Pumps a client's relayed datagrams into a queue tests can wait on with a limit.
    static func inbox(of client: TURNClient) -> ArrivalQueue<RelayedDatagram> {
        let queue = ArrivalQueue<RelayedDatagram>()
        Task { for await datagram in client.received { queue.push(datagram) } }
        return queue
    }

    @Test func relaysBothWaysWithIndicationsThenChannels() async throws {
        let relay = try await Relay.start()
        let peer = try await UDPInbox.bind()
        let client = try await TURNClient.allocate(server: relay.address, credential: Self.user)
        let inbox = Self.inbox(of: client)
        #expect(client.relayedAddress.ip == IPAddress("127.0.0.1"))
        #expect(client.mappedAddress?.port != 0)

        try await client.createPermission([peer.address.ip])
        client.send(Array("by indication".utf8), to: peer.address)
        let first = try await peer.next()
        #expect(first.bytes == Array("by indication".utf8))
        #expect(first.source == client.relayedAddress, "the peer sees the relayed address, not the client")
        try await peer.send(Array("back by data".utf8), to: client.relayedAddress)
        let back = try await inbox.next()
        #expect(back.data == Array("back by data".utf8) && !back.viaChannel && back.peer == peer.address)

        let number = try await client.bindChannel(to: peer.address)
        #expect(ChannelNumber.validRange.contains(number))
        client.send(Array("by channel".utf8), to: peer.address)
        #expect(try await peer.next().bytes == Array("by channel".utf8))
        try await peer.send(Array("back by channel".utf8), to: client.relayedAddress)
        let channelled = try await inbox.next()
        #expect(channelled.data == Array("back by channel".utf8) && channelled.viaChannel)

        await client.close()
        let (_, _, reason, traffic) = try await relay.events.nextClosed()
        #expect(reason == "deleted")
        #expect(traffic.packetsToPeers == 2 && traffic.packetsFromPeers == 2)
        await peer.close()
        await relay.server.stop()
    }

    @Test func aWrongPasswordIsRefusedAfterTheChallenge() async throws {
        let relay = try await Relay.start()
        await #expect(throws: TURNClientError.wrongCredentials(realm: "natctl.test")) {
            _ = try await TURNClient.allocate(server: relay.address, credential: TURNCredential(username: "alice", password: "nope"))
        }
        await #expect(throws: TURNClientError.credentialsNeeded(realm: "natctl.test")) {
            _ = try await TURNClient.allocate(server: relay.address, credential: nil)
        }
        await relay.server.stop()
    }

    @Test func sharedSecretCredentialsWorkUntilTheyExpire() async throws {
        let relay = try await Relay.start { $0.credentials = TURNCredentials(realm: "natctl.test", sharedSecrets: ["s3cret"]) }
        let fresh = TURNCredentials.sharedSecretCredential(secret: "s3cret", name: "bob", validFor: 60)
        let client = try await TURNClient.allocate(server: relay.address, credential: TURNCredential(username: fresh.username, password: fresh.password))
        await client.close()
        let stale = TURNCredentials.sharedSecretCredential(secret: "s3cret", name: "bob", validFor: -1)
        await #expect(throws: TURNClientError.wrongCredentials(realm: "natctl.test")) {
            _ = try await TURNClient.allocate(server: relay.address, credential: TURNCredential(username: stale.username, password: stale.password))
        }
        await relay.server.stop()
    }

    @Test func aStaleNonceGets438WithAFreshOne() async throws {
        let relay = try await Relay.start()
        let transport = try await STUNTransport.bind(TransportAddress("127.0.0.1:0")!)
        var request = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request))
        request.append(RequestedTransport.udp)
        request.append(Username(Self.user.username))
        request.append(Realm("natctl.test"))
        request.append(Nonce("obMatJos2gAAA5f5e1000.0123456789abcdef01234567"))  // expired in 2020, and forged
        let key = STUNIntegrityKey.longTerm(username: Self.user.username, realm: "natctl.test", password: Self.user.password)
        let response = try await transport.transaction(request, to: relay.address, integrity: key)
        #expect(try response.message.attribute(ErrorCode.self)?.code == 438)
        #expect(try response.message.attribute(Nonce.self)?.text.hasPrefix("obMatJos2") == true)
        await transport.close()
        await relay.server.stop()
    }

    @Test func peersWithoutPermissionAreDropped() async throws {
        let relay = try await Relay.start()
        let allowed = try await UDPInbox.bind()
        let stranger = try await UDPInbox.bind(ip: "127.0.0.2")
        let client = try await TURNClient.allocate(server: relay.address, credential: Self.user)
        let inbox = Self.inbox(of: client)
        try await client.createPermission([allowed.address.ip])
        // The stranger's packet goes first; only the permitted one may come through.
        try await stranger.send(Array("unwanted".utf8), to: client.relayedAddress)
        client.send(Array("to stranger".utf8), to: stranger.address)
        try await allowed.send(Array("wanted".utf8), to: client.relayedAddress)
        #expect(try await inbox.next().data == Array("wanted".utf8))
        client.send(Array("to allowed".utf8), to: allowed.address)
        #expect(try await allowed.next().bytes == Array("to allowed".utf8))
        await client.close()
        let traffic = try await relay.events.nextClosed().traffic
        #expect(traffic.droppedFromPeers == 1 && traffic.droppedToPeers == 1, "\(traffic)")
        await #expect(throws: InboxTimeout.self) { _ = try await stranger.queue.next(limit: .milliseconds(200)) }
        for socket in [allowed, stranger] { await socket.close() }
        await relay.server.stop()
    }

    @Test func anAllocationExpiresAfterItsLifetime() async throws {
        let relay = try await Relay.start { $0.maximumLifetime = 1 }
        let client = try await TURNClient.allocate(server: relay.address, credential: Self.user, lifetime: 600)
        #expect(client.lifetime == 1, "the server caps the lifetime")
        let (owner, _, reason, _) = try await relay.events.nextClosed(limit: .seconds(5))
        #expect(reason == "expired" && owner == client.mappedAddress)
        await #expect(throws: TURNClientError.rejected(method: "Refresh", code: 437, reason: "Allocation Mismatch")) {
            try await client.refresh()
        }
        await client.close(release: false)
        await relay.server.stop()
    }

    @Test func quotasRefuseTheAllocationTooMany() async throws {
        let relay = try await Relay.start { $0.userQuota = 1 }
        let first = try await TURNClient.allocate(server: relay.address, credential: Self.user)
        await #expect(throws: TURNClientError.rejected(method: "Allocate", code: 486, reason: "Allocation Quota Reached")) {
            _ = try await TURNClient.allocate(server: relay.address, credential: Self.user)
        }
        await first.close()
        _ = try await relay.events.nextClosed()
        let again = try await TURNClient.allocate(server: relay.address, credential: Self.user)
        await again.close()
        await relay.server.stop()
    }

    /// Two relay threads share the listening address (SO_REUSEPORT): the kernel spreads clients
    /// over them by 4-tuple, each client's traffic stays on its thread both ways, and the quota
    /// counts allocations on both. With 24 clients, all on one thread would happen 2 in 2^24 runs.
    @Test func twoRelayThreadsSpreadClientsRelayForEachAndShareTheQuota() async throws {
        let relay = try await Relay.start(threads: 2) { $0.totalQuota = 24 }
        let peer = try await UDPInbox.bind()
        var clients: [TURNClient] = []
        for _ in 0..<24 { clients.append(try await TURNClient.allocate(server: relay.address, credential: Self.user)) }
        await #expect(throws: TURNClientError.rejected(method: "Allocate", code: 508, reason: "Insufficient Capacity")) {
            _ = try await TURNClient.allocate(server: relay.address, credential: Self.user)
        }
        let spread = await relay.server.allocationsPerRelayThread()
        #expect(spread.count == 2 && spread.reduce(0, +) == 24 && spread.allSatisfy { $0 > 0 }, "allocations per thread: \(spread)")

        for (index, client) in clients.enumerated() {
            _ = try await client.bindChannel(to: peer.address)
            client.send(Array("hello \(index)".utf8), to: peer.address)
        }
        var heard: [TransportAddress: String] = [:]
        for _ in clients {
            let datagram = try await peer.next()
            heard[datagram.source] = String(decoding: datagram.bytes, as: UTF8.self)
        }
        #expect(Set(heard.keys) == Set(clients.map(\.relayedAddress)), "every client reached the peer from its relayed address")
        for client in clients {
            let inbox = Self.inbox(of: client)
            try await peer.send(Array("back".utf8), to: client.relayedAddress)
            let back = try await inbox.next()
            #expect(back.data == Array("back".utf8) && back.viaChannel)
        }
        for client in clients { await client.close() }
        await peer.close()
        await relay.server.stop()
    }

    @Test func deniedPeerAddressesGet403() async throws {
        let relay = try await Relay.start { $0.peerPolicy = PeerAddressPolicy() }
        let client = try await TURNClient.allocate(server: relay.address, credential: Self.user)
        // 127.0.0.1 is the relay's own IP, a peer at relayed ports (relay to relay); other loopback is not.
        for denied in ["127.0.0.2", "10.1.2.3", "192.168.1.1", "169.254.0.1"] {
            do {
                try await client.createPermission([IPAddress(denied)!])
                Issue.record("\(denied) was permitted")
            } catch {
                #expect(error.code == 403, "\(denied): \(error)")
            }
        }
        try await client.createPermission([IPAddress("198.51.100.7")!])
        try await client.createPermission([relay.address.ip])
        await client.close()
        await relay.server.stop()
    }

    @Test func aSecondAllocateFromTheSameSocketGets437() async throws {
        let relay = try await Relay.start { $0.credentials = TURNCredentials(realm: "open", open: true) }
        let transport = try await STUNTransport.bind(TransportAddress("127.0.0.1:0")!)
        func allocate() -> STUNMessage {
            var request = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request))
            request.append(RequestedTransport.udp)
            return request
        }
        let request = allocate()
        let first = try await transport.transaction(request, to: relay.address)
        #expect(first.message.type.messageClass == .successResponse)
        let retransmitted = try await transport.transaction(request, to: relay.address)
        #expect(try retransmitted.message.attribute(XORRelayedAddress.self) == first.message.attribute(XORRelayedAddress.self))
        let second = try await transport.transaction(allocate(), to: relay.address)
        #expect(try second.message.attribute(ErrorCode.self)?.code == 437)
        await transport.close()
        await relay.server.stop()
    }

    @Test func malformedTURNMessagesGet400AndTheServerKeepsServing() async throws {
        let relay = try await Relay.start()
        let raw = try await UDPInbox.bind()
        // An Allocate whose only attribute claims 200 bytes but carries 4.
        var bad = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request)).encoded()
        bad[3] = 8
        bad += [0x00, 0x19, 0x00, 0xC8, 17, 0, 0, 0]
        try await raw.send(bad, to: relay.address)
        let answer = try STUNMessage(decoding: try await raw.next().bytes)
        #expect(try answer.attribute(ErrorCode.self)?.code == 400)
        // Junk ChannelData and random bytes get nothing, and break nothing.
        try await raw.send([0x40, 0x00, 0xFF, 0xFF, 1, 2], to: relay.address)
        try await raw.send((0..<64).map { _ in UInt8.random(in: 0...255) }, to: relay.address)
        let client = try await TURNClient.allocate(server: relay.address, credential: Self.user)
        await client.close()
        await raw.close()
        await relay.server.stop()
    }
}

extension ArrivalQueue where Element == TURNEvent {
    /// The next `closed` event, skipping `allocated` ones.
    /// The next `closed` event's fields, skipping others; throws when none comes in `limit`.
    func nextClosed(limit: Duration = .seconds(3)) async throws -> (
        client: TransportAddress, relayed: TransportAddress, reason: String, traffic: TURNTraffic
    ) {
        while true {
            let event = try await next(limit: limit)
            if case .closed(let client, let relayed, let reason, let traffic) = event { return (client, relayed, reason, traffic) }
        }
    }
}
