import NATCore
import NATServer
import NATWire
import Testing

/// Dial-back against a real `STUNServer` on loopback (no NAT in between).
@Suite struct DialBackClientTests {
    func server() async throws -> STUNServer {
        try await STUNServer.start(ServerLayout(primary: TransportAddress("127.0.0.1:0")!, alternate: TransportAddress("127.0.0.2:0")!))
    }

    @Test func openPortsAreReachableOverUDPAndTCP() async throws {
        let server = try await server()
        let report = await DialBackClient.run(
            .init(server: server.layout.primary, observedIP: IPAddress("127.0.0.1")!, ports: [], roundTrip: nil))
        await server.stop()
        #expect(report.overall == "public")
        #expect(Set(report.ports.map(\.transport)) == ["udp", "tcp"])
        #expect(report.ports.allSatisfy { $0.result == "reachable" && $0.detail.contains("127.0.0.2") }, "dialled from the alternate IP: \(report.ports)")
    }

    @Test func theServerRefusesToDialAnyoneButTheRequester() async throws {
        let server = try await server()
        // We claim to be 127.0.0.3; the request comes from 127.0.0.1.
        let report = await DialBackClient.run(
            .init(server: server.layout.primary, observedIP: IPAddress("127.0.0.3")!, ports: [], roundTrip: nil))
        await server.stop()
        #expect(report.overall == "unknown")
        #expect(report.ports.allSatisfy { $0.result == "unknown" && $0.detail.contains("403") }, "\(report.ports)")
    }

    @Test func aClosedTCPPortIsUnreachable() async throws {
        let server = try await server()
        // Listen, learn a free port, close it, then ask for a dial-back to that port on TCP only.
        let probe = try await STUNTransport.bind(TransportAddress("127.0.0.1:0")!)
        let port = probe.localAddress.port
        await probe.close()
        var message = STUNMessage(type: STUNMessageType(method: .dialBack, messageClass: .request))
        message.append(DialBackTarget(.tcp, TransportAddress(ip: IPAddress("127.0.0.1")!, port: port)))
        message.append(DialBackNonce.random())
        let asker = try await STUNTransport.bind(TransportAddress("127.0.0.1:0")!)
        let response = try await asker.transaction(message, to: server.layout.primary)
        await asker.close()
        await server.stop()
        #expect(try response.message.attribute(DialBackStatus.self)?.outcome == .refused)
    }
}
