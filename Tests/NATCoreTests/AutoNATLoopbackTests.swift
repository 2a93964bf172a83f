import Libp2pWire
import NATWire
import Testing

@testable import NATCore

/// natctl's AutoNAT server on loopback, driven message by message: v2 asks for dial data before
/// dialing an IP other than the requester's and then delivers the nonce on a new connection;
/// v1 dials only the requester's IP (at the ports listed); both refuse relayed addresses and
/// past their rate.
@Suite struct AutoNATLoopbackTests {
    static let limit = Duration.seconds(10)

    /// A server host, and a client host (on every address, so 127.0.0.2 reaches it too) that
    /// takes v2 dial-backs, with a connection from the client to the server.
    struct Pair {
        let server: Libp2pHost
        let client: Libp2pHost
        let arrivals = AutoNATClient.Arrivals()
        let connection: Libp2pConnection
        let events = Mailbox<AutoNATService.Event>()

        init() async throws {
            let events = events
            let service = AutoNATService { events.push($0) }
            server = try await Libp2pHost.start(
                listen: TransportAddress("127.0.0.1:0")!, identity: Libp2pIdentity(), agentVersion: "test", handlers: service.handlers)
            service.attach(to: server)
            let arrivals = arrivals
            client = try await Libp2pHost.start(
                listen: TransportAddress("0.0.0.0:0")!, identity: Libp2pIdentity(), agentVersion: "test",
                handlers: [AutoNATv2Message.dialBackProtocol: { await AutoNATClient.takeDialBack($0, arrivals: arrivals) }])
            connection = try await Libp2pUpgrade.dial(server.multiaddr, identity: client.identity, limit: AutoNATLoopbackTests.limit, maximumInboundStreams: 8)
            let (client, connection) = (client, connection)
            Task { await client.serve(connection) }
        }

        func stop() async {
            await connection.close()
            await client.stop()
            await server.stop()
        }

        func address(_ ip: String) -> [UInt8] { Multiaddr(tcp: TransportAddress(ip: IPAddress(ip)!, port: client.listenAddress.port)).bytes }

        func open(_ proto: String) async throws -> Libp2pStream {
            try await connection.openStream(proto, deadline: .now + AutoNATLoopbackTests.limit)
        }

        func v1(_ addrs: [[UInt8]]) async throws -> AutoNATMessage.Response? {
            let stream = try await open(AutoNATMessage.protocolID)
            try stream.sendMessage(AutoNATMessage.dial(client.peerID, addrs: addrs).encoded)
            return try AutoNATMessage(encoded: try await stream.readMessage("answer", maximum: 4096, deadline: .now + AutoNATLoopbackTests.limit)).response
        }
    }

    static func read(_ stream: Libp2pStream) async throws -> AutoNATv2Message {
        try AutoNATv2Message(encoded: try await stream.readMessage("v2", maximum: 8192, deadline: .now + limit))
    }

    @Test func v2AsksForDialDataBeforeDialingAnotherIPAndDeliversTheNonce() async throws {
        let pair = try await Pair()
        let nonce: UInt64 = 0x0123_4567_89AB_CDEF
        let stream = try await pair.open(AutoNATv2Message.dialRequestProtocol)
        // A relayed address is skipped; 127.0.0.2 is not the 127.0.0.1 the request comes from.
        let relayed = try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/4001/p2p/\(pair.server.peerID)/p2p-circuit").bytes
        try stream.sendMessage(AutoNATv2Message.dialRequest(addrs: [relayed, pair.address("127.0.0.2")], nonce: nonce).encoded)
        #expect(try await Self.read(stream) == .dialDataRequest(addrIdx: 1, numBytes: AutoNATService.dialDataBytes))
        #expect(pair.arrivals.count("nonce \(nonce)") == 0, "nothing is dialed before the data")
        let chunk = AutoNATv2Message.dialDataResponse(data: [UInt8](repeating: 0, count: 4096)).encoded
        for _ in 0..<8 { try stream.sendMessage(chunk) }
        #expect(try await Self.read(stream) == .dialResponse(status: .ok, addrIdx: 1, dialStatus: .ok))
        #expect(await pair.arrivals.wait("nonce \(nonce)", beyond: 0, within: .seconds(1)), "the nonce came back on a dial-back stream")
        let event = try #require(await pair.events.next(within: Self.limit))
        #expect(event.status == "OK, dial OK" && event.detail.contains("127.0.0.2"), "\(event)")
        await pair.stop()
    }

    @Test func v2OnTheRequestersIPNeedsNoDataAndAClosedPortIsADialError() async throws {
        let pair = try await Pair()
        let closed = Multiaddr(tcp: TransportAddress(ip: IPAddress("127.0.0.1")!, port: 9)).bytes
        let stream = try await pair.open(AutoNATv2Message.dialRequestProtocol)
        try stream.sendMessage(AutoNATv2Message.dialRequest(addrs: [closed], nonce: 7).encoded)
        #expect(try await Self.read(stream) == .dialResponse(status: .ok, addrIdx: 0, dialStatus: .dialError))
        let relayedOnly = try await pair.open(AutoNATv2Message.dialRequestProtocol)
        let relayed = try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/4001/p2p/\(pair.server.peerID)/p2p-circuit").bytes
        try relayedOnly.sendMessage(AutoNATv2Message.dialRequest(addrs: [relayed], nonce: 8).encoded)
        guard case .dialResponse(let status, _, _) = try await Self.read(relayedOnly) else { Issue.record("no response"); return }
        #expect(status == .dialRefused)
        await pair.stop()
    }

    @Test func v1DialsOnlyTheRequestersIPAndIsRateLimited() async throws {
        let pair = try await Pair()
        // Another IP is never dialed by v1: its port is dialed on the IP the request came from.
        let rewritten = try await pair.v1([pair.address("127.0.0.2")])
        #expect(rewritten?.status == .ok && rewritten?.addr == pair.address("127.0.0.1"), "\(String(describing: rewritten))")
        #expect(try await pair.v1([Multiaddr(tcp: TransportAddress(ip: IPAddress("::1")!, port: 4001)).bytes])?.status == .dialRefused, "no IPv4 address")
        #expect(try await pair.v1([pair.address("127.0.0.1")])?.status == .ok)
        let third = try await pair.v1([pair.address("127.0.0.1")])
        #expect(third?.status == .ok)
        let fourth = try await pair.v1([pair.address("127.0.0.1")])
        #expect(fourth?.status == .dialRefused && fourth?.statusText?.contains("too many") == true, "3 per peer per minute")
        await pair.stop()
    }
}
