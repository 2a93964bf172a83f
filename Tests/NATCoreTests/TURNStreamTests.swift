import Foundation
@testable import NATCore
import NATServer
import NATWire
import NIOCore
import NIOPosix
import Testing

/// STUN and TURN over TCP and TLS (RFC 8489 §6.2, RFC 8656 §3.1) between natctl's client and
/// natctl's relay on loopback: real connections, a real certificate made for the test.
@Suite struct TURNStreamTests {
    typealias Relay = TURNRelayTests.Relay

    static func relay(_ adjust: (inout StreamConfiguration) -> Void = { _ in }) async throws -> Relay {
        var streams = StreamConfiguration(
            tls: TLSServerConfiguration(certificateFile: try TestCertificate.shared.certificate, privateKeyFile: try TestCertificate.shared.key, port: 0))
        adjust(&streams)
        return try await Relay.start(streams: streams)
    }

    /// TLS checks the certificate's name: the test's certificate is for localhost only.
    static func connection(_ name: String) throws -> ServerTransport {
        name == "tcp" ? .tcp : .tls(TLSClientOptions(caFile: try TestCertificate.shared.certificate, serverName: "localhost"))
    }

    static func server(_ relay: Relay, _ name: String) throws -> TransportAddress {
        try #require(name == "tcp" ? relay.server.streams.tcp : relay.server.streams.tls)
    }

    @Test(arguments: ["tcp", "tls"])
    func aStreamClientRelaysBothWaysWithIndicationsThenChannels(over name: String) async throws {
        let relay = try await Self.relay()
        let peer = try await UDPInbox.bind()
        let client = try await TURNClient.allocate(
            server: try Self.server(relay, name), credential: TURNRelayTests.user, over: try Self.connection(name))
        let inbox = TURNRelayTests.inbox(of: client)
        #expect(client.mappedAddress?.port != 0)
        try await client.createPermission([peer.address.ip])
        // Lengths that are not multiples of 4: ChannelData over a stream is padded, and the
        // padding must neither reach the peer nor desynchronise the stream.
        let odd = (0..<1203).map { UInt8($0 % 251) }
        client.send(odd, to: peer.address)
        #expect(try await peer.next().bytes == odd)
        try await peer.send(Array("back by data".utf8), to: client.relayedAddress)
        let back = try await inbox.next()
        #expect(back.data == Array("back by data".utf8) && !back.viaChannel && back.peer == peer.address)

        try await client.bindChannel(to: peer.address)
        for length in [1, 2, 3, 5, 1201] {
            let data = [UInt8](repeating: UInt8(truncatingIfNeeded: length), count: length)
            client.send(data, to: peer.address)
            #expect(try await peer.next().bytes == data, "\(length) bytes by channel")
            try await peer.send(data, to: client.relayedAddress)
            let relayed = try await inbox.next()
            #expect(relayed.data == data && relayed.viaChannel, "\(length) bytes back by channel")
        }
        await client.close()
        let (_, _, reason, traffic) = try await relay.events.nextClosed()
        #expect(reason == "deleted")
        #expect(traffic.packetsToPeers == 6 && traffic.packetsFromPeers == 6)
        await peer.close()
        await relay.server.stop()
    }

    /// RFC 8656 §3.1: the connection is the 5-tuple; when it goes, so does the allocation.
    @Test func closingTheConnectionClosesTheAllocation() async throws {
        let relay = try await Self.relay()
        let client = try await TURNClient.allocate(server: try Self.server(relay, "tcp"), credential: TURNRelayTests.user, over: .tcp)
        await client.close(release: false)
        let (_, relayed, reason, _) = try await relay.events.nextClosed()
        #expect(reason == "connection closed" && relayed == client.relayedAddress)
        await relay.server.stop()
    }

    /// A client that stops reading: peers' datagrams past the connection's high-water mark
    /// are dropped, not queued, and the closed event counts them apart from those relayed.
    @Test func datagramsToABackedUpConnectionAreDroppedAndCounted() async throws {
        let relay = try await Self.relay()
        let server = try Self.server(relay, "tcp")
        let inbound = RelayInbound(server: server)
        let transport = try await STUNTransport.connect(to: server, over: .tcp) { _ = inbound.deliver($0) }
        let client = try await TURNClient.allocate(server: server, credential: TURNRelayTests.user, sharing: transport, inbound: inbound)
        let peer = try await UDPInbox.bind()
        try await client.createPermission([peer.address.ip])
        try await transport.channel.setOption(ChannelOptions.autoRead, value: false).get()
        // 8 MB against a 128 KiB receive window, the server's socket buffer and its 256 KiB queue.
        let sent = 8000
        let payload = [UInt8](repeating: 7, count: 1000)
        for _ in 0..<sent { try await peer.send(payload, to: client.relayedAddress) }
        await client.close(release: false)
        await transport.close()  // the client does not own the connection it was handed
        let (_, _, reason, traffic) = try await relay.events.nextClosed()
        #expect(reason == "connection closed")
        #expect(traffic.droppedToClient > 0 && traffic.packetsFromPeers > 0, "\(traffic)")
        #expect(traffic.packetsFromPeers + traffic.droppedToClient <= sent, "\(traffic)")
        #expect(traffic.bytesFromPeers == traffic.packetsFromPeers * payload.count)
        await peer.close()
        await relay.server.stop()
    }

    @Test func bindingOverTCPSeesTheConnectionsSourceAddress() async throws {
        let relay = try await Self.relay()
        let transport = try await STUNTransport.connect(to: try Self.server(relay, "tcp"), over: .tcp)
        let response = try await transport.transaction(STUNMessage(type: STUNMessageType(method: .binding, messageClass: .request)), to: try Self.server(relay, "tcp"))
        #expect(response.reflexiveAddress == transport.localAddress)
        await transport.close()
        await relay.server.stop()
    }

    /// A connection that does not speak STUN is closed; the server goes on serving.
    @Test func aStreamThatIsNotSTUNIsClosed() async throws {
        let relay = try await Self.relay()
        let raw = try await RawConnection.open(to: try Self.server(relay, "tcp"))
        raw.send(Array("GET / HTTP/1.1\r\nHost: natctl\r\n\r\n".utf8))
        try await raw.closedByServer()
        let client = try await TURNClient.allocate(server: try Self.server(relay, "tcp"), credential: TURNRelayTests.user, over: .tcp)
        await client.close()
        await relay.server.stop()
    }

    @Test func connectionsPerClientAreBounded() async throws {
        let relay = try await Self.relay { $0.connectionsPerSubscriber = 2 }
        let server = try Self.server(relay, "tcp")
        let first = try await STUNTransport.connect(to: server, over: .tcp)
        let second = try await STUNTransport.connect(to: server, over: .tcp)
        // The third connects (the kernel accepts it) and is closed at once.
        let third = try await RawConnection.open(to: server)
        try await third.closedByServer()
        let binding = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .request))
        #expect(try await second.transaction(binding, to: server).reflexiveAddress == second.localAddress)
        await first.close()
        await second.close()
        await relay.server.stop()
    }

    @Test func anUntrustedCertificateIsRefusedByName() async throws {
        let relay = try await Self.relay()
        let server = try Self.server(relay, "tls")
        do {
            _ = try await STUNTransport.connect(to: server, over: .tls(TLSClientOptions(serverName: "localhost")))
            Issue.record("a self-signed certificate was trusted without its CA")
        } catch {
            #expect("\(error)".contains("not trusted"), "\(error)")
        }
        for (name, expected) in [("elsewhere.example", "not for elsewhere.example"), (nil, "not for 127.0.0.1")] {
            let options = TLSClientOptions(caFile: try TestCertificate.shared.certificate, serverName: name)
            do {
                _ = try await STUNTransport.connect(to: server, over: .tls(options))
                Issue.record("a certificate for localhost was accepted for \(name ?? "an address")")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
        let insecure = try await STUNTransport.connect(to: server, over: .tls(TLSClientOptions(insecure: true)))
        await insecure.close()
        await relay.server.stop()
    }
}

/// A plain TCP connection for sending what a client should not, and seeing the server close it.
struct RawConnection {
    let channel: any Channel
    let closed: ArrivalQueue<Bool>

    static func open(to server: TransportAddress) async throws -> RawConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(to: server.socketAddress).get()
        let closed = ArrivalQueue<Bool>()
        channel.closeFuture.whenComplete { _ in closed.push(true) }
        return RawConnection(channel: channel, closed: closed)
    }

    func send(_ bytes: [UInt8]) { channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil) }

    /// Returns once the server has closed the connection; throws if it has not within 3 s.
    func closedByServer() async throws { _ = try await closed.next() }
}

/// A self-signed certificate for localhost (a name only, so an address alone does not match
/// it), made once per test run with openssl.
final class TestCertificate: Sendable {
    static let shared = TestCertificate()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-tls-\(UUID().uuidString)")

    var certificate: String {
        get throws {
            try made.get()
            return directory.appendingPathComponent("cert.pem").path
        }
    }

    var key: String {
        get throws {
            try made.get()
            return directory.appendingPathComponent("key.pem").path
        }
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    private let made: Result<Void, Failed>

    private init() {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", directory.appendingPathComponent("key.pem").path, "-out", directory.appendingPathComponent("cert.pem").path,
                "-days", "2", "-subj", "/CN=natctl-test", "-addext", "subjectAltName=DNS:localhost",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            made = process.terminationStatus == 0 ? .success(()) : .failure(Failed(description: "openssl req exited \(process.terminationStatus)"))
        } catch {
            made = .failure(Failed(description: "openssl: \(error)"))
        }
    }
}
