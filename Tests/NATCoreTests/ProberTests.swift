import NATCore
import NATServer
import NATWire
import Testing

/// The probe engine against real loopback servers.
@Suite struct ProberTests {
    @Test func stopsEarlyOnceEnoughServersAnswered() async throws {
        var servers: [STUNServer] = []
        for _ in 0..<3 { servers.append(try await STUNServer.start(ServerLayout(primary: TransportAddress("127.0.0.1:0")!))) }
        let silent = try await UDPInbox.bind()
        var configuration = ProbeConfiguration(
            servers: servers.map { ServerSpec(host: "127.0.0.1", port: $0.layout.primary.port) }
                + [ServerSpec(host: "127.0.0.1", port: silent.port)])
        configuration.timeout = .seconds(30)
        configuration.enoughServers = 3
        let report = await Prober.run(configuration)
        for server in servers { await server.stop() }
        await silent.close()
        #expect(report.answered.count == 3)
        #expect(report.servers.last?.error == "skipped: enough servers had answered")
        #expect(report.udp == true)
        #expect(report.mappingVariesByDestIp == nil, "all three servers share one IP")
        #expect(report.mappingVariesByDestPort == false)
    }

    @Test func followsOtherAddressWithAlternateIPAndPortRequests() async throws {
        let server = try await STUNServer.start(
            ServerLayout(primary: TransportAddress("127.0.0.1:0")!, alternate: TransportAddress("127.0.0.2:0")!))
        let report = await Prober.run(ProbeConfiguration(servers: [ServerSpec(host: "127.0.0.1", port: server.layout.primary.port)]))
        await server.stop()
        #expect(report.servers.map(\.purpose) == ["server", "alternate_ip", "alternate_port"])
        let alternate = try #require(server.layout.alternate)
        #expect(report.servers[1].address == TransportAddress(ip: alternate.ip, port: server.layout.primary.port).description)
        #expect(report.servers[2].address == TransportAddress(ip: server.layout.primary.ip, port: alternate.port).description)
        #expect(report.mappingVariesByDestIp == false)
        #expect(report.mappingVariesByDestPort == false)
        #expect(report.noNat == true)
    }

    @Test func ipv6ServerIsProbedOverTheIPv6Socket() async throws {
        guard let server = try? await STUNServer.start(ServerLayout(primary: TransportAddress("[::1]:0")!)) else {
            Issue.record("IPv6 loopback unavailable; cannot test the IPv6 probe here")
            return
        }
        let report = await Prober.run(ProbeConfiguration(servers: [ServerSpec(host: "::1", port: server.layout.primary.port)]))
        await server.stop()
        #expect(report.ipv6 == true)
        #expect(report.ipv4 == nil)
        #expect(report.publicIpv6 == "::1")
        #expect(report.localSockets.first?.hasPrefix("[::]:") == true)
    }
}
