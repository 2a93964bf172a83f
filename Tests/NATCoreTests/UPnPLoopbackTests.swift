import NATCore
import NATWire
import NIOCore
import NIOPosix
import Testing

/// The UPnP client against `FakeIGD` over real loopback sockets: SSDP search, description
/// fetch, and the SOAP actions behind every `PortMapper` call.
@Suite struct UPnPLoopbackTests {
    static let loopback = IPAddress("127.0.0.1")!
    static let gateway = DefaultGateway(address: loopback, interface: "lo", localAddress: loopback)
    static let limit: Duration = .seconds(3)
    /// Another host's mapping on UDP 6000, for the conflict paths.
    static let otherHostsMapping: [FakeIGD.Key: FakeIGD.Entry] = [
        FakeIGD.Key(transport: "UDP", externalPort: 6000): FakeIGD.Entry(internalClient: "192.168.1.99", internalPort: 6000, description: "console", lease: 0)
    ]

    private func withIGD(
        _ serviceType: UPnPServiceType = .wanIPConnection1, permanentLeasesOnly: Bool = false, _ body: (FakeIGD, UPnPGateway) async throws -> Void
    ) async throws {
        let igd = try await FakeIGD.start(serviceType: serviceType, permanentLeasesOnly: permanentLeasesOnly, mappings: Self.otherHostsMapping)
        do {
            let gateway = try await UPnPClient.discover(gateway: Self.gateway, limit: Self.limit, ssdpPort: igd.ssdpPort, multicastDestinations: [])
            try await body(igd, gateway)
            await igd.stop()
        } catch {
            await igd.stop()
            throw error
        }
    }

    @Test func discoveryFindsTheServiceInTheNestedDescription() async throws {
        try await withIGD { igd, gateway in
            #expect(gateway.kind == .upnp)
            #expect(gateway.service.type == .wanIPConnection1)
            #expect(gateway.service.controlURL == HTTPURL(host: "127.0.0.1", port: igd.httpPort, path: "/ctl/IPConn"))
            #expect(gateway.location.path == "/rootDesc.xml")
            #expect(gateway.friendlyName == "Fake IGD")
            #expect(gateway.modelName == "FakeIGD")
            #expect(gateway.server == "natctl-test/1.0 UPnP/1.1 FakeIGD/1.0")
            #expect(gateway.gatewayAddress == Self.loopback)
            let external = try await gateway.externalAddress(limit: Self.limit)
            #expect(external == IPAddress(FakeIGD.externalAddress))
        }
    }

    @Test func igd1ConflictRetriesAnotherPortThenListsAndDeletes() async throws {
        try await withIGD { igd, gateway in
            let mapping = try await gateway.add(PortMapRequest(transport: .udp, internalPort: 6000, lifetimeSeconds: 3600, description: "natctl test"), limit: Self.limit)
            #expect(mapping.externalPort != 6000, "6000 belongs to another host: the client must move")
            #expect(mapping.internalAddress == Self.loopback && mapping.internalPort == 6000)
            #expect(mapping.externalAddress == IPAddress(FakeIGD.externalAddress))
            #expect(mapping.lifetimeSeconds == 3600)
            #expect(igd.state.withLockedValue { $0.actions.prefix(2) } == ["AddPortMapping", "AddPortMapping"])

            let listed = try await gateway.list(limit: Self.limit)
            #expect(listed.count == 2)
            #expect(listed.contains { $0.externalPort == mapping.externalPort && $0.description == "natctl test" && $0.internalAddress == Self.loopback })
            #expect(listed.contains { $0.externalPort == 6000 && $0.internalAddress == IPAddress("192.168.1.99") })

            try await gateway.delete(mapping, limit: Self.limit)
            let remaining = try await gateway.list(limit: Self.limit)
            #expect(remaining.map(\.externalPort) == [6000])
        }
    }

    @Test func igd2ConflictUsesAddAnyPortMapping() async throws {
        try await withIGD(.wanIPConnection2) { igd, gateway in
            #expect(gateway.service.type == .wanIPConnection2)
            let mapping = try await gateway.add(PortMapRequest(transport: .udp, internalPort: 7000, suggestedExternalPort: 6000), limit: Self.limit)
            #expect(mapping.externalPort == 6001, "the fake reserves the next free port")
            #expect(igd.state.withLockedValue { $0.actions.prefix(3) } == ["AddPortMapping", "AddAnyPortMapping", "GetExternalIPAddress"])
        }
    }

    @Test func permanentOnlyGatewayGetsLeaseZero() async throws {
        try await withIGD(permanentLeasesOnly: true) { igd, gateway in
            let mapping = try await gateway.add(PortMapRequest(transport: .tcp, internalPort: 8080), limit: Self.limit)
            #expect(mapping.lifetimeSeconds == 0)
            #expect(mapping.externalPort == 8080)
            #expect(igd.state.withLockedValue { $0.mappings[FakeIGD.Key(transport: "TCP", externalPort: 8080)]?.lease } == 0)
        }
    }

    @Test func faultsBecomeRefusalsWithTheGatewayCode() async throws {
        try await withIGD { _, gateway in
            let absent = PortMapping(
                protocol: .upnp, transport: .tcp, internalAddress: Self.loopback, internalPort: 1, externalAddress: nil, externalPort: 1, lifetimeSeconds: 0)
            let error = await #expect(throws: PortMapError.self) { try await gateway.delete(absent, limit: Self.limit) }
            #expect(error?.kind == .refused)
            #expect(error?.gatewayCode == "714 NoSuchEntryInArray")
        }
    }

    @Test func anUnsendableDestinationDoesNotEndTheSearch() async throws {
        let igd = try await FakeIGD.start()
        defer { Task { await igd.stop() } }
        // Linux refuses a UDP send to port 0 at once (EINVAL), and NIO closes a socket whose
        // send fails: as a multicast send fails on a host without a multicast route.
        let gateway = try await UPnPClient.discover(
            gateway: Self.gateway, limit: Self.limit, ssdpPort: igd.ssdpPort, multicastDestinations: [TransportAddress("127.0.0.1:0")!])
        #expect(gateway.service.controlURL.port == igd.httpPort)
    }

    @Test func failedSendsAreNamedInTheNoAnswerError() async throws {
        let error = await #expect(throws: PortMapError.self) {
            try await UPnPClient.discover(gateway: Self.gateway, limit: Self.limit, ssdpPort: 0, multicastDestinations: [])
        }
        #expect(error?.kind == .noAnswer)
        #expect(error?.message.contains("sending failed") == true, "\(error?.message ?? "")")
    }

    @Test func silenceIsNoAnswerWithinTheLimit() async throws {
        // A UDP port that is bound but never answers.
        let silent = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let port = UInt16(silent.localAddress?.port ?? 0)
        let started = ContinuousClock.now
        let error = await #expect(throws: PortMapError.self) {
            try await UPnPClient.discover(gateway: Self.gateway, limit: .milliseconds(400), ssdpPort: port, multicastDestinations: [])
        }
        #expect(error?.kind == .noAnswer)
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    /// A gateway built by hand around a control URL on `port`.
    private static func gateway(controlPort: Int) -> UPnPGateway {
        UPnPGateway(
            location: HTTPURL(host: "127.0.0.1", port: UInt16(controlPort), path: "/rootDesc.xml"), server: nil, friendlyName: nil, modelName: nil,
            service: UPnPService(type: .wanIPConnection1, controlURL: HTTPURL(host: "127.0.0.1", port: UInt16(controlPort), path: "/ctl")),
            gatewayAddress: loopback, localAddress: loopback)
    }

    @Test func aControlURLThatAcceptsButNeverAnswersIsNoAnswerAtTheLimit() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let started = ContinuousClock.now
        let error = await #expect(throws: PortMapError.self) {
            try await Self.gateway(controlPort: silent.localAddress?.port ?? 0).externalAddress(limit: .milliseconds(300))
        }
        #expect(error?.kind == .noAnswer)
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func aClosedControlPortIsAnIOError() async throws {
        let closed = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = closed.localAddress?.port ?? 0
        try await closed.close()
        let error = await #expect(throws: PortMapError.self) { try await Self.gateway(controlPort: port).externalAddress(limit: Self.limit) }
        #expect(error?.kind == .io)
    }
}
