import NATCore
import NATServer
import NATWire
import Testing

/// Two punch sessions and natctl's server (rendezvous and TURN) on loopback: real sockets,
/// real transactions, no NAT in between.
@Suite struct PunchLoopbackTests {
    /// An RFC 5780 server on 127.0.0.1/127.0.0.2 whose relay hands paired peers credentials.
    static func startServer(relay: Bool = true) async throws -> STUNServer {
        let secret = "loopback-punch-secret"
        var turn = TURNConfiguration(
            credentials: TURNCredentials(realm: "natctl.test", sharedSecrets: [secret]), relayIP: IPAddress("127.0.0.1")!)
        turn.peerPolicy.allowed = PeerAddressPolicy.loopback
        return try await STUNServer.start(
            ServerLayout(primary: TransportAddress("127.0.0.1:0")!, alternate: TransportAddress("127.0.0.2:0")!),
            turn: relay ? turn : nil, rendezvous: RendezvousConfiguration(relaySecret: relay ? secret : nil, offersRelay: relay))
    }

    static func both(_ a: PunchConfiguration, _ b: PunchConfiguration) async -> (PunchReport, PunchReport) {
        async let first = PunchSession(a).run()
        async let second = PunchSession(b).run()
        return await (first, second)
    }

    static func configuration(_ server: STUNServer?, code: String = "31-amber-falcon-river", _ adjust: (inout PunchConfiguration) -> Void = { _ in })
        -> PunchConfiguration
    {
        var configuration = PunchConfiguration(code: PunchCode(code)!, server: server?.layout.primary)
        configuration.timeout = .seconds(30)
        configuration.ipv6 = false
        adjust(&configuration)
        return configuration
    }

    @Test func peersConnectDirectlyAndProveThePath() async throws {
        let server = try await Self.startServer()
        defer { Task { await server.stop() } }
        let (a, b) = await Self.both(Self.configuration(server), Self.configuration(server))
        for report in [a, b] {
            #expect(report.outcome == .success, "\(report.error ?? "")")
            #expect(report.path?.isDirect == true)
            #expect(report.proof?.received == 10 && report.proof?.peerReceived == 10)
            #expect(report.localMapping == "endpoint-independent")
        }
        #expect(Set([a.role, b.role]) == Set(["controlling", "controlled"]))
    }

    @Test func withoutDirectChecksTheRelayCarriesThePath() async throws {
        let server = try await Self.startServer()
        defer { Task { await server.stop() } }
        let noDirect = Self.configuration(server, code: "32-amber-falcon-river") { $0.useDirect = false }
        let (a, b) = await Self.both(noDirect, noDirect)
        for report in [a, b] {
            #expect(report.outcome == .success, "\(report.error ?? "")")
            #expect(report.path == .relayed)
            #expect(report.localCandidates.contains { $0.hasPrefix("relay ") })
            #expect(report.proof?.verified == true)
        }
    }

    @Test func withoutDirectChecksAndWithoutARelayItFailsAtOnce() async throws {
        let server = try await Self.startServer(relay: false)
        defer { Task { await server.stop() } }
        let noDirect = Self.configuration(server, code: "33-amber-falcon-river") { $0.useDirect = false }
        let (a, _) = await Self.both(noDirect, noDirect)
        // FAILED (given up once the direct share is spent), not TIMEOUT (at --timeout).
        #expect(a.outcome == .failed)
        #expect(a.error?.contains("the server offers no relay") == true)
    }

    @Test func anUnreachableServerIsSaidSo() async throws {
        let silent = try await UDPInbox.bind()  // a socket that never answers
        var configuration = PunchConfiguration(code: PunchCode("34-amber-falcon-river")!, server: silent.address)
        configuration.timeout = .seconds(5)
        let report = await PunchSession(configuration).run()
        #expect(report.outcome == .serverUnreachable)
        #expect(report.error?.contains(silent.address.description) == true)
    }

    /// Serverless: each side lists the other's endpoint (and one dead one) and both find the live one.
    @Test func serverlessModeFindsTheWorkingEndpoint() async throws {
        let portA = UInt16.random(in: 20000...29999)
        let portB = portA + 1
        let dead = TransportAddress("127.0.0.1:9")!
        let a = Self.configuration(nil, code: "serverless-natctl-default") {
            $0.bindPort = portA
            $0.peers = [dead, TransportAddress("127.0.0.1:\(portB)")!]
        }
        let b = Self.configuration(nil, code: "serverless-natctl-default") {
            $0.bindPort = portB
            $0.peers = [TransportAddress("127.0.0.1:\(portA)")!]
        }
        let (ra, rb) = await Self.both(a, b)
        #expect(ra.outcome == .success && rb.outcome == .success, "\(ra.error ?? "") \(rb.error ?? "")")
        #expect(ra.remote == "127.0.0.1:\(portB)" && rb.remote == "127.0.0.1:\(portA)")
        #expect(ra.server == nil)
    }
}

/// A run stopped by SIGINT (`stop`) reports INTERRUPTED and leaves the rendezvous, so the next
/// peer with the code waits for a live one instead of pairing with the dead one.
@Suite struct PunchStopTests {
    @Test func aStoppedRunLeavesTheRendezvous() async throws {
        let server = try await PunchLoopbackTests.startServer(relay: false)
        defer { Task { await server.stop() } }
        let code = "33-amber-falcon-river"
        let registered = ArrivalQueue<Bool>()
        let first = PunchSession(PunchLoopbackTests.configuration(server, code: code)) { progress in
            if case .waitingForPeer = progress { registered.push(true) }
        }
        let stopFirst = first.stop
        async let firstReport = first.run()
        _ = try await registered.next(limit: .seconds(5))
        stopFirst("SIGINT")
        let stopped = await firstReport
        #expect(stopped.outcome == .interrupted)
        #expect(stopped.error?.contains("SIGINT") == true)
        // Two new runs with the same code pair with each other, not with the one that left.
        let (a, b) = await PunchLoopbackTests.both(
            PunchLoopbackTests.configuration(server, code: code) { $0.timeout = .seconds(10) },
            PunchLoopbackTests.configuration(server, code: code) { $0.timeout = .seconds(10) })
        for report in [a, b] { #expect(report.outcome == .success, "\(report.error ?? "")") }
    }
}
